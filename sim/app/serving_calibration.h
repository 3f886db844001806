// Serving-level calibration: a serving run's median TTFT and TPOT at its request rate or
// concurrency, and the output throughput of a run its clients pace (Measurement::serving_load),
// predicted by simulating the run (sim/serve) with the efficiencies the calibrator tries, so
// queueing and mixed prefill / decode steps are in the prediction instead of one representative
// step. docs/calibration.md states the choices.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "sim/fit/simulated_measure.h"
#include "sim/logs/measurement.h"
#include "sim/spec/hardware_spec.h"
#include "sim/spec/model_spec.h"

namespace rightsize::app {

// Requests of an open- or closed-loop run simulated at most: the first this-many of the run
// (steady state is reached within a few hundred requests, and each simulation is run about
// twenty times per fit iteration). A run with every request at t = 0 is simulated whole, up to
// kMaxSimulatedBurstRequests: its median TTFT depends on how many requests queue.
inline constexpr int64_t kMaxSimulatedServingRequests = 500;
inline constexpr int64_t kMaxSimulatedBurstRequests = 10000;
// One seed for every simulation of a fit (common random numbers: only the efficiencies change
// between calls, so the fit's cost moves smoothly with them).
inline constexpr uint64_t kServingCalibrationSeed = 20261203;

// Shares one simulation between the rows of one run (its TTFT, TPOT and throughput): the fit
// evaluates them with the same efficiencies one after the other.
class ServingRunModel;  // one run's simulation and its latest answers (serving_calibration.cc)

class ServingRunSimulations {
 public:
  // The simulation that predicts `m` (which must have serving_load) on `model` and `hardware`.
  std::shared_ptr<const SimulatedMeasure> For(const Measurement& m, const ModelSpec& model,
                                              const HardwareSpec& hardware);

 private:
  std::map<std::string, std::shared_ptr<ServingRunModel>> runs_;  // by run (file and load)
};

}  // namespace rightsize::app
