// rightsize plan study.yaml [--format table|json|csv]: traffic + SLO + candidate models /
// hardware / layouts -> devices and $ per layout, cheapest feasible first, infeasible ones with
// their reason. --calibration FILE [--calibration-group NAME] prices with fitted efficiencies.
// The flags of app::RunPlan (sim/app/plan.h).
#include <fmt/format.h>

#include "sim/app/plan.h"
#include "sim/cli/calibration_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/cli/format_option.h"
#include "sim/report/table_format.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

// The answer first: the cheapest feasible layout (the layouts come sorted, feasible and priced
// first), or why none is.
std::string PlanAnswer(const std::vector<nlohmann::json>& layouts) {
  for (const nlohmann::json& l : layouts) {
    if (!l.at("feasible").get<bool>()) continue;
    const std::string what = fmt::format("{} x {}, TP {}, {}", l.at("replicas").get<int64_t>(),
                                         l.at("hardware").get<std::string>(), l.at("tp").get<int>(),
                                         l.at("weights_precision").get<std::string>());
    const std::string cost = l.at("usd_per_month").is_null()
                                 ? "unpriced (no price for the device in the catalogue)"
                                 : WholeDollars(l.at("usd_per_month").get<double>()) + " / month";
    const std::string ttft =
        l.at("ttft_p99_s").is_null()
            ? ""
            : fmt::format(", p99 TTFT {:.0f} ms", 1e3 * l.at("ttft_p99_s").get<double>());
    return fmt::format("{}: {} ({}): {}{}\n",
                       l.at("usd_per_month").is_null() ? "fewest devices" : "cheapest", what,
                       l.at("model").get<std::string>(), cost, ttft);
  }
  if (layouts.empty()) return "no layout to plan\n";
  const nlohmann::json& first = layouts.front();
  return fmt::format("no layout meets the SLO; {} on {}: {}\n",
                     first.at("model").get<std::string>(), first.at("hardware").get<std::string>(),
                     first.at("reason").get<std::string>());
}

// The answer, every layout as a row of the figures a planner compares, then how they were sized.
std::string PlanTable(const std::vector<nlohmann::json>& layouts) {
  std::string out = PlanAnswer(layouts) + "\n";
  // priced_by only when a calibration is in use: otherwise every row says "uncalibrated".
  std::vector<std::string> columns = app::kLayoutColumns;
  const bool calibrated =
      !layouts.empty() && layouts.front().value("priced_by", "") != "uncalibrated";
  if (!calibrated) std::erase(columns, "priced_by");
  out += RenderColumns(layouts, columns);
  if (!layouts.empty() && !layouts.front().at("sizing").get<std::string>().empty()) {
    out += "\nsized by " + layouts.front().at("sizing").get<std::string>() + "\n";
  }
  return out;
}

}  // namespace

void RegisterPlanCommand(CLI::App& app, int* exit_code) {
  auto* c = app.add_subcommand(
      "plan", "devices, layout and $ per month to serve a traffic level within an SLO");
  static app::PlanOptions options;
  static std::string format = "table";
  c->add_option("study", options.study_path,
                "capacity study YAML (see examples/capacity-study.yaml)")
      ->required();
  AddFormatOption(c, &format);
  c->add_option("--slo", options.slo_overrides,
                "KEY=SECONDS, KEY <ttft|tpot|itl|e2e>_<mean|p50|p90|p99>_s (repeatable; replaces "
                "the study's target of that key)");
  AddCalibrationOptions(c, &options.calibration);
  c->callback([exit_code] {
    *exit_code = RunWithErrorHandling([] {
      const OutputFormat out = ParseOutputFormat(format);
      options.runner = CommandUnitRunner();
      const app::PlanResult result = app::RunPlan(options, Catalog::Default());
      if (out == OutputFormat::kJson) {
        fmt::print("{}\n", app::ToJson(result).dump(2));
      } else {
        const std::vector<nlohmann::json> layouts = app::LayoutRows(result);
        fmt::print("{}", out == OutputFormat::kTable
                             ? PlanTable(layouts)
                             : RenderRows(layouts, out, app::kLayoutColumns));
      }
      return kExitOk;
    });
  });
}

}  // namespace rightsize
