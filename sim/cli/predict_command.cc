// rightsize predict --model ID|config.json --hardware ID [workload flags] [--format ...]
//   [--calibration FILE [--calibration-group NAME]]: the flags of app::RunPredict
// (sim/app/predict.h).
#include <fmt/format.h>

#include "sim/app/predict.h"
#include "sim/cli/calibration_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/cli/format_option.h"
#include "sim/cli/numeric_flags.h"
#include "sim/cli/workload_options.h"
#include "sim/report/table_format.h"

namespace rightsize {
namespace {

// A training run of more tokens than this (10^5 x the largest published runs) is a typo.
constexpr double kMaxTrainTokens = 1e18;

}  // namespace

void RegisterPredictCommand(CLI::App& app, int* exit_code) {
  auto* c = app.add_subcommand(
      "predict", "parameters, FLOPs, memory, latency, throughput, $ and J of one configuration");
  static app::PredictOptions options;
  static std::string format = "table";
  c->add_option("--model", options.model_id,
                "model id (rightsize list models) or a config.json path")
      ->required();
  c->add_option("--hardware", options.hardware_id, "hardware id (rightsize list hardware)")
      ->required();
  AddFormatOption(c, &format);
  AddWorkloadOptions(c, &options.workload);
  c->add_option("--usd-per-hour", options.usd_per_hour,
                "price of one device-hour in USD (default: cheapest quote in models/prices)")
      ->check(FiniteIn(0, kMaxUsdPerDeviceHour));
  c->add_option("--train-tokens", options.train_tokens,
                "training / fine-tuning run length in tokens, for run time, device-hours and $")
      ->check(FiniteIn(0, kMaxTrainTokens));
  AddCalibrationOptions(c, &options.calibration);
  c->callback([exit_code] {
    *exit_code = RunWithErrorHandling([] {
      const OutputFormat out = ParseOutputFormat(format);
      const app::PredictResult result = app::RunPredict(options, Catalog::Default());
      fmt::print("{}", Render(app::ToJson(result), out));
      return kExitOk;
    });
  });
}

}  // namespace rightsize
