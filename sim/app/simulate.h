// `simulate`: one serving simulation (sim/serve/simulation_spec.h) with the efficiencies of the
// calibration chosen for its device and optional what-if parameters, or a grid of them: every
// combination of replacement values for fields of the simulation YAML (`--set
// traffic.requests_per_s=2,4,8 --set layout.tp=1,2`), one summary row per combination, the
// combinations spread over threads or MPI ranks as work units (docs/mpi.md).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/app/calibration_choice.h"
#include "sim/plan/study_sweep.h"
#include "sim/serve/simulation_spec.h"
#include "sim/spec/catalog.h"
#include "sim/util/work_units.h"

namespace rightsize::app {

// `params` with NAME=VALUE what-ifs replacing EfficiencyParams values; InputError naming
// --param for an unknown name, a malformed pair or a value outside the parameter's bounds.
EfficiencyParams WithParamOverrides(EfficiencyParams params, const std::vector<std::string>& flags);

// One simulation: the calibration's parameters for the spec's device (or the defaults with the
// engine's host-overhead priors), then the what-if parameters over those the run resolved.
SimulationRun Simulate(const SimulationSpec& spec, const CalibrationChoice& calibration,
                       const std::vector<std::string>& param_flags, const Catalog& catalog);

struct SimulateGridOptions {
  std::string spec_path;          // simulation YAML (docs/serving.md), required
  std::vector<std::string> sets;  // "PATH=V1,V2,..." each, at least one (ParseStudyAxis)
  // Applied to every combination's spec after loading (the command line's flags); null: none.
  std::function<SimulationSpec(SimulationSpec)> overrides;
  std::vector<std::string> param_flags;  // NAME=VALUE what-ifs (WithParamOverrides)
  CalibrationChoice calibration;
  int threads = 0;                     // 0: all cores
  const UnitRunner* runner = nullptr;  // spreads the combinations over MPI ranks; null = here
};

struct SimulateGridResult {
  std::vector<StudyAxis> axes;
  // One per combination (the first axis varies slowest): the axis paths with their values as
  // given, then the layout, the offered traffic, the run's throughput, latency percentiles (null
  // where a generated run is overloaded), goodput, SLO and max-rate summary.
  std::vector<nlohmann::json> rows;
};

// InputError for no --set, no YAML file, a malformed axis or a value the spec loader rejects
// (naming the file, the combination and the key).
SimulateGridResult RunSimulateGrid(const SimulateGridOptions& options, const Catalog& catalog);

// The rows' columns in print order: the axis paths, then the summary keys the rows have.
std::vector<std::string> SimulateGridColumns(const SimulateGridResult& result);

}  // namespace rightsize::app
