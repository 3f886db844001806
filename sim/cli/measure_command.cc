// `rightsize measure -o DIR [--hardware ID] [--quick]`: times real transformer work on this
// machine (sim/logs/measure_harness.h) and writes
//   DIR/measurements.csv           canonical measurements (readers.h documents the columns)
//   DIR/<hardware-id>.yaml         the measured device spec (unless --hardware names a catalogue
//                                  device), loadable with `calibrate --hardware DIR/<id>.yaml`
//   DIR/measure-small-decoder.yaml the random-weight decoder whose steps were timed
// DIR is a folder output (sim/util/output_path.h): it is refused before any timing when it holds
// anything rightsize did not write, and replaced whole at the end.
#include <filesystem>

#include <fmt/format.h>

#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/cli/format_option.h"
#include "sim/cli/numeric_flags.h"
#include "sim/logs/measure_harness.h"
#include "sim/logs/readers.h"
#include "sim/report/table_format.h"
#include "sim/spec/catalog.h"
#include "sim/util/output_path.h"
#include "sim/util/strings.h"

namespace rightsize {

void RegisterMeasureCommand(CLI::App& app, int* exit_code) {
  struct Options {
    std::string output_dir;
    std::string hardware;
    std::string hardware_id = "local-cpu";
    bool quick = false;
    double seconds_per_point = 0.05;
  };
  auto options = std::make_shared<Options>();
  auto format = std::make_shared<std::string>("table");
  CLI::App* cmd = app.add_subcommand(
      "measure",
      "Time GEMMs, attention and decoder steps on this machine; write canonical measurements");
  cmd->add_option("-o,--output", options->output_dir, "Output folder")->required();
  cmd->add_option("--hardware", options->hardware,
                  "Catalogue id of this machine's device (default: write a measured spec)");
  cmd->add_option("--hardware-id", options->hardware_id, "Id for the measured device spec")
      ->capture_default_str();
  cmd->add_flag("--quick", options->quick, "Fewer points (CI smoke run, ~10 s)");
  cmd->add_option("--seconds-per-point", options->seconds_per_point,
                  "Timing budget per point (median of the repeats)")
      ->capture_default_str()
      ->check(FiniteIn(1e-4, 10.0));
  AddFormatOption(cmd, format.get());
  cmd->callback([options, format, exit_code] {
    const OutputFormat out = ParseOutputFormat(*format);
    MeasureOptions mo;
    mo.quick = options->quick;
    mo.seconds_per_point = options->seconds_per_point;
    mo.hardware_id = options->hardware.empty() ? options->hardware_id : options->hardware;
    if (!options->hardware.empty()) Catalog::Default().Hardware(options->hardware);  // must exist
    CheckId(options->hardware_id, {"", 0, "--hardware-id"});  // it names DIR/<id>.yaml
    CheckOutputFolder(options->output_dir);                   // before minutes of timing, not after
    const MeasureResult result = RunMeasureHarness(
        mo, [](const std::string& line) { fmt::print(stderr, "measure: {}\n", line); });
    const std::string model_file = result.small_model.id + ".yaml";
    std::string csv = CanonicalCsvHeader();
    for (Measurement m : result.measurements) {
      if (m.metric != MetricKind::kOpTime) m.model_id = model_file;  // path beside the CSV
      csv += CanonicalCsvRow(m);
    }
    WriteFolderAtomically(options->output_dir, [&](const std::string& temp_dir) {
      const std::filesystem::path dir(temp_dir);
      WriteFileAtomically((dir / model_file).string(), ModelSpecYaml(result.small_model));
      if (options->hardware.empty()) {
        WriteFileAtomically((dir / (mo.hardware_id + ".yaml")).string(),
                            HardwareSpecYaml(result.hardware));
      }
      WriteFileAtomically((dir / "measurements.csv").string(), csv);
    });
    const std::string csv_path =
        (std::filesystem::path(options->output_dir) / "measurements.csv").string();
    if (out == OutputFormat::kTable) {
      fmt::print("wrote {} measurements to {} in {:.1f} s\n", result.measurements.size(), csv_path,
                 result.elapsed_s);
    } else {
      const nlohmann::json summary = {{"measurements", result.measurements.size()},
                                      {"file", csv_path},
                                      {"hardware", mo.hardware_id},
                                      {"elapsed_s", result.elapsed_s}};
      fmt::print("{}", Render(summary, out));
    }
    *exit_code = kExitOk;
  });
}

}  // namespace rightsize
