// `rightsize fit-law DATA.csv --form F [--bootstrap N] [--drop-highest-loss K] -o law.json`: the
// flags of app::RunFitLaw (sim/app/fit_law.h). Exit code: 0 for a usable fit; 2 (bad input) when
// the data cannot identify the coefficients: the law JSON is still written, with usable: false
// and the reason.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "sim/app/fit_law.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/cli/numeric_flags.h"
#include "sim/quality/law_spec.h"

namespace rightsize {
namespace {

// Bootstrap resamples and dropped points: a million is far past any use and keeps the run finite.
constexpr double kMaxResamples = 1e6;
// Seeds are unsigned 64-bit; this is the largest double below 2^64.
constexpr double kMaxSeed = 18446744073709549568.0;

// A throttled one-line progress display on stderr ("\r" redraws), shown only when stderr is a
// terminal or the user asked for it.
class ProgressLine {
 public:
  ProgressLine(std::string label, bool enabled) : label_(std::move(label)), enabled_(enabled) {}
  ~ProgressLine() {
    if (shown_) std::fputs("\n", stderr);
  }
  void Update(int done, int total) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (done != total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    shown_ = true;
    std::fprintf(stderr, "\r%s: %d/%d", label_.c_str(), done, total);
    std::fflush(stderr);
  }

 private:
  std::string label_;
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace

void RegisterFitLawCommand(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<app::FitLawOptions>();
  CLI::App* cmd = app.add_subcommand(
      "fit-law", "Fit a scaling law (Chinchilla App. D.2, Kaplan, Gadre, ...) to a CSV of points");
  cmd->add_option("data", options->data_path, "CSV of observations")->required();
  cmd->add_option("--form", options->form,
                  "law form: " + fmt::format("{}", fmt::join(AllLawFormNames(), "|")));
  cmd->add_option("-o,--output", options->output_path, "law JSON to write")->required();
  cmd->add_option("--bootstrap", options->bootstrap_resamples,
                  "bootstrap resamples for percentile intervals (0 = none)")
      ->check(FiniteIn(0, kMaxResamples));
  cmd->add_option("--level", options->interval_level, "interval level, e.g. 0.8")
      ->check(FiniteIn(NumberRange{0, 1, true, true}));
  cmd->add_option("--drop-highest-loss", options->drop_highest_loss,
                  "drop the K highest-loss points first (Epoch drops 5)")
      ->check(FiniteIn(0, kMaxResamples));
  cmd->add_option("--n-column", options->n_column, "column of parameters N");
  cmd->add_option("--d-column", options->d_column, "column of training tokens D");
  cmd->add_option("--flops-column", options->flops_column,
                  "column of training FLOPs C; D = C / (6 N)");
  cmd->add_option("--loss-column", options->loss_column, "column of loss (nats/token)");
  cmd->add_option("--x-columns", options->x_columns,
                  "non-loss forms: comma-separated input columns");
  cmd->add_option("--y-column", options->y_column, "non-loss forms: target column");
  cmd->add_option("--floor", options->floor, "sigmoid: random-guess accuracy of the task")
      ->check(FiniteIn(NumberRange{0, 1, false, true}));
  cmd->add_option("--threads", options->num_threads,
                  "worker threads (0 = all cores; more than the cores are capped)")
      ->check(FiniteIn(0, kMaxThreadsFlag));
  cmd->add_option("--seed", options->seed, "bootstrap seed")->check(FiniteIn(0, kMaxSeed));
  auto force_progress = std::make_shared<bool>(false);
  cmd->add_flag("--progress", *force_progress, "show progress even when stderr is not a tty");
  cmd->callback([options, force_progress, exit_code] {
    NoteThreadCap("--threads", options->num_threads);
    // One display line per stage, ended when the next stage starts or the fit returns.
    std::unique_ptr<ProgressLine> line;
    std::string stage_shown;
    if (*force_progress || isatty(fileno(stderr)) == 1) {
      options->progress = [&](const std::string& stage, int done, int total) {
        if (!line || stage != stage_shown) {
          line.reset();
          line = std::make_unique<ProgressLine>("fit-law: " + stage, true);
          stage_shown = stage;
        }
        line->Update(done, total);
      };
    }
    const nlohmann::json doc = app::RunFitLaw(*options).document;
    line.reset();
    options->progress = nullptr;
    if (!doc["usable"].get<bool>()) {
      fmt::print("{} fit on {} points is NOT USABLE: {}\nwrote {} (usable: false)\n",
                 doc["form"].get<std::string>(), doc["n_points"].get<int>(),
                 doc["report"].get<std::string>(), options->output_path);
      *exit_code = kExitInputError;
      return;
    }
    std::string summary;
    for (const auto& [name, value] : doc["coefficients"].items()) {
      summary += fmt::format(" {} {:.6g}", name, value.get<double>());
      if (doc["intervals"].contains(name)) {
        summary += fmt::format(" [{:.6g}, {:.6g}]", doc["intervals"][name]["low"].get<double>(),
                               doc["intervals"][name]["high"].get<double>());
      }
    }
    fmt::print("{} fit on {} points:{}\n{}\nwrote {}\n", doc["form"].get<std::string>(),
               doc["n_points"].get<int>(), summary, doc["report"].get<std::string>(),
               options->output_path);
    *exit_code = kExitOk;
  });
}

}  // namespace rightsize
