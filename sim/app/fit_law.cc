#include "sim/app/fit_law.h"

#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "sim/fit/bootstrap.h"
#include "sim/fit/law_fitter.h"
#include "sim/quality/law_data.h"
#include "sim/quality/law_file.h"
#include "sim/util/csv.h"
#include "sim/util/file_io.h"
#include "sim/util/output_path.h"
#include "sim/util/strings.h"

namespace rightsize::app {
namespace {

bool IsLossForm(LawForm form) {
  return form == LawForm::kChinchilla || form == LawForm::kKaplanN || form == LawForm::kKaplanD ||
         form == LawForm::kGadreLoss;
}

std::vector<LawObservation> LoadGenericObservations(const FitLawOptions& options, LawForm form) {
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

// What a fit gives the law file: the fit and its bootstrap intervals.
struct FitAndIntervals {
  LawFit fit;
  BootstrapResult boot;
};

// Hoffmann et al. 2022 App. D.2: the multi-start Huber fit of the Chinchilla loss, and the
// bootstrap over its points.
FitAndIntervals FitChinchillaLaw(const FitLawOptions& options, LawForm form,
                                 const LawFitOptions& fit_options,
                                 const std::vector<LossPoint>& points,
                                 const std::vector<LawObservation>& observations,
                                 BootstrapOptions boot_options) {
  FitAndIntervals out;
  LawFit& fit = out.fit;
  BootstrapResult& boot = out.boot;
  HoffmannFitOptions hoffmann = fit_options.hoffmann;
  if (options.progress) {
    hoffmann.progress = [&](int done, int total) { options.progress("starts", done, total); };
  }
  const HoffmannFit h = FitChinchillaHoffmann(points, hoffmann);
  fit.form = form;
  fit.names = LawCoefficientNames(form);
  fit.values = {h.coefficients.e_nats, h.coefficients.a, h.coefficients.alpha, h.coefficients.b,
                h.coefficients.beta};
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
    if (options.progress) {
      boot_options.progress = [&](int done, int total) {
        options.progress("bootstrap", done, total);
      };
    }
    boot = BootstrapChinchilla(points, h, fit_options.hoffmann, boot_options);
  }
  return out;
}

// Every other form: least squares on the observations, bootstrap by refitting resamples.
FitAndIntervals FitOtherLaw(const FitLawOptions& options, LawForm form,
                            const LawFitOptions& fit_options,
                            const std::vector<LawObservation>& observations,
                            BootstrapOptions boot_options) {
  FitAndIntervals out;
  LawFit& fit = out.fit;
  BootstrapResult& boot = out.boot;
  fit = FitLaw(form, observations, fit_options);
  if (options.bootstrap_resamples > 0 && fit.usable) {
    if (options.progress) {
      boot_options.progress = [&](int done, int total) {
        options.progress("bootstrap", done, total);
      };
    }
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
  return out;
}

}  // namespace

FitLawResult RunFitLaw(const FitLawOptions& options) {
  const LawForm form = ParseLawForm(options.form, {"", 0, "form"});
  if (options.bootstrap_resamples < 0) {
    throw InputError({"", 0, "bootstrap"}, "must be >= 0");
  }
  if (!(options.interval_level > 0 && options.interval_level < 1)) {
    throw InputError({"", 0, "level"}, "must be in (0, 1)");
  }
  if (!options.output_path.empty()) CheckOutputFile(options.output_path);  // before the fit

  LawFitOptions fit_options;
  fit_options.sigmoid_floor = options.floor;
  fit_options.hoffmann.num_threads = options.num_threads;
  fit_options.hoffmann.stop_on_known_path = !options.every_start_to_end;
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

  BootstrapOptions boot_options;
  boot_options.num_resamples = std::max(1, options.bootstrap_resamples);
  boot_options.level = options.interval_level;
  boot_options.seed = options.seed;
  boot_options.num_threads = options.num_threads;
  boot_options.runner = options.runner;
  const FitAndIntervals fitted =
      form == LawForm::kChinchilla
          ? FitChinchillaLaw(options, form, fit_options, points, observations, boot_options)
          : FitOtherLaw(options, form, fit_options, observations, boot_options);
  const LawFit& fit = fitted.fit;
  const BootstrapResult& boot = fitted.boot;
  if (options.runner != nullptr && boot.samples.empty() && boot.num_failed == 0) {
    // No bootstrap ran: release the other ranks (they end there), so rank 0 alone writes.
    options.runner->RunInOrder(
        0, 1, [](size_t, size_t) { return std::string(); }, [](std::string&&) {},
        [](size_t, size_t) {});
  }

  FittedLawRecord record;
  record.id = options.output_path.empty() ? options.data_path : options.output_path;
  record.form = form;
  record.usable = fit.usable;
  record.report = fit.report;
  record.names = fit.names;
  record.values = fit.values;
  record.intervals = boot.intervals;
  record.interval_level = boot.level;
  record.bootstrap_resamples = options.bootstrap_resamples;
  record.bootstrap_failed = boot.num_failed;
  record.seed = options.seed;
  record.objective_name =
      form == LawForm::kChinchilla ? "huber_sum_log_loss_delta_1e-3" : "half_ssr";
  record.objective_value = fit.objective;
  record.rmse = fit.rmse;
  record.n_points = fit.n_points;
  record.dropped_highest_loss = options.drop_highest_loss;
  record.data_path = options.data_path;
  record.data_hash_fnv1a64 = HashFileContents(options.data_path);
  nlohmann::json doc = LawFileJson(record);
  if (!options.output_path.empty()) {
    WriteFileAtomically(options.output_path, doc.dump(2) + "\n");
  }
  FitLawResult result;
  result.usable = fit.usable;
  result.document = std::move(doc);
  return result;
}

}  // namespace rightsize::app
