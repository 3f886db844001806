// `sweep-study`: a study's verdict for every combination of replacement values of any of its
// fields, one row per combination and small-vs-large pair, the combinations run in parallel.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/app/calibration_choice.h"
#include "sim/plan/study_sweep.h"
#include "sim/spec/catalog.h"

namespace rightsize::app {

struct SweepStudyOptions {
  std::string study_path;         // study YAML (examples/README.md)
  std::vector<std::string> sets;  // "PATH=V1,V2,..." each, at least one (ParseStudyAxis)
  int threads = 0;                // 0: all cores
  CalibrationChoice calibration;
  StudySweepProgress progress;         // studies done of total; null = silent
  const UnitRunner* runner = nullptr;  // spreads the studies over MPI ranks; null = this process
};

struct SweepStudyResult {
  StudySweepResult sweep;
  std::optional<UsedCalibration> calibration;
};

SweepStudyResult RunSweepStudy(const SweepStudyOptions& options, const Catalog& catalog);

// One JSON object per row: the axis paths as keys, then the verdict columns.
std::vector<nlohmann::json> ToJsonRows(const SweepStudyResult& result);

}  // namespace rightsize::app
