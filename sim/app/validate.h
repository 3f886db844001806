// `validate`: the latency model's error against the measured runs in data/runs, per dataset or
// per compared point, with the uncalibrated defaults or a calibration's parameters.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/app/calibration_choice.h"
#include "sim/spec/catalog.h"
#include "sim/validate/validation.h"

namespace rightsize::app {

struct ValidateOptions {
  std::string runs_dir;               // folder of run datasets (data/runs)
  std::vector<std::string> datasets;  // dataset folder names; empty = ValidationDatasets()
  bool points = false;                // rows are the compared points instead of the summaries
  CalibrationChoice calibration;
};

struct ValidateResult {
  ValidationResult validation;
  std::optional<UsedCalibration> calibration;
  std::string calibration_file;  // as given
  bool points = false;
};

ValidateResult RunValidate(const ValidateOptions& options, const Catalog& catalog);

// One row per dataset (or per compared point): the table, CSV and markdown.
std::vector<nlohmann::json> Rows(const ValidateResult& result);
// `rightsize validate --format json`.
nlohmann::json ToJson(const ValidateResult& result);

}  // namespace rightsize::app
