#include "sim/app/validate.h"

namespace rightsize::app {

ValidateResult RunValidate(const ValidateOptions& options, const Catalog& catalog) {
  ValidateResult result;
  result.calibration = LoadCalibration(options.calibration);
  result.calibration_file = options.calibration.file;
  result.points = options.points;
  result.validation = Validate(options.runs_dir, catalog, ParamsOf(result.calibration),
                               options.datasets.empty() ? ValidationDatasets() : options.datasets);
  return result;
}

std::vector<nlohmann::json> Rows(const ValidateResult& result) {
  std::vector<nlohmann::json> rows;
  if (result.points) {
    for (const auto& p : result.validation.points) rows.push_back(ToJson(p));
  } else {
    for (const auto& d : result.validation.datasets) rows.push_back(ToJson(d));
  }
  return rows;
}

nlohmann::json ToJson(const ValidateResult& result) {
  nlohmann::json j;
  j["schema_version"] = 1;
  j["params"] = result.calibration
                    ? result.calibration_file + " (group " + result.calibration->group + ")"
                    : "defaults (uncalibrated)";
  j[result.points ? "points" : "datasets"] = Rows(result);
  return j;
}

}  // namespace rightsize::app
