#include "sim/cli/fit_law_command.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "sim/cli/exit_codes.h"
#include "sim/cli/numeric_flags.h"
#include "sim/fit/bootstrap.h"
#include "sim/fit/law_fitter.h"
#include "sim/quality/law_data.h"
#include "sim/util/csv.h"
#include "sim/util/file_io.h"
#include "sim/util/output_path.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

constexpr int kSchemaVersion = 1;
// Bootstrap resamples and dropped points: a million is far past any use and keeps the run finite.
constexpr double kMaxResamples = 1e6;
// Seeds are unsigned 64-bit; this is the largest double below 2^64.
constexpr double kMaxSeed = 18446744073709549568.0;

bool IsLossForm(LawForm form) {
  return form == LawForm::kChinchilla || form == LawForm::kKaplanN ||
         form == LawForm::kKaplanD || form == LawForm::kGadreLoss;
}

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

std::vector<LawObservation> LoadGenericObservations(const FitLawCommandOptions& options,
                                                    LawForm form) {
  if (options.x_columns.empty() || options.y_column.empty()) {
    throw InputError({"", 0, "x-columns"},
                     "form " + LawFormName(form) + " needs --x-columns and --y-column");
  }
  const CsvTable table = CsvTable::Load(options.data_path);
  std::vector<std::string> x_columns = Split(options.x_columns, ',');
  for (auto& column : x_columns) column = Trim(column);
  if (x_columns.size() > 3) {
    throw InputError({"", 0, "x-columns"}, "at most 3 input columns");
  }
  for (const auto& column : x_columns) table.ColumnIndex(column);
  table.ColumnIndex(options.y_column);
  std::vector<LawObservation> observations;
  for (const CsvRow& row : table.rows()) {
    LawObservation o;
    for (size_t i = 0; i < x_columns.size(); ++i) o.x[i] = table.Number(row, x_columns[i]);
    o.y = table.Number(row, options.y_column);
    o.where = table.Where(row, options.y_column);
    observations.push_back(o);
  }
  if (observations.empty()) throw InputError({options.data_path, 1, ""}, "no data rows");
  return observations;
}

}  // namespace

nlohmann::json RunFitLaw(const FitLawCommandOptions& options) {
  const LawForm form = ParseLawForm(options.form, {"", 0, "form"});
  if (options.bootstrap_resamples < 0) {
    throw InputError({"", 0, "bootstrap"}, "must be >= 0");
  }
  if (!(options.interval_level > 0 && options.interval_level < 1)) {
    throw InputError({"", 0, "level"}, "must be in (0, 1)");
  }
  if (!options.output_path.empty()) CheckOutputFile(options.output_path);  // before the fit
  const bool show_progress = options.progress || isatty(fileno(stderr)) == 1;

  LawFitOptions fit_options;
  fit_options.sigmoid_floor = options.floor;
  fit_options.hoffmann.num_threads = options.num_threads;
  std::vector<LossPoint> points;
  std::vector<LawObservation> observations;
  if (IsLossForm(form)) {
    LossColumns columns;
    columns.n_params = options.n_column;
    columns.d_tokens = options.d_column;
    columns.flops = options.flops_column;
    columns.loss = options.loss_column;
    points = LoadLossPoints(options.data_path, columns);
    if (options.drop_highest_loss > 0) points = DropHighestLoss(points, options.drop_highest_loss);
    observations = ToObservations(points, form);
  } else {
    if (options.drop_highest_loss > 0) {
      throw InputError({"", 0, "drop-highest-loss"}, "only for loss forms");
    }
    observations = LoadGenericObservations(options, form);
  }

  LawFit fit;
  BootstrapResult boot;
  BootstrapOptions boot_options;
  boot_options.num_resamples = std::max(1, options.bootstrap_resamples);
  boot_options.level = options.interval_level;
  boot_options.seed = options.seed;
  boot_options.num_threads = options.num_threads;
  if (form == LawForm::kChinchilla) {
    ProgressLine progress("fit-law: starts", show_progress);
    HoffmannFitOptions hoffmann = fit_options.hoffmann;
    hoffmann.progress = [&](int done, int total) { progress.Update(done, total); };
    const HoffmannFit h = FitChinchillaHoffmann(points, hoffmann);
    fit.form = form;
    fit.names = LawCoefficientNames(form);
    fit.values = {h.coefficients.e_nats, h.coefficients.a, h.coefficients.alpha,
                  h.coefficients.b, h.coefficients.beta};
    fit.objective = h.best.huber_sum;
    fit.n_points = h.n_points;
    fit.usable = h.usable;
    fit.report = h.report;
    double sse = 0.0;
    for (const auto& o : observations) {
      const double r = PredictObservation(form, fit.values, o) - o.y;
      sse += r * r;
    }
    fit.rmse = std::sqrt(sse / static_cast<double>(observations.size()));
    if (options.bootstrap_resamples > 0 && h.usable) {
      ProgressLine boot_progress("fit-law: bootstrap", show_progress);
      boot_options.progress = [&](int done, int total) { boot_progress.Update(done, total); };
      boot = BootstrapChinchilla(points, h, fit_options.hoffmann, boot_options);
    }
  } else {
    fit = FitLaw(form, observations, fit_options);
    if (options.bootstrap_resamples > 0 && fit.usable) {
      ProgressLine boot_progress("fit-law: bootstrap", show_progress);
      boot_options.progress = [&](int done, int total) { boot_progress.Update(done, total); };
      auto refit = [&](const std::vector<int>& indices) -> std::optional<std::vector<double>> {
        std::vector<LawObservation> resample;
        for (int i : indices) resample.push_back(observations[i]);
        const LawFit r = FitLaw(form, resample, fit_options);
        if (!r.usable) return std::nullopt;
        return r.values;
      };
      boot = Bootstrap(static_cast<int>(observations.size()), static_cast<int>(fit.names.size()),
                       refit, boot_options);
    }
  }

  nlohmann::json doc;
  doc["schema_version"] = kSchemaVersion;
  doc["kind"] = "rightsize.law_fit";
  doc["id"] = options.output_path.empty() ? options.data_path : options.output_path;
  doc["form"] = LawFormName(form);
  doc["usable"] = fit.usable;
  doc["report"] = fit.report;
  // An unusable fit has no coefficients worth a number: null, never zeros that look like a law.
  nlohmann::json coefficients = nlohmann::json::object();
  for (size_t i = 0; i < fit.names.size(); ++i) {
    coefficients[fit.names[i]] = fit.usable && i < fit.values.size() ? nlohmann::json(fit.values[i])
                                                                     : nlohmann::json(nullptr);
  }
  doc["coefficients"] = coefficients;
  nlohmann::json intervals = nlohmann::json::object();
  for (size_t i = 0; i < boot.intervals.size() && i < fit.names.size(); ++i) {
    intervals[fit.names[i]] = {{"low", boot.intervals[i].low}, {"high", boot.intervals[i].high}};
  }
  doc["intervals"] = intervals;
  doc["interval_level"] = boot.intervals.empty() ? 0.0 : boot.level;
  doc["bootstrap"] = {{"resamples", options.bootstrap_resamples},
                      {"failed", boot.num_failed},
                      {"seed", options.seed}};
  doc["objective"] = {
      {"name", form == LawForm::kChinchilla ? "huber_sum_log_loss_delta_1e-3" : "half_ssr"},
      {"value", fit.objective}};
  doc["rmse"] = fit.usable ? nlohmann::json(fit.rmse) : nlohmann::json(nullptr);
  doc["n_points"] = fit.n_points;
  doc["dropped_highest_loss"] = options.drop_highest_loss;
  doc["inputs"] = nlohmann::json::array(
      {{{"path", options.data_path}, {"hash_fnv1a64", HashFileContents(options.data_path)}}});
  doc["source"] = "fitted by rightsize fit-law";
  if (!options.output_path.empty()) {
    WriteFileAtomically(options.output_path, doc.dump(2) + "\n");
  }
  return doc;
}

void RegisterFitLawCommand(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<FitLawCommandOptions>();
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
  cmd->add_flag("--progress", options->progress, "show progress even when stderr is not a tty");
  cmd->callback([options, exit_code] {
    NoteThreadCap("--threads", options->num_threads);
    const nlohmann::json doc = RunFitLaw(*options);
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
