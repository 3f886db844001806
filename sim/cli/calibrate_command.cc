// `rightsize calibrate LOGS... [--hardware ID|FILE.yaml] [--engine NAME] [--input-format FMT]
//   [--model ID] [--prompt-tokens N --gen-tokens N --tp N --replicas N --weights P ...]
//   [--loss huber] [--folds 5] [--logo] [--logo-device] [--no-families]
//   [--format table|json|csv|markdown]
//   -o data/calibrations/X.json`: the flags of
// app::RunCalibrate (sim/app/calibrate.h).
#include <memory>

#include <fmt/format.h>

#include "sim/app/calibrate.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/cli/format_option.h"
#include "sim/cli/numeric_flags.h"
#include "sim/report/table_format.h"

namespace rightsize {
namespace {

// Robust-loss scale and prior sd are in log units: e^100 is already beyond any ratio of times.
constexpr double kMaxLogUnits = 100;
constexpr double kMaxFolds = 1000;

}  // namespace

void RegisterCalibrateCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<app::CalibrateOptions>();
  CLI::App* cmd =
      app.add_subcommand("calibrate", "Fit latency-model efficiencies to benchmark logs");
  cmd->add_option("logs", o->logs, "Benchmark log files")->required();
  cmd->add_option(
      "--input-format", o->format,
      "Log format, forced for every file (default: detected per file from its content)");
  cmd->add_option("--hardware", o->hardware, "Device id or hardware YAML (default: from the logs)");
  cmd->add_option("--engine", o->engine, "Engine name (overrides the logs)");
  cmd->add_option("--model", o->model, "Model id (overrides the logs)");
  const double max_context = static_cast<double>(kMaxContextTokens);
  cmd->add_option("--prompt-tokens", o->prompt_tokens,
                  "Mean prompt tokens per request (logs that omit it: mlperf)")
      ->check(FiniteIn(0, max_context));
  cmd->add_option("--gen-tokens", o->gen_tokens,
                  "Mean generated tokens per request (default: from the log)")
      ->check(FiniteIn(0, max_context));
  cmd->add_option("--tp", o->tensor_parallel, "Tensor-parallel degree of one replica (mlperf)")
      ->capture_default_str()
      ->check(FiniteIn(1, kMaxParallelDegree));
  cmd->add_option("--replicas", o->replicas, "Replicas sharing the measured load (mlperf)")
      ->capture_default_str()
      ->check(FiniteIn(1, static_cast<double>(kMaxDevices)));
  cmd->add_option("--weights", o->weights, "Weight precision (mlperf; default bf16)");
  cmd->add_option("--activations", o->activations, "Activation precision (mlperf; default bf16)");
  cmd->add_option("--kv", o->kv_cache, "KV-cache precision (mlperf; default bf16)");
  cmd->add_option("-o,--output", o->output_path, "Calibration JSON to write");
  cmd->add_option("--loss", o->loss, "Robust loss: none, huber, soft_l1, cauchy, arctan")
      ->capture_default_str();
  cmd->add_option("--loss-scale", o->loss_scale, "Robust-loss scale in log units")
      ->capture_default_str()
      ->check(PositiveUpTo(kMaxLogUnits));
  cmd->add_option("--residuals", o->residuals_path, "CSV of measured vs fitted time per point");
  cmd->add_flag("--priors,!--no-priors", o->priors,
                "Gaussian priors on log(parameter) at the cited defaults (default on)");
  cmd->add_option("--prior-sd-scale", o->prior_sd_scale,
                  "Multiplies every parameter's cited prior sd")
      ->capture_default_str()
      ->check(PositiveUpTo(kMaxLogUnits));
  cmd->add_option("--level", o->interval_level, "Prediction-interval level")
      ->capture_default_str()
      ->check(FiniteIn(0.01, 0.999));
  cmd->add_option("--folds", o->folds, "k-fold cross-validation (0 = off, else >= 2)")
      ->capture_default_str()
      ->check(FiniteIn(0, kMaxFolds));
  cmd->add_flag("--logo", o->leave_one_group_out,
                "Also leave each model / shape series out in turn");
  cmd->add_flag("--families,!--no-families", o->families,
                "Fit a level per GPU architecture family, shrink its devices toward it, and store "
                "it for devices without a group (default on)");
  cmd->add_flag("--logo-device", o->leave_one_device_out,
                "Also leave each device of a family of two or more out in turn, predicted "
                "through its family");
  cmd->add_flag("--strict", o->strict, "Unmappable rows are errors instead of skipped");
  cmd->add_option(
      "--share", o->share,
      "Parameters shared by every group: auto (kept where held-out error allows) or NAME,NAME");
  cmd->add_option("--threads", o->num_threads, "Ceres threads")
      ->capture_default_str()
      ->check(FiniteIn(1, 256));
  auto format = std::make_shared<std::string>("table");
  AddFormatOption(cmd, format.get());
  cmd->callback([o, format, exit_code] {
    const OutputFormat out = ParseOutputFormat(*format);
    o->runner = CommandUnitRunner();
    const app::CalibrateResult result = app::RunCalibrate(*o, Catalog::Default());
    if (out == OutputFormat::kTable) {
      fmt::print("{}", result.summary);
    } else if (out == OutputFormat::kJson) {
      fmt::print("{}\n", result.document.dump(2));
    } else {
      fmt::print("{}",
                 RenderRows(app::ParameterRows(result.document), out, app::kParameterColumns));
    }
    *exit_code = result.usable ? kExitOk : kExitInputError;
  });
}

}  // namespace rightsize
