#include "sim/quality/published_scores.h"

#include <cmath>
#include <filesystem>
#include <set>

#include "sim/util/csv.h"
#include "sim/util/error.h"

namespace rightsize {

PublishedScores PublishedScores::Load(const std::string& scores_file) {
  PublishedScores out;
  out.file_ = scores_file;
  const CsvTable table = CsvTable::Load(scores_file);
  for (const CsvRow& row : table.rows()) {
    PublishedScore s;
    s.score_pct = table.Number(row, "score_pct");
    s.model = table.Cell(row, "model");
    s.evaluator = table.Cell(row, "evaluator");
    s.variant = table.Cell(row, "variant");
    s.setting = table.Cell(row, "shots_or_setting");
    s.line = row.line;
    out.rows_.emplace_back(table.Cell(row, "benchmark"), s);
  }
  const std::filesystem::path names =
      std::filesystem::path(scores_file).parent_path() / "model-names.csv";
  std::error_code error;
  if (std::filesystem::is_regular_file(names, error)) {
    const CsvTable aliases = CsvTable::Load(names.string());
    for (const CsvRow& row : aliases.rows()) {
      out.same_as_[aliases.Cell(row, "name")] = aliases.Cell(row, "same_as");
    }
  }
  return out;
}

std::string PublishedScores::Canonical(const std::string& name) const {
  const auto it = same_as_.find(name);
  return it == same_as_.end() ? name : it->second;
}

std::vector<PublishedScore> PublishedScores::Find(const std::string& model,
                                                  const std::string& benchmark) const {
  const std::string wanted = Canonical(model);
  std::vector<PublishedScore> out;
  for (const auto& [b, s] : rows_) {
    if (b == benchmark && Canonical(s.model) == wanted) out.push_back(s);
  }
  return out;
}

EvaluatorSpread PublishedScores::BetweenEvaluatorSpread(const std::string& benchmark) const {
  // model -> evaluator -> (sum, count)
  std::map<std::string, std::map<std::string, std::pair<double, int>>> by_model;
  for (const auto& [b, s] : rows_) {
    if (b != benchmark) continue;
    auto& cell = by_model[Canonical(s.model)][s.evaluator];
    cell.first += s.score_pct;
    cell.second += 1;
  }
  double squares = 0.0;
  int degrees = 0;
  EvaluatorSpread spread;
  for (const auto& [model, evaluators] : by_model) {
    if (evaluators.size() < 2) continue;
    std::vector<double> means;
    for (const auto& [evaluator, sum_count] : evaluators) {
      means.push_back(sum_count.first / sum_count.second);
    }
    double mean = 0.0;
    for (double m : means) mean += m;
    mean /= static_cast<double>(means.size());
    for (double m : means) squares += (m - mean) * (m - mean);
    degrees += static_cast<int>(means.size()) - 1;
    ++spread.models;
  }
  if (degrees > 0) spread.sd = std::sqrt(squares / degrees);
  return spread;
}

std::vector<std::string> PublishedScores::ModelNames() const {
  std::set<std::string> names;
  for (const auto& [b, s] : rows_) names.insert(s.model);
  return {names.begin(), names.end()};
}

}  // namespace rightsize
