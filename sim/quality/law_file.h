// The law JSON `rightsize fit-law` writes and LoadLawJson (law_spec.h) reads: both halves of the
// format live in quality/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/quality/law_spec.h"

namespace rightsize {

inline constexpr int kLawFileSchemaVersion = 1;

// A fitted law and how it was fitted.
struct FittedLawRecord {
  std::string id;  // the output path, or the data path when nothing is written
  LawForm form = LawForm::kChinchilla;
  bool usable = false;
  std::string report;                          // why (not) usable, one paragraph
  std::vector<std::string> names;              // coefficient names of the form, in order
  std::vector<double> values;                  // same order; ignored (written null) when not usable
  std::vector<CoefficientInterval> intervals;  // bootstrap percentile intervals, may be empty
  double interval_level = 0.0;                 // of the intervals, (0, 1); 0 when there are none
  int bootstrap_resamples = 0;
  int bootstrap_failed = 0;
  uint64_t seed = 0;           // bootstrap seed
  std::string objective_name;  // e.g. "half_ssr"
  double objective_value = 0.0;
  double rmse = 0.0;  // of the target, in its units (written null when unusable)
  int n_points = 0;
  int dropped_highest_loss = 0;
  std::string data_path;          // the observations' CSV
  std::string data_hash_fnv1a64;  // of its contents
};

nlohmann::json LawFileJson(const FittedLawRecord& record);

}  // namespace rightsize
