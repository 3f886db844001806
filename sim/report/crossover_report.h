// The study report: report.md and report.html with gnuplot figures (PNG + SVG, each with its data
// CSV and .gp script), crossover.json and cost_vs_traffic.csv, written into a folder atomically.
#pragma once

#include <string>

#include "sim/cost/efficiency_params.h"
#include "sim/plan/crossover_runner.h"
#include "sim/spec/catalog.h"
#include "sim/validate/validation.h"

namespace rightsize {

// Writes the report folder; returns the list of files written (relative to out_dir).
// `validation`: the latency model scored on the shipped runs with `params` (`rightsize validate`),
// drawn as the parity figure.
std::vector<std::string> WriteCrossoverReport(const CrossoverResult& result, const Catalog& catalog,
                                              const DeviceEfficiencyParams& params,
                                              const ValidationResult& validation,
                                              const std::string& study_hash,
                                              const std::string& out_dir);

}  // namespace rightsize
