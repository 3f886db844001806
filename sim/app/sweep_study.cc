#include "sim/app/sweep_study.h"

namespace rightsize::app {

SweepStudyResult RunSweepStudy(const SweepStudyOptions& options, const Catalog& catalog) {
  std::vector<StudyAxis> axes;
  for (const auto& s : options.sets) axes.push_back(ParseStudyAxis(s));
  SweepStudyResult result;
  result.calibration = LoadCalibration(options.calibration);
  result.sweep = SweepStudy(options.study_path, axes, catalog, ParamsOf(result.calibration),
                            options.threads, options.progress, options.runner);
  return result;
}

std::vector<nlohmann::json> ToJsonRows(const SweepStudyResult& result) {
  return ToJsonRows(result.sweep);
}

}  // namespace rightsize::app
