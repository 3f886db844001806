// rightsize plan study.yaml [--format table|json|csv]: traffic + SLO + candidate models /
// hardware / layouts -> devices and $ per layout, cheapest feasible first, infeasible ones with
// their reason. --calibration FILE [--calibration-group NAME] prices with fitted efficiencies.
#include <fmt/format.h>

#include "sim/cli/calibration_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/plan/capacity.h"
#include "sim/report/table_format.h"
#include "sim/spec/catalog.h"

namespace rightsize {

void RegisterPlanCommand(CLI::App& app, int* exit_code) {
  auto* c = app.add_subcommand(
      "plan", "devices, layout and $ per month to serve a traffic level within an SLO");
  static std::string study_path, format = "table";
  static std::vector<std::string> slo_flags;
  static CalibrationOptions calibration;
  c->add_option("study", study_path, "capacity study YAML (see examples/capacity-study.yaml)")
      ->required();
  c->add_option("--format", format, "table | json | csv")->capture_default_str();
  c->add_option("--slo", slo_flags,
                 "KEY=SECONDS, KEY <ttft|tpot|itl|e2e>_<mean|p50|p90|p99>_s (repeatable; replaces "
                 "the study's target of that key)");
  AddCalibrationOptions(c, &calibration);
  c->callback([exit_code] {
    *exit_code = RunWithErrorHandling([] {
      const OutputFormat out = ParseOutputFormat(format);
      CapacityStudy study = LoadCapacityStudy(study_path);
      ApplySloFlags(slo_flags, &study.slo);
      const auto used = LoadCalibrationOption(calibration);
      const auto plans = PlanCapacity(study, Catalog::Default(), ParamsOf(used));
      std::vector<nlohmann::json> rows;
      for (const auto& plan : plans) rows.push_back(ToJson(plan));
      if (out == OutputFormat::kJson) {
        nlohmann::json j;
        j["schema_version"] = 1;
        j["study"] = study_path;
        j["traffic"] = {{"requests_per_s", study.traffic.requests_per_s},
                        {"prompt_tokens", study.traffic.prompt_tokens},
                        {"output_tokens", study.traffic.output_tokens}};
        j["slo"] = SloJson(study.slo);
        j["sizing"] = study.simulation.Describe(study.slo);
        if (used) j["calibration"] = ToJson(*used);
        j["layouts"] = rows;
        fmt::print("{}\n", j.dump(2));
      } else {
        fmt::print("{}", Render(rows, out));
      }
      return kExitOk;
    });
  });
}

}  // namespace rightsize
