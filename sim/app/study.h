// `crossover`, `report` and `run`: a small-vs-large study's verdict (and its report), with the
// calibration's parameters and held-out error when one is given.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/app/calibration_choice.h"
#include "sim/plan/crossover_runner.h"
#include "sim/spec/catalog.h"

namespace rightsize::app {

struct StudyOptions {
  std::string study_path;  // study YAML (examples/README.md)
  // The study as YAML text instead of a file (a Python dict); study_path then only names it.
  std::string study_text;
  CalibrationChoice calibration;
  // KEY=SECONDS each (ttft_p99_s=2): replaces the study's SLO target of that key (ApplySloFlags).
  std::vector<std::string> slo_overrides;
  ProgressFn progress;  // stage and fraction done; null = silent
};

struct StudyRun {
  std::string study_path;
  std::string study_text;  // when the study came as text
  CrossoverResult result;
  DeviceEfficiencyParams params;  // what every candidate was priced with
  std::optional<UsedCalibration> calibration;
};

// With a calibration, the Monte Carlo throughput spread is the calibration's held-out error
// (UsedCalibration::rel_sd) instead of the study file's uncertainty.throughput_rel_sd.
StudyRun RunStudy(const StudyOptions& options, const Catalog& catalog);
// The same on a study already read (and perhaps edited: `rightsize serve`); options.study_path
// only names it. `run`: capacities kept across runs, and which layouts to simulate at load.
StudyRun RunLoadedStudy(StudySpec study, const StudyOptions& options, const Catalog& catalog,
                        const CrossoverRunOptions& run = {});

// The verdict document: `rightsize crossover --format json` (and its -o file).
nlohmann::json ToJson(const StudyRun& run);

// The verdict document plus the curves and the region map behind the report's figures (the CLI
// writes those only as report files), so a notebook can plot them: `rightsize.crossover`.
nlohmann::json ToJsonWithCurves(const StudyRun& run);

// One row per candidate: name, role, quality (+- sd), total $ over the horizon and $ per million
// tokens at the planning traffic, the layout chosen, or why it is infeasible (the CLI's table,
// CSV and Markdown).
std::vector<nlohmann::json> CandidateRows(const StudyRun& run);
// Their column order.
inline const std::vector<std::string> kCandidateColumns = {
    "name", "role", "quality", "quality_sd", "total_usd", "usd_per_million_tokens", "layout"};

// Writes the study's report into out_dir (report.md, report.html, figures, data); returns the
// files written, relative to out_dir.
std::vector<std::string> WriteStudyReport(const StudyRun& run, const Catalog& catalog,
                                          const std::string& out_dir);

}  // namespace rightsize::app
