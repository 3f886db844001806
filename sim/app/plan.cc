#include "sim/app/plan.h"

#include "sim/util/yaml_reader.h"

namespace rightsize::app {

PlanResult RunPlan(const PlanOptions& options, const Catalog& catalog) {
  PlanResult result;
  result.study_path = options.study_path;
  result.study = options.study_text.empty()
                     ? LoadCapacityStudy(options.study_path, catalog)
                     : LoadCapacityStudy(LoadYamlString(options.study_text, options.study_path),
                                         options.study_path, catalog);
  ApplySloFlags(options.slo_overrides, &result.study.slo);
  result.calibration = LoadCalibration(options.calibration);
  result.plans = PlanCapacity(result.study, catalog, ParamsOf(result.calibration));
  return result;
}

std::vector<nlohmann::json> LayoutRows(const PlanResult& result) {
  std::vector<nlohmann::json> rows;
  for (const auto& plan : result.plans) rows.push_back(ToJson(plan));
  return rows;
}

nlohmann::json ToJson(const PlanResult& result) {
  nlohmann::json j;
  j["schema_version"] = 1;
  j["study"] = result.study_path;
  j["traffic"] = {{"requests_per_s", result.study.traffic.requests_per_s},
                  {"prompt_tokens", result.study.traffic.prompt_tokens},
                  {"output_tokens", result.study.traffic.output_tokens}};
  j["slo"] = SloJson(result.study.slo);
  j["sizing"] = result.study.simulation.Describe(result.study.slo);
  if (result.calibration) j["calibration"] = ToJson(*result.calibration);
  j["layouts"] = LayoutRows(result);
  return j;
}

}  // namespace rightsize::app
