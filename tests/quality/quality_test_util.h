// Shared fixtures of the quality tests: repository paths, and the one full 4,500-start fit of
// the Epoch data (about 2 s on 2 cores), computed once per test process and reused.
#pragma once

#include <string>
#include <vector>

#include "sim/fit/law_fitter.h"
#include "sim/quality/law_data.h"

namespace rightsize::testing {

inline std::string RepoPath(const std::string& relative) {
  return std::string(RIGHTSIZE_SOURCE_DIR) + "/" + relative;
}

inline const std::string& EpochDataPath() {
  static const std::string path =
      RepoPath("data/quality/epoch-chinchilla-replication/svg_extracted_data.csv");
  return path;
}

// Besiroglu et al. 2024: drop the 5 highest-loss points, keep 240.
inline const std::vector<LossPoint>& EpochPoints() {
  static const std::vector<LossPoint> points =
      DropHighestLoss(LoadEpochChinchillaPoints(EpochDataPath()), 5);
  return points;
}

inline const HoffmannFit& EpochFullGridFit() {
  static const HoffmannFit fit = FitChinchillaHoffmann(EpochPoints());
  return fit;
}

}  // namespace rightsize::testing
