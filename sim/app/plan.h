// `plan`: devices, layout and $ per month to serve a traffic level within an SLO, for every
// candidate layout of a capacity study.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/app/calibration_choice.h"
#include "sim/plan/capacity.h"
#include "sim/spec/catalog.h"

namespace rightsize::app {

struct PlanOptions {
  std::string study_path;  // capacity study YAML (examples/capacity-study.yaml)
  // The study as YAML text instead of a file (a Python dict); study_path then only names it.
  std::string study_text;
  CalibrationChoice calibration;
  // KEY=SECONDS each (ttft_p99_s=2): replaces the study's SLO target of that key (ApplySloFlags).
  std::vector<std::string> slo_overrides;
};

struct PlanResult {
  std::string study_path;
  CapacityStudy study;
  std::vector<LayoutPlan> plans;  // cheapest feasible first, infeasible ones with their reason
  std::optional<UsedCalibration> calibration;
};

PlanResult RunPlan(const PlanOptions& options, const Catalog& catalog);

// One row per layout (the table and CSV the command prints).
std::vector<nlohmann::json> LayoutRows(const PlanResult& result);
// The plan document: `rightsize plan --format json` and `rightsize.plan`.
nlohmann::json ToJson(const PlanResult& result);

}  // namespace rightsize::app
