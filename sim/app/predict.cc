#include "sim/app/predict.h"

#include "sim/cost/op_count.h"
#include "sim/util/error.h"

namespace rightsize::app {
namespace {

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
    const PredictionInterval pi =
        ok ? PredictWithInterval(c.fit, point, c.interval_level) : PredictionInterval{};
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

PredictResult RunPredict(const PredictOptions& options, const Catalog& catalog) {
  // The command-line flags check these ranges too; the Python module reaches here without them.
  if (!(options.usd_per_hour >= 0)) throw InputError({"", 0, "usd_per_hour"}, "must be >= 0");
  if (!(options.train_tokens >= 0)) throw InputError({"", 0, "train_tokens"}, "must be >= 0");
  PredictResult result;
  auto model = std::make_shared<const ModelSpec>(catalog.ResolveModel(options.model_id));
  const HardwareSpec& hardware = catalog.Hardware(options.hardware_id);
  const Workload workload = BuildWorkload(options.workload);
  result.calibration = LoadCalibration(options.calibration, hardware.id, &catalog);
  rightsize::PredictOptions predict;
  predict.params = ParamsOf(result.calibration).For(hardware.id);
  predict.usd_per_hour = options.usd_per_hour;
  predict.train_tokens = options.train_tokens;
  result.prediction = Predict(catalog, *model, hardware, workload, predict);
  result.model = std::move(model);
  return result;
}

nlohmann::json ToJson(const PredictResult& result) {
  nlohmann::json j = rightsize::ToJson(result.prediction);
  j["priced_by"] = PricedBy(result.calibration, result.prediction.hardware->id);
  if (result.calibration)
    j["calibration"] = CalibrationJson(*result.calibration, result.prediction);
  return j;
}

}  // namespace rightsize::app
