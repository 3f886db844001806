#include "sim/quality/law_data.h"

#include <algorithm>

#include <fmt/format.h>

#include "sim/util/csv.h"

namespace rightsize {
namespace {

double PositiveNumber(const CsvTable& table, const CsvRow& row, const std::string& column) {
  const double value = table.Number(row, column);  // rejects empty, non-numeric, NaN, inf
  if (!(value > 0.0)) {
    throw InputError(table.Where(row, column),
                     fmt::format("must be > 0, got {}", table.Cell(row, column)));
  }
  return value;
}

}  // namespace

std::vector<LossPoint> LoadLossPoints(const std::string& path, const LossColumns& columns) {
  const CsvTable table = CsvTable::Load(path);
  // Check every column up front so a missing one is reported before any row.
  table.ColumnIndex(columns.n_params);
  table.ColumnIndex(columns.flops.empty() ? columns.d_tokens : columns.flops);
  table.ColumnIndex(columns.loss);
  std::vector<LossPoint> points;
  points.reserve(table.rows().size());
  for (const CsvRow& row : table.rows()) {
    LossPoint point;
    point.n_params = PositiveNumber(table, row, columns.n_params);
    if (columns.flops.empty()) {
      point.d_tokens = PositiveNumber(table, row, columns.d_tokens);
    } else {
      // C = 6 N D (Kaplan et al. 2020, sec. 2.1; Hoffmann et al. 2022, App. F).
      point.d_tokens = PositiveNumber(table, row, columns.flops) / (6.0 * point.n_params);
    }
    point.loss_nats = PositiveNumber(table, row, columns.loss);
    point.where = table.Where(row, "");
    points.push_back(point);
  }
  if (points.empty()) throw InputError({path, 1, ""}, "no data rows");
  return points;
}

std::vector<LossPoint> LoadEpochChinchillaPoints(const std::string& path) {
  LossColumns columns;
  columns.n_params = "Model Size";
  columns.flops = "Training FLOP";
  columns.loss = "loss";
  return LoadLossPoints(path, columns);
}

std::vector<LossPoint> DropHighestLoss(std::vector<LossPoint> points, int k) {
  if (k < 0 || k >= static_cast<int>(points.size())) {
    throw InputError({"", 0, "drop-highest-loss"},
                     fmt::format("must be in [0, {}), got {}", points.size(), k));
  }
  // Rank by loss (ties keep file order), then remove the top k while keeping file order.
  std::vector<size_t> order(points.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t x, size_t y) { return points[x].loss_nats > points[y].loss_nats; });
  std::vector<bool> dropped(points.size(), false);
  for (int i = 0; i < k; ++i) dropped[order[i]] = true;
  std::vector<LossPoint> kept;
  kept.reserve(points.size() - k);
  for (size_t i = 0; i < points.size(); ++i) {
    if (!dropped[i]) kept.push_back(points[i]);
  }
  points = std::move(kept);
  return points;
}

std::vector<GadreRun> LoadGadreRuns(const std::string& path) {
  const CsvTable table = CsvTable::Load(path);
  std::vector<GadreRun> runs;
  for (const CsvRow& row : table.rows()) {
    GadreRun run;
    run.name = table.Cell(row, "name");
    run.dataset = table.Cell(row, "dataset");
    run.model_config = table.Cell(row, "model_config");
    run.n_params = PositiveNumber(table, row, "params_N");
    run.d_tokens = PositiveNumber(table, row, "tokens_D");
    run.token_multiplier = PositiveNumber(table, row, "token_multiplier_M");
    run.loss_c4_val_nats = PositiveNumber(table, row, "loss_c4_val");
    run.err_avg17 = PositiveNumber(table, row, "err_avg17");
    run.err_avg46 = PositiveNumber(table, row, "err_avg46");
    run.where = table.Where(row, "");
    runs.push_back(run);
  }
  return runs;
}

}  // namespace rightsize
