#include "sim/app/study.h"

#include <cmath>

#include "sim/report/crossover_report.h"
#include "sim/util/file_io.h"
#include "sim/util/yaml_reader.h"

namespace rightsize::app {

StudyRun RunStudy(const StudyOptions& options, const Catalog& catalog) {
  StudySpec study = options.study_text.empty()
                        ? LoadStudy(options.study_path, catalog)
                        : LoadStudy(LoadYamlString(options.study_text, options.study_path),
                                    options.study_path, catalog);
  return RunLoadedStudy(std::move(study), options, catalog);
}

StudyRun RunLoadedStudy(StudySpec study, const StudyOptions& options, const Catalog& catalog,
                        const CrossoverRunOptions& run_options) {
  StudyRun run;
  run.study_path = options.study_path;
  run.study_text = options.study_text;
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

std::vector<nlohmann::json> CandidateRows(const StudyRun& run) {
  std::vector<nlohmann::json> rows;
  for (const CandidateResult& c : run.result.candidates) {
    const bool feasible = c.candidate.infeasible_reason.empty();
    nlohmann::json row = {{"name", c.spec.name},
                          {"role", c.spec.role},
                          {"quality", c.candidate.quality},
                          {"quality_sd", c.candidate.quality_sd}};
    row["total_usd"] = feasible ? nlohmann::json(c.usd_at_plan) : nlohmann::json();
    row["usd_per_million_tokens"] =
        feasible ? nlohmann::json(c.usd_per_million_tokens_at_plan) : nlohmann::json();
    row["layout"] = feasible ? c.layout_at_plan : "INFEASIBLE: " + c.candidate.infeasible_reason;
    rows.push_back(std::move(row));
  }
  return rows;
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
  return WriteCrossoverReport(
      run.result, catalog, run.params, validation,
      run.study_text.empty() ? HashFileContents(run.study_path) : HashString(run.study_text),
      out_dir);
}

}  // namespace rightsize::app
