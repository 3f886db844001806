// rightsize validate [--runs DIR] [--dataset NAME]... [--points] [--format table|json|csv|markdown]
//                    [--calibration FILE [--calibration-group NAME]]:
// the latency model's median and p90 absolute percentage error against the measured runs in
// data/runs, per dataset (or every compared point with --points), with the uncalibrated defaults
// or a calibration's parameters.
#include <fmt/format.h>

#include "sim/app/validate.h"
#include "sim/cli/calibration_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/cli/format_option.h"
#include "sim/report/table_format.h"
#include "sim/spec/catalog.h"

namespace rightsize {
namespace {

// Where the parameters come from, one row per dataset (or point), then each dataset's skip
// reasons: a column table people read.
std::string ValidateTable(const app::ValidateResult& result) {
  const nlohmann::json document = app::ToJson(result);
  std::string out = "parameters: " + document.at("params").get<std::string>() + "\n\n";
  const std::vector<nlohmann::json> rows = app::Rows(result);
  if (result.points) {
    return out + RenderColumns(rows, {"dataset", "file", "line", "model", "hardware", "metric",
                                      "setup", "measured", "predicted", "ape"});
  }
  out += RenderColumns(rows, {"dataset", "metric", "rows", "used", "unknown_model",
                              "unknown_hardware", "skipped", "median_ape", "p90_ape"});
  std::string skipped;
  for (const nlohmann::json& row : rows) {
    const std::string reasons = row.at("skipped_reasons").get<std::string>();
    if (!reasons.empty())
      skipped += "skipped in " + row.at("dataset").get<std::string>() + ": " + reasons + "\n";
  }
  return skipped.empty() ? out : out + "\n" + skipped;
}

}  // namespace

void RegisterValidateCommand(CLI::App& app, int* exit_code) {
  auto* c = app.add_subcommand(
      "validate", "latency model vs measured runs: median and p90 absolute percentage error");
  static app::ValidateOptions options;
  options.runs_dir = DefaultRunsDir();
  static std::string format = "table";
  c->add_option("--runs", options.runs_dir, "folder of run datasets")->capture_default_str();
  c->add_option("--dataset", options.datasets, "dataset folder name(s); default: all");
  c->add_flag("--points", options.points, "print every compared point instead of the summary");
  AddFormatOption(c, &format);
  AddCalibrationOptions(c, &options.calibration);
  c->callback([exit_code] {
    *exit_code = RunWithErrorHandling([] {
      const OutputFormat out = ParseOutputFormat(format);
      const app::ValidateResult result = app::RunValidate(options, Catalog::Default());
      if (out == OutputFormat::kJson) {
        fmt::print("{}\n", app::ToJson(result).dump(2));
      } else {
        fmt::print("{}", out == OutputFormat::kTable ? ValidateTable(result)
                                                     : Render(app::Rows(result), out));
      }
      return kExitOk;
    });
  });
}

}  // namespace rightsize
