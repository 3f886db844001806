// rightsize predict --model ID|config.json --hardware ID [workload flags] [--format ...]
#include <fmt/format.h>

#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/cli/workload_options.h"
#include "sim/plan/predict.h"
#include "sim/report/table_format.h"
#include "sim/spec/catalog.h"

namespace rightsize {

void RegisterPredictCommand(CLI::App& app, int* exit_code) {
  auto* c = app.add_subcommand(
      "predict", "parameters, FLOPs, memory, latency, throughput, $ and J of one configuration");
  static std::string model_id, hardware_id, format = "table";
  static WorkloadOptions options;
  static PredictOptions predict_options;
  c->add_option("--model", model_id, "model id (rightsize list models) or a config.json path")->required();
  c->add_option("--hardware", hardware_id, "hardware id (rightsize list hardware)")->required();
  c->add_option("--format", format, "table | json | csv")->capture_default_str();
  AddWorkloadOptions(c, &options);
  c->add_option("--usd-per-hour", predict_options.usd_per_hour,
                "price of one device-hour in USD (default: cheapest quote in models/prices)")
      ->check(CLI::NonNegativeNumber);
  c->add_option("--train-tokens", predict_options.train_tokens,
                "training / fine-tuning run length in tokens, for run time, device-hours and $")
      ->check(CLI::NonNegativeNumber);
  c->callback([exit_code] {
    *exit_code = RunWithErrorHandling([] {
      const Catalog& catalog = Catalog::Default();
      const OutputFormat out = ParseOutputFormat(format);
      const ModelSpec model = catalog.ResolveModel(model_id);
      const HardwareSpec& hardware = catalog.Hardware(hardware_id);
      const Workload workload = BuildWorkload(options);
      const Prediction prediction = Predict(model, hardware, workload, predict_options);
      fmt::print("{}", Render(ToJson(prediction), out));
      return kExitOk;
    });
  });
}

}  // namespace rightsize
