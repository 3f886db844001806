// The most traffic one deployment serves within SLOs on any percentile: bisection on the
// simulated arrival rate. Every rate replays the same requests (one stream drawn at rate 1,
// arrival times divided by the rate: common random numbers), so the SLO statistics move
// smoothly with the rate and the bisection converges on one answer for a seed.
#pragma once

#include <vector>

#include "sim/serve/simulator.h"
#include "sim/serve/slo.h"

namespace rightsize {

struct MaxRateResult {
  bool feasible = false;
  std::string reason;               // why no rate meets the SLO (infeasible layout, SLO too tight)
  double max_requests_per_s = 0.0;  // highest rate found to meet every target
  double min_failing_requests_per_s = 0.0;  // lowest rate found to miss one (bracket's top)
  ServingSimResult at_max;                  // the simulation at max_requests_per_s
  int simulations = 0;
};

// traffic: kPoisson or kGamma (its requests_per_s is only the starting guess's scale);
// rel_tolerance: the bisection stops when the bracket is narrower than this fraction of its top.
MaxRateResult MaxRateWithinSlo(const ModelSpec& model, const HardwareSpec& hardware,
                               const Workload& layout, const EngineConfig& engine,
                               const SpeculativeConfig& speculative, const ServeTraffic& traffic,
                               const EfficiencyParams& params, uint64_t seed,
                               const std::vector<SloTarget>& slo,
                               const SimulationOptions& options = {}, double rel_tolerance = 0.01);

}  // namespace rightsize
