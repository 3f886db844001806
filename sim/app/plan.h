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
  const UnitRunner* runner = nullptr;  // spreads the layouts over MPI ranks; null = this process
};

struct PlanResult {
  std::string study_path;
  CapacityStudy study;
  std::vector<LayoutPlan> plans;  // cheapest feasible first, infeasible ones with their reason
  std::optional<UsedCalibration> calibration;
};

PlanResult RunPlan(const PlanOptions& options, const Catalog& catalog);

// One row per layout (the table and CSV the command prints), each with `priced_by`: the
// calibration group that priced its device (calibrated / transferred) or "uncalibrated".
std::vector<nlohmann::json> LayoutRows(const PlanResult& result);
// Their column order (the rest follow).
inline const std::vector<std::string> kLayoutColumns = {"model",
                                                        "hardware",
                                                        "tp",
                                                        "weights_precision",
                                                        "replicas",
                                                        "devices",
                                                        "usd_per_month",
                                                        "usd_per_million_output_tokens",
                                                        "ttft_p99_s",
                                                        "tpot_p99_s",
                                                        "replica_max_requests_per_s",
                                                        "priced_by",
                                                        "reason"};
// The plan document: `rightsize plan --format json` and `rightsize.plan`.
nlohmann::json ToJson(const PlanResult& result);

}  // namespace rightsize::app
