// rightsize validate [--runs DIR] [--dataset NAME]... [--points] [--format table|json|csv|markdown]
//                    [--calibration FILE [--calibration-group NAME]]:
// the latency model's median and p90 absolute percentage error against the measured runs in
// data/runs, per dataset (or every compared point with --points), with the uncalibrated defaults
// or a calibration's parameters.
#include <fmt/format.h>

#include "sim/cli/calibration_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/validate/validation.h"
#include "sim/report/table_format.h"
#include "sim/spec/catalog.h"

namespace rightsize {

void RegisterValidateCommand(CLI::App& app, int* exit_code) {
  auto* c = app.add_subcommand(
      "validate", "latency model vs measured runs: median and p90 absolute percentage error");
  static std::string runs_dir = DefaultRunsDir(), format = "table";
  static std::vector<std::string> datasets;
  static bool points = false;
  static CalibrationOptions calibration;
  c->add_option("--runs", runs_dir, "folder of run datasets")->capture_default_str();
  c->add_option("--dataset", datasets, "dataset folder name(s); default: all");
  c->add_flag("--points", points, "print every compared point instead of the summary");
  c->add_option("--format", format, "table | json | csv | markdown")->capture_default_str();
  AddCalibrationOptions(c, &calibration);
  c->callback([exit_code] {
    *exit_code = RunWithErrorHandling([] {
      const OutputFormat out = ParseOutputFormat(format);
      const auto used = LoadCalibrationOption(calibration);
      const ValidationResult result =
          Validate(runs_dir, Catalog::Default(), ParamsOf(used),
                   datasets.empty() ? ValidationDatasets() : datasets);
      std::vector<nlohmann::json> rows;
      if (points) {
        for (const auto& p : result.points) rows.push_back(ToJson(p));
      } else {
        for (const auto& d : result.datasets) rows.push_back(ToJson(d));
      }
      if (out == OutputFormat::kJson) {
        nlohmann::json j;
        j["schema_version"] = 1;
        j["params"] = used ? calibration.file + " (group " + used->group + ")" : "defaults (uncalibrated)";
        j[points ? "points" : "datasets"] = rows;
        fmt::print("{}\n", j.dump(2));
      } else {
        fmt::print("{}", Render(rows, out));
      }
      return kExitOk;
    });
  });
}

}  // namespace rightsize
