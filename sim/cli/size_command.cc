// `rightsize size --law law.json --target-loss L --inference-tokens T
//  [--hardware ID [--weights P --train-utilization U --prefill-utilization U --decode-batch B]
//   | --usd-per-train-flop X --usd-per-inference-flop Y]`: the flags of app::RunSize
// (sim/app/size.h).
#include <memory>

#include <fmt/format.h>

#include "sim/app/size.h"
#include "sim/cli/commands.h"
#include "sim/cli/format_option.h"
#include "sim/cli/numeric_flags.h"
#include "sim/cost/money.h"
#include "sim/report/table_format.h"
#include "sim/util/error.h"
#include "sim/util/output_path.h"

namespace rightsize {
namespace {

// Flag bounds: far beyond any real model or deployment, small enough that every product of them
// (6 N D, N x tokens x $ per FLOP) stays a finite double.
constexpr double kMaxLossNats = 100;
constexpr double kMaxParams = 1e16;
constexpr double kMaxLifetimeTokens = 1e20;
constexpr double kMaxUsdPerFlop = 1;

}  // namespace

void RegisterSizeCommand(CLI::App& app) {
  auto options = std::make_shared<app::SizeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "size", "Cheapest model size for a target loss and lifetime inference demand");
  cmd->add_option("--law", options->law_path, "law JSON (fit-law) or models/laws/*.yaml")
      ->required();
  cmd->add_option("--target-loss", options->target_loss_nats, "target loss (nats/token)")
      ->check(FiniteIn(0, kMaxLossNats));
  cmd->add_option("--target-params", options->target_params,
                  "target = the loss a compute-optimal model of this many parameters reaches")
      ->check(FiniteIn(0, kMaxParams));
  cmd->add_option("--inference-tokens", options->inference_tokens,
                  "lifetime inference tokens (prefill + decode)")
      ->check(FiniteIn(0, kMaxLifetimeTokens));
  cmd->add_option("--prefill-fraction", options->prefill_fraction,
                  "share of inference tokens that are prompt tokens (default 0)")
      ->check(FiniteIn(0, 1));
  cmd->add_option("--usd-per-train-flop", options->usd_per_train_flop, "$ per training FLOP")
      ->check(FiniteIn(0, kMaxUsdPerFlop));
  auto* inference = cmd->add_option_function<double>(
                           "--usd-per-inference-flop",
                           [options](double usd) {
                             options->usd_per_prefill_flop = usd;
                             options->usd_per_decode_flop = usd;
                           },
                           "$ per inference FLOP (prefill and decode)")
                        ->check(FiniteIn(0, kMaxUsdPerFlop));
  cmd->add_option("--usd-per-prefill-flop", options->usd_per_prefill_flop, "$ per prefill FLOP")
      ->excludes(inference)
      ->check(FiniteIn(0, kMaxUsdPerFlop));
  cmd->add_option("--usd-per-decode-flop", options->usd_per_decode_flop, "$ per decode FLOP")
      ->excludes(inference)
      ->check(FiniteIn(0, kMaxUsdPerFlop));
  cmd->add_option(
      "--hardware", options->hardware_id,
      "price FLOPs on this device: its cheapest price and its roofline (rightsize list hardware)");
  cmd->add_option("--usd-per-hour", options->usd_per_hour,
                  "with --hardware: price of a device-hour")
      ->check(FiniteIn(0, kMaxUsdPerDeviceHour));
  cmd->add_option("--weights", options->weights, "with --hardware: serving weight precision")
      ->capture_default_str();
  cmd->add_option("--train-utilization", options->train_utilization,
                  "with --hardware: fraction of the dense peak training sustains (default: compute "
                  "efficiency)")
      ->check(FiniteIn(0, 1));
  cmd->add_option("--prefill-utilization", options->prefill_utilization,
                  "with --hardware: fraction of the dense peak prefill sustains (default: compute "
                  "efficiency)")
      ->check(FiniteIn(0, 1));
  cmd->add_option("--decode-batch", options->decode_batch,
                  "with --hardware: concurrent sequences per decode step")
      ->capture_default_str()
      ->check(FiniteIn(1, static_cast<double>(kMaxBatch)));
  cmd->add_option("-o,--output", options->output_path, "JSON to write");
  auto format = std::make_shared<std::string>("table");
  AddFormatOption(cmd, format.get());
  cmd->callback([options, format] {
    const OutputFormat out = ParseOutputFormat(*format);
    if (options->target_loss_nats <= 0 && options->target_params <= 0) {
      throw InputError({"", 0, "target-loss"}, "give --target-loss or --target-params");
    }
    if (!options->output_path.empty()) CheckOutputFile(options->output_path);
    const app::SizeResult result = app::RunSize(*options, Catalog::Default());
    const nlohmann::json doc = app::ToJson(*options, result);
    fmt::print("{}",
               out == OutputFormat::kTable ? app::FormatSizeResult(result) : Render(doc, out));
    if (!options->output_path.empty()) {
      WriteFileAtomically(options->output_path, doc.dump(2) + "\n");
      fmt::print(out == OutputFormat::kTable ? stdout : stderr, "wrote {}\n", options->output_path);
    }
  });
}

}  // namespace rightsize
