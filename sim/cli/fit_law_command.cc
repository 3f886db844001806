// `rightsize fit-law DATA.csv --form F [--bootstrap N] [--drop-highest-loss K] -o law.json`: the
// flags of app::RunFitLaw (sim/app/fit_law.h). Exit code: 0 for a usable fit; 2 (bad input) when
// the data cannot identify the coefficients: the law JSON is still written, with usable: false
// and the reason.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/app/fit_law.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/cli/format_option.h"
#include "sim/cli/numeric_flags.h"
#include "sim/quality/law_spec.h"
#include "sim/report/table_format.h"

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

// One row per coefficient: its value and, after a bootstrap, its interval.
std::vector<nlohmann::json> CoefficientRows(const nlohmann::json& doc) {
  std::vector<nlohmann::json> rows;
  for (const auto& [name, value] : doc["coefficients"].items()) {
    nlohmann::json row = {{"coefficient", name}, {"value", value}};
    if (doc["intervals"].contains(name)) {
      row["low"] = doc["intervals"][name]["low"];
      row["high"] = doc["intervals"][name]["high"];
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// The terminal summary: the coefficients with their intervals and the fit's report, or why the
// data cannot identify them; and where the law JSON went.
std::string FitSummary(const nlohmann::json& doc, const std::string& output_path) {
  const std::string form = doc["form"].get<std::string>();
  const int n_points = doc["n_points"].get<int>();
  const std::string report = doc["report"].get<std::string>();
  if (!doc["usable"].get<bool>()) {
    return fmt::format("{} fit on {} points is NOT USABLE: {}\nwrote {} (usable: false)\n", form,
                       n_points, report, output_path);
  }
  std::string summary;
  for (const nlohmann::json& row : CoefficientRows(doc)) {
    summary += fmt::format(" {} {:.6g}", row["coefficient"].get<std::string>(),
                           row["value"].get<double>());
    if (row.contains("low")) {
      summary +=
          fmt::format(" [{:.6g}, {:.6g}]", row["low"].get<double>(), row["high"].get<double>());
    }
  }
  return fmt::format("{} fit on {} points:{}\n{}\nwrote {}\n", form, n_points, summary, report,
                     output_path);
}

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
  cmd->add_flag("--every-start-to-end", options->every_start_to_end,
                "chinchilla: run every start of the grid to its end (no path early stop)");
  auto force_progress = std::make_shared<bool>(false);
  cmd->add_flag("--progress", *force_progress, "show progress even when stderr is not a tty");
  auto format = std::make_shared<std::string>("table");
  AddFormatOption(cmd, format.get());
  cmd->callback([options, force_progress, format, exit_code] {
    NoteThreadCap("--threads", options->num_threads);
    options->runner = CommandUnitRunner();
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
    const OutputFormat out = ParseOutputFormat(*format);
    const bool usable = doc["usable"].get<bool>();
    if (out == OutputFormat::kJson) {
      fmt::print("{}\n", doc.dump(2));
    } else if (out != OutputFormat::kTable && usable) {
      fmt::print("{}", Render(CoefficientRows(doc), out));
    } else {
      // The table, and the one line that says why a fit is unusable whatever the format.
      fmt::print(usable ? stdout : stderr, "{}", FitSummary(doc, options->output_path));
    }
    if (!usable) {
      *exit_code = kExitInputError;
      return;
    }
    *exit_code = kExitOk;
  });
}

}  // namespace rightsize
