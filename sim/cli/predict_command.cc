// rightsize predict --model ID|config.json --hardware ID [workload flags] [--format ...]
//   [--calibration FILE [--calibration-group NAME]]
#include <fmt/format.h>

#include "sim/cli/calibration_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/cli/numeric_flags.h"
#include "sim/cli/workload_options.h"
#include "sim/cost/op_count.h"
#include "sim/plan/predict.h"
#include "sim/report/table_format.h"
#include "sim/spec/catalog.h"

namespace rightsize {
namespace {

// A training run of more tokens than this (10^5 x the largest published runs) is a typo.
constexpr double kMaxTrainTokens = 1e18;

// The calibration used, and the prediction interval of each step time the prediction reports
// (PredictWithInterval: parameter covariance and residual scale of the fit, at the file's level).
nlohmann::json CalibrationJson(const UsedCalibration& c, const Prediction& p) {
  nlohmann::json j = ToJson(c);
  j["fitted_on_this_hardware"] = FittedOn(c, p.hardware->id);
  j["has_covariance"] = c.has_covariance;
  j["interval_level"] = c.interval_level;
  const Workload& w = p.workload;
  const bool ok = p.latency.feasible;
  auto interval = [&](const char* name, const Step& step) {
    CalibrationPoint point;
    if (ok) {
      point.ops = CountOps(*p.model, w, step);
      point.rates = ResolveRates(*p.hardware, w);
    }
    const PredictionInterval pi = ok ? PredictWithInterval(c.fit, point, c.interval_level) : PredictionInterval{};
    j[std::string(name) + "_lower_s"] = ok ? nlohmann::json(pi.lower_s) : nlohmann::json(nullptr);
    j[std::string(name) + "_upper_s"] = ok ? nlohmann::json(pi.upper_s) : nlohmann::json(nullptr);
  };
  if (w.mode == Mode::kInference) {
    interval("ttft", PrefillStep(w));
    interval("tpot", DecodeStep(w, w.prompt_tokens + w.gen_tokens / 2));  // as EstimateLatency
  } else {
    interval("train_step", TrainStep(w));
  }
  return j;
}

}  // namespace

void RegisterPredictCommand(CLI::App& app, int* exit_code) {
  auto* c = app.add_subcommand(
      "predict", "parameters, FLOPs, memory, latency, throughput, $ and J of one configuration");
  static std::string model_id, hardware_id, format = "table";
  static WorkloadOptions options;
  static PredictOptions predict_options;
  static CalibrationOptions calibration;
  c->add_option("--model", model_id, "model id (rightsize list models) or a config.json path")->required();
  c->add_option("--hardware", hardware_id, "hardware id (rightsize list hardware)")->required();
  c->add_option("--format", format, "table | json | csv")->capture_default_str();
  AddWorkloadOptions(c, &options);
  c->add_option("--usd-per-hour", predict_options.usd_per_hour,
                "price of one device-hour in USD (default: cheapest quote in models/prices)")
      ->check(FiniteIn(0, kMaxUsdPerDeviceHour));
  c->add_option("--train-tokens", predict_options.train_tokens,
                "training / fine-tuning run length in tokens, for run time, device-hours and $")
      ->check(FiniteIn(0, kMaxTrainTokens));
  AddCalibrationOptions(c, &calibration);
  c->callback([exit_code] {
    *exit_code = RunWithErrorHandling([] {
      const Catalog& catalog = Catalog::Default();
      const OutputFormat out = ParseOutputFormat(format);
      const ModelSpec model = catalog.ResolveModel(model_id);
      const HardwareSpec& hardware = catalog.Hardware(hardware_id);
      const Workload workload = BuildWorkload(options);
      const auto used = LoadCalibrationOption(calibration, hardware.id);
      PredictOptions with_params = predict_options;
      with_params.params = ParamsOf(used).For(hardware.id);
      const Prediction prediction = Predict(model, hardware, workload, with_params);
      nlohmann::json j = ToJson(prediction);
      j["priced_by"] = PricedBy(used, hardware.id);
      if (used) j["calibration"] = CalibrationJson(*used, prediction);
      fmt::print("{}", Render(j, out));
      return kExitOk;
    });
  });
}

}  // namespace rightsize
