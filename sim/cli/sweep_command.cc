// rightsize sweep --models a,b --hardware x,y [--batch 1,8,64 ...] [--calibration FILE
//   [--calibration-group NAME]] -o sweep.csv
#include <chrono>
#include <cstdio>

#include <fmt/format.h>
#include <unistd.h>

#include "sim/cli/calibration_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/cli/numeric_flags.h"
#include "sim/plan/sweep.h"
#include "sim/util/error.h"
#include "sim/util/output_path.h"
#include "sim/util/parallel.h"

namespace rightsize {

void RegisterSweepCommand(CLI::App& app, int* exit_code) {
  auto* c = app.add_subcommand("sweep", "predict every combination of a grid, in parallel on all cores");
  static SweepGrid grid;
  static std::vector<std::string> weights = {"bf16"};
  static std::string out, format = "csv";
  static int threads = 0;
  static bool progress = false, bench = false;
  static CalibrationOptions calibration;
  c->add_option("--models", grid.models, "model ids or config.json paths")->delimiter(',')->required();
  c->add_option("--hardware", grid.hardware, "hardware ids")->delimiter(',')->required();
  const double max_context = static_cast<double>(kMaxContextTokens);
  c->add_option("--batch", grid.batch, "batch sizes")
      ->delimiter(',')
      ->capture_default_str()
      ->check(FiniteIn(1, static_cast<double>(kMaxBatch)));
  c->add_option("--prompt-tokens", grid.prompt_tokens, "prompt lengths")
      ->delimiter(',')
      ->capture_default_str()
      ->check(FiniteIn(1, max_context));
  c->add_option("--gen-tokens", grid.gen_tokens, "generated lengths")
      ->delimiter(',')
      ->capture_default_str()
      ->check(FiniteIn(1, max_context));
  c->add_option("--weights", weights, "weight precisions")->delimiter(',')->capture_default_str();
  c->add_option("--tp", grid.tensor_parallel, "tensor-parallel degrees")
      ->delimiter(',')
      ->capture_default_str()
      ->check(FiniteIn(1, kMaxParallelDegree));
  c->add_option("--threads", threads,
                "worker threads (0: all cores; more than the cores are capped)")
      ->capture_default_str()
      ->check(FiniteIn(0, kMaxThreadsFlag));
  c->add_option("-o,--output", out, "write the rows here (default: stdout)");
  c->add_option("--format", format, "csv | json")->capture_default_str();
  c->add_flag("--progress", progress, "show progress on stderr even when it is not a terminal");
  c->add_flag("--bench", bench, "print points per second on stderr");
  AddCalibrationOptions(c, &calibration);
  c->callback([exit_code] {
    if (format != "json" && format != "csv") {
      throw InputError({"", 0, "--format"}, "unknown format '" + format + "' (valid: csv, json)");
    }
    if (!out.empty()) CheckOutputFile(out);  // before the sweep, not after
    grid.weights.clear();
    for (const auto& w : weights) grid.weights.push_back(ParsePrecision(w, {"", 0, "--weights"}));
    for (auto p : grid.prompt_tokens) {
      for (auto g : grid.gen_tokens) {
        if (p + g > kMaxContextTokens) {
          throw InputError(
              {"", 0, "--prompt-tokens + --gen-tokens"},
              fmt::format("{} + {} exceeds {} tokens per sequence", p, g, kMaxContextTokens));
        }
      }
    }
    NoteThreadCap("--threads", threads);
    // One parameter set for the whole grid; with one device its group is picked by default.
    const auto used = LoadCalibrationOption(calibration, grid.hardware.size() == 1 ? grid.hardware.front() : "");
    SweepProgress show;
    if (progress || ::isatty(STDERR_FILENO)) {
      show = [](size_t done, size_t total) {
        if (done % 8192 < 256 || done == total) {
          fmt::print(stderr, "\r{} / {} points", done, total);
          if (done == total) fmt::print(stderr, "\n");
        }
      };
    }
    const auto start = std::chrono::steady_clock::now();
    const auto rows = RunSweep(grid, Catalog::Default(), ParamsOf(used), threads, show);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (bench) {
      fmt::print(stderr, "sweep: {} points in {:.3f} s = {:.0f} points/s ({} threads)\n",
                 rows.size(), seconds, rows.size() / seconds, WorkerThreads(threads));
    }
    std::string text;
    if (format == "json") {
      nlohmann::json doc = SweepJson(grid, rows);
      if (used) doc["calibration"] = ToJson(*used);
      text = doc.dump(2) + "\n";
    } else {
      text = SweepCsv(grid, rows);
    }
    if (out.empty()) {
      fmt::print("{}", text);
    } else {
      WriteFileAtomically(out, text);
    }
    *exit_code = kExitOk;
  });
}

}  // namespace rightsize
