#include "sim/app/study.h"

#include <cmath>

#include "sim/report/crossover_report.h"
#include "sim/util/file_io.h"

namespace rightsize::app {

StudyRun RunStudy(const StudyOptions& options, const Catalog& catalog) {
  return RunLoadedStudy(LoadStudy(options.study_path, catalog), options, catalog);
}

StudyRun RunLoadedStudy(StudySpec study, const StudyOptions& options, const Catalog& catalog,
                        const CrossoverRunOptions& run_options) {
  StudyRun run;
  run.study_path = options.study_path;
  run.calibration = LoadCalibration(options.calibration);
  run.params = ParamsOf(run.calibration);
  ApplySloFlags(options.slo_overrides, &study.slo);
  if (run.calibration) {
    study.throughput_rel_sd = run.calibration->rel_sd;
    study.throughput_rel_sd_source = run.calibration->rel_sd_source;
  }
  run.result = RunCrossover(study, catalog, run.params, options.progress, run_options);
  return run;
}

nlohmann::json ToJson(const StudyRun& run) {
  nlohmann::json j = ToJson(run.result);
  if (run.calibration) j["calibration"] = ToJson(*run.calibration);
  return j;
}

nlohmann::json ToJsonWithCurves(const StudyRun& run) {
  const CrossoverResult& r = run.result;
  nlohmann::json j = ToJson(run);
  j["traffic_requests_per_month"] = r.traffic_grid;
  auto curves = [&r](const std::vector<std::vector<double>>& values) {
    nlohmann::json by_name = nlohmann::json::object();
    for (size_t c = 0; c < r.candidates.size() && c < values.size(); ++c) {
      nlohmann::json curve = nlohmann::json::array();
      // Infeasible points are NaN or infinite in the result; JSON (and Python) get None.
      for (double v : values[c]) {
        curve.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr));
      }
      by_name[r.candidates[c].spec.name] = curve;
    }
    return by_name;
  };
  j["total_usd"] = curves(r.total_usd);
  j["total_usd_p10"] = curves(r.total_usd_p10);
  j["total_usd_p90"] = curves(r.total_usd_p90);
  j["region"] = nlohmann::json::array();
  for (const auto& cell : r.region) {
    j["region"].push_back({{"hardware", cell.hardware_id},
                           {"requests_per_month", cell.requests_per_month},
                           {"finetune_tokens", cell.finetune_tokens},
                           {"small_quality", cell.small_quality},
                           {"small_wins", cell.small_wins}});
  }
  return j;
}

std::vector<std::string> WriteStudyReport(const StudyRun& run, const Catalog& catalog,
                                          const std::string& out_dir) {
  const ValidationResult validation = Validate(DefaultRunsDir(), catalog, run.params);
  return WriteCrossoverReport(run.result, catalog, run.params, validation,
                              HashFileContents(run.study_path), out_dir);
}

}  // namespace rightsize::app
