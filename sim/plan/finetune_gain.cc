#include "sim/plan/finetune_gain.h"

#include <cmath>
#include <filesystem>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "sim/plan/study.h"
#include "sim/util/csv.h"
#include "sim/util/file_io.h"
#include "sim/util/strings.h"

namespace rightsize {

FinetuneGain ReadFinetuneGain(YamlReader block, const std::string& study_file) {
  FinetuneGain gain;
  gain.table = block.RequiredString("table");
  gain.base_model = block.RequiredString("base_model");
  block.RejectUnknownKeys();
  // A bare id (no ".csv") names a bundled table, data/quality/<id>.csv.
  const bool is_id = gain.table.size() < 4 || gain.table.substr(gain.table.size() - 4) != ".csv";
  const std::string path =
      ResolveProjectPath(is_id ? "data/quality/" + gain.table + ".csv" : gain.table, study_file);
  std::error_code error;  // a name the file system rejects (too long) is no such file either
  if (!std::filesystem::is_regular_file(path, error)) {
    throw InputError(block.Where("table"), is_id ? "no bundled table '" + gain.table +
                                                       "' (data/quality/" + gain.table + ".csv)"
                                                 : "no such file '" + gain.table + "'");
  }
  const CsvTable table = CsvTable::Load(path);
  for (const char* column : kFinetuneGainColumns) table.ColumnIndex(column);
  // The gain's mean and spread over tasks (Welford: one pass, no cancellation).
  std::set<std::string> models;
  std::set<std::string> tasks_seen;
  double mean = 0.0, sum_sq = 0.0;
  for (const CsvRow& row : table.rows()) {
    const std::string& model = table.Cell(row, "model");
    models.insert(model);
    if (model != gain.base_model) continue;
    if (!tasks_seen.insert(table.Cell(row, "task")).second) {
      throw InputError(table.Where(row, "task"),
                       "task '" + table.Cell(row, "task") + "' appears twice for " + model);
    }
    const double delta = table.Number(row, "finetuned_score") - table.Number(row, "base_score");
    ++gain.tasks;
    const double step = delta - mean;
    mean += step / gain.tasks;
    sum_sq += step * (delta - mean);
  }
  if (gain.tasks == 0) {
    const std::string hint =
        DidYouMean(gain.base_model, std::vector<std::string>(models.begin(), models.end()));
    throw InputError(block.Where("base_model"),
                     fmt::format("no rows for '{}' in {}{}", gain.base_model, gain.table,
                                 hint.empty() ? "" : "; " + hint));
  }
  if (gain.tasks < 2) {
    throw InputError(block.Where("base_model"),
                     fmt::format("'{}' has one task in {}: a spread over tasks needs at least two",
                                 gain.base_model, gain.table));
  }
  gain.mean_points = mean;
  gain.sd_points = std::sqrt(sum_sq / (gain.tasks - 1));
  return gain;
}

void ApplyFinetuneGain(const FinetuneGain& gain, QualitySpec* quality) {
  quality->score += gain.mean_points;
  // The base score's own uncertainty and the task-to-task spread of the gain are independent.
  quality->sd = std::hypot(quality->sd, gain.sd_points);
  quality->source += fmt::format(
      " + fine-tuning gain {:+.2f} +- {:.2f} points (mean and sd over {} tasks of "
      "{} in {})",
      gain.mean_points, gain.sd_points, gain.tasks, gain.base_model, gain.table);
}

}  // namespace rightsize
