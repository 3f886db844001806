// rightsize plan study.yaml [--format table|json|csv]: traffic + SLO + candidate models /
// hardware / layouts -> devices and $ per layout, cheapest feasible first, infeasible ones with
// their reason. --calibration FILE [--calibration-group NAME] prices with fitted efficiencies.
// The flags of app::RunPlan (sim/app/plan.h).
#include <fmt/format.h>

#include "sim/app/plan.h"
#include "sim/cli/calibration_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/report/table_format.h"

namespace rightsize {

void RegisterPlanCommand(CLI::App& app, int* exit_code) {
  auto* c = app.add_subcommand(
      "plan", "devices, layout and $ per month to serve a traffic level within an SLO");
  static app::PlanOptions options;
  static std::string format = "table";
  c->add_option("study", options.study_path,
                "capacity study YAML (see examples/capacity-study.yaml)")
      ->required();
  c->add_option("--format", format, "table | json | csv")->capture_default_str();
  c->add_option("--slo", options.slo_overrides,
                "KEY=SECONDS, KEY <ttft|tpot|itl|e2e>_<mean|p50|p90|p99>_s (repeatable; replaces "
                "the study's target of that key)");
  AddCalibrationOptions(c, &options.calibration);
  c->callback([exit_code] {
    *exit_code = RunWithErrorHandling([] {
      const OutputFormat out = ParseOutputFormat(format);
      const app::PlanResult result = app::RunPlan(options, Catalog::Default());
      if (out == OutputFormat::kJson) {
        fmt::print("{}\n", app::ToJson(result).dump(2));
      } else {
        fmt::print("{}", Render(app::LayoutRows(result), out));
      }
      return kExitOk;
    });
  });
}

}  // namespace rightsize
