#include "sim/quality/law_file.h"

namespace rightsize {

nlohmann::json LawFileJson(const FittedLawRecord& r) {
  nlohmann::json doc;
  doc["schema_version"] = kLawFileSchemaVersion;
  doc["kind"] = "rightsize.law_fit";
  doc["id"] = r.id;
  doc["form"] = LawFormName(r.form);
  doc["usable"] = r.usable;
  doc["report"] = r.report;
  // An unusable fit has no coefficients worth a number: null, never zeros that look like a law.
  nlohmann::json coefficients = nlohmann::json::object();
  for (size_t i = 0; i < r.names.size(); ++i) {
    coefficients[r.names[i]] =
        r.usable && i < r.values.size() ? nlohmann::json(r.values[i]) : nlohmann::json(nullptr);
  }
  doc["coefficients"] = coefficients;
  nlohmann::json intervals = nlohmann::json::object();
  for (size_t i = 0; i < r.intervals.size() && i < r.names.size(); ++i) {
    intervals[r.names[i]] = {{"low", r.intervals[i].low}, {"high", r.intervals[i].high}};
  }
  doc["intervals"] = intervals;
  doc["interval_level"] = r.intervals.empty() ? 0.0 : r.interval_level;
  doc["bootstrap"] = {
      {"resamples", r.bootstrap_resamples}, {"failed", r.bootstrap_failed}, {"seed", r.seed}};
  doc["objective"] = {{"name", r.objective_name}, {"value", r.objective_value}};
  doc["rmse"] = r.usable ? nlohmann::json(r.rmse) : nlohmann::json(nullptr);
  doc["n_points"] = r.n_points;
  doc["dropped_highest_loss"] = r.dropped_highest_loss;
  doc["inputs"] =
      nlohmann::json::array({{{"path", r.data_path}, {"hash_fnv1a64", r.data_hash_fnv1a64}}});
  doc["source"] = "fitted by rightsize fit-law";
  return doc;
}

}  // namespace rightsize
