// rightsize sweep --models a,b --hardware x,y [--batch 1,8,64 ...] [--calibration FILE
//   [--calibration-group NAME]] [--format csv|json|table|markdown] -o sweep.csv
#include <cstdio>

#include <fmt/format.h>
#include <unistd.h>

#include "sim/app/sweep.h"
#include "sim/cli/calibration_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/cli/format_option.h"
#include "sim/cli/numeric_flags.h"
#include "sim/report/table_format.h"
#include "sim/util/error.h"
#include "sim/util/output_path.h"
#include "sim/util/parallel.h"

namespace rightsize {
namespace {

// CSV (the default, for data tools) streams the grid's own writer; the other formats render the
// JSON rows.
std::string SweepText(const app::SweepResult& result, OutputFormat format) {
  if (format == OutputFormat::kCsv) return app::ToCsv(result);
  const nlohmann::json doc = app::ToJson(result);
  if (format == OutputFormat::kJson) return doc.dump(2) + "\n";
  const std::vector<nlohmann::json> rows = doc.value("rows", nlohmann::json::array());
  return RenderRows(rows, format);
}

}  // namespace

void RegisterSweepCommand(CLI::App& app, int* exit_code) {
  auto* c =
      app.add_subcommand("sweep", "predict every combination of a grid, in parallel on all cores");
  static app::SweepOptions options;
  static std::string out, format = "csv";
  static bool progress = false, bench = false;
  c->add_option("--models", options.models, "model ids or config.json paths")
      ->delimiter(',')
      ->required();
  c->add_option("--hardware", options.hardware, "hardware ids")->delimiter(',')->required();
  const double max_context = static_cast<double>(kMaxContextTokens);
  c->add_option("--batch", options.batch, "batch sizes")
      ->delimiter(',')
      ->capture_default_str()
      ->check(FiniteIn(1, static_cast<double>(kMaxBatch)));
  c->add_option("--prompt-tokens", options.prompt_tokens, "prompt lengths")
      ->delimiter(',')
      ->capture_default_str()
      ->check(FiniteIn(1, max_context));
  c->add_option("--gen-tokens", options.gen_tokens, "generated lengths")
      ->delimiter(',')
      ->capture_default_str()
      ->check(FiniteIn(1, max_context));
  c->add_option("--weights", options.weights, "weight precisions")
      ->delimiter(',')
      ->capture_default_str();
  c->add_option("--tp", options.tensor_parallel, "tensor-parallel degrees")
      ->delimiter(',')
      ->capture_default_str()
      ->check(FiniteIn(1, kMaxParallelDegree));
  c->add_option("--threads", options.threads,
                "worker threads (0: all cores; more than the cores are capped)")
      ->capture_default_str()
      ->check(FiniteIn(0, kMaxThreadsFlag));
  c->add_option("-o,--output", out,
                "write the rows here as they are predicted (CSV; gzip when it ends in .gz, "
                "zstd when it ends in .zst; default: stdout)");
  AddFormatOption(c, &format);
  c->add_flag("--progress", progress, "show progress on stderr even when it is not a terminal");
  c->add_flag("--bench", bench, "print points per second on stderr");
  AddCalibrationOptions(c, &options.calibration);
  c->callback([exit_code] {
    if (!out.empty()) CheckOutputFile(out);  // before the sweep, not after
    // The grid's own checks (precisions, sequence length) come before the thread note.
    app::MakeSweepGrid(options);
    NoteThreadCap("--threads", options.threads);
    if (progress || ::isatty(STDERR_FILENO)) {
      options.progress = [](size_t done, size_t total) {
        if (done % 8192 < 256 || done == total) {
          fmt::print(stderr, "\r{} / {} points", done, total);
          if (done == total) fmt::print(stderr, "\n");
        }
      };
    }
    options.runner = CommandUnitRunner();
    if (!out.empty() && ParseOutputFormat(format) == OutputFormat::kCsv) {
      // Streamed progress comes once per range of points (thousands at a time): print each.
      if (options.progress) {
        options.progress = [](size_t done, size_t total) {
          fmt::print(stderr, "\r{} / {} points{}", done, total, done == total ? "\n" : "");
        };
      }
      const app::SweepStreamResult streamed =
          app::StreamSweepToCsvFile(options, Catalog::Default(), out);
      if (bench) {
        fmt::print(stderr, "sweep: {} points in {:.3f} s = {:.0f} points/s, streamed to {}\n",
                   streamed.points, streamed.seconds, streamed.points / streamed.seconds, out);
      }
      *exit_code = kExitOk;
      return;
    }
    if (out.ends_with(".gz") || out.ends_with(".zst")) {
      throw InputError({"", 0, "-o"}, "a .gz or .zst output is compressed CSV: add --format csv");
    }
    const app::SweepResult result = app::RunSweepGrid(options, Catalog::Default());
    if (bench) {
      fmt::print(stderr, "sweep: {} points in {:.3f} s = {:.0f} points/s ({} threads)\n",
                 result.rows.size(), result.seconds, result.rows.size() / result.seconds,
                 WorkerThreads(options.threads));
    }
    const std::string text = SweepText(result, ParseOutputFormat(format));
    if (out.empty()) {
      fmt::print("{}", text);
    } else {
      WriteFileAtomically(out, text);
    }
    *exit_code = kExitOk;
  });
}

}  // namespace rightsize
