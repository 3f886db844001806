// rightsize sweep-study STUDY.yaml --set PATH=V1,V2,... [--set ...] [--threads N] [-o FILE]
//                       [--format csv|json|table|markdown] [--progress]
//                       [--calibration FILE [--calibration-group NAME]]:
// the study's verdict for every combination of replacement values of any of its fields, one row
// per combination and small-vs-large pair, the combinations run in parallel.
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "sim/app/sweep_study.h"
#include "sim/cli/calibration_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/cli/format_option.h"
#include "sim/cli/numeric_flags.h"
#include "sim/report/table_format.h"
#include "sim/spec/catalog.h"
#include "sim/util/output_path.h"

namespace rightsize {

void RegisterSweepStudyCommand(CLI::App& app, int* exit_code) {
  auto* c = app.add_subcommand(
      "sweep-study", "a study's verdict over a grid of values of any of its fields, in parallel");
  static app::SweepStudyOptions options;
  static std::string out, format = "csv";
  static bool progress = false;
  c->add_option("study", options.study_path, "study YAML (examples/README.md)")->required();
  c->add_option(
       "--set", options.sets,
       "PATH=V1,V2,...: a field and the values it takes, e.g. traffic.requests_per_month=1e5,1e6 "
       "or candidates.phi-3-mini.weights=[bf16],[fp8] (repeat for more fields)")
      ->required();
  c->add_option("--threads", options.threads,
                "worker threads (0: all cores; more than the cores are capped)")
      ->capture_default_str()
      ->check(FiniteIn(0, kMaxThreadsFlag));
  c->add_option("-o,--output", out, "write the rows here (default: stdout)");
  AddFormatOption(c, &format);
  c->add_flag("--progress", progress, "show progress on stderr even when it is not a terminal");
  AddCalibrationOptions(c, &options.calibration);
  c->callback([exit_code] {
    *exit_code = RunWithErrorHandling([] {
      const OutputFormat output = ParseOutputFormat(format);
      NoteThreadCap("--threads", options.threads);
      if (!out.empty()) CheckOutputFile(out);  // before the sweep, not after
      if (progress || ::isatty(STDERR_FILENO)) {
        options.progress = [](size_t done, size_t total) {
          fmt::print(stderr, "\rsweep-study: {}/{} studies", done, total);
          if (done == total) fmt::print(stderr, "\n");
          std::fflush(stderr);
        };
      }
      const app::SweepStudyResult result = app::RunSweepStudy(options, Catalog::Default());
      const std::string text = RenderRows(app::ToJsonRows(result), output);
      if (out.empty()) {
        fmt::print("{}", text);
      } else {
        WriteFileAtomically(out, text);
        fmt::print(stderr, "wrote {} rows to {}\n", result.sweep.rows.size(), out);
      }
      return kExitOk;
    });
  });
}

}  // namespace rightsize
