// Serving: one replica (a model on tp x pp x ep devices) under continuous batching at a steady
// traffic level: how many sequences decode together, the TTFT and TPOT they see including
// queueing, and the most traffic a replica carries within an SLO.
//
// Steady state (stated approximation, after Orca / vLLM continuous batching: Yu et al. 2022,
// Kwon et al. 2023). Requests arrive as a Poisson stream of rate lambda with mean prompt P and
// mean output G tokens.
//   - Each request's prefill (batch 1, P tokens) takes t_pre; prefills preempt decode, so they
//     occupy a fraction rho_p = lambda x t_pre of the replica's time.
//   - B sequences decode together; one decode step (batch B, context P + G/2, the mean context)
//     takes t_dec(B), stretched by the prefills: TPOT = t_dec(B) / (1 - rho_p).
//   - Little's law closes the loop: B = lambda x G x TPOT(B), solved by fixed-point iteration
//     (t_dec is nearly flat in B while memory-bound, so the map is a contraction below
//     saturation). B above the largest batch that fits (CheckFit) means the replica is
//     overloaded.
//   - TTFT = t_dec(B)/2 (the residual of the step in flight) + W_q + t_pre, where W_q is the
//     M/D/1 mean wait of the prefill queue (Pollaczek-Khinchine with deterministic service):
//     W_q = rho_p x t_pre / (2 (1 - rho_p)).
// The SLO is checked on these means; for the p50 targets of a typical SLO the mean is a
// conservative stand-in for M/D/1-like waits (mean >= median for these right-skewed laws).
#pragma once

#include <string>

#include "sim/cost/efficiency_params.h"
#include "sim/spec/hardware_spec.h"
#include "sim/spec/model_spec.h"
#include "sim/workload/workload.h"

namespace rightsize {

struct TrafficSpec {
  double requests_per_s = 0.0;   // mean arrival rate, > 0
  double prompt_tokens = 0.0;    // mean prompt length per request, >= 1
  double output_tokens = 0.0;    // mean generated tokens per request, >= 1
};

struct SloSpec {
  double ttft_s = 0.0;  // time-to-first-token target, seconds; 0: none
  double tpot_s = 0.0;  // time-per-output-token target, seconds; 0: none
};

struct ServingState {
  bool feasible = false;
  std::string reason;           // why not (out of memory, overloaded)
  double requests_per_s = 0.0;  // the traffic this state is for (one replica)
  int64_t max_batch = 0;        // largest batch that fits at context P + G
  double batch = 0.0;           // mean sequences decoding together
  double prefill_s = 0.0;       // t_pre: one request's prefill
  double decode_step_s = 0.0;   // t_dec(B)
  double prefill_share = 0.0;   // rho_p = lambda x t_pre, [0, 1)
  double ttft_s = 0.0;          // mean, with queueing
  double tpot_s = 0.0;          // mean, with prefill interference
  double e2e_latency_s = 0.0;   // ttft + (G - 1) x tpot
  double output_tokens_per_s = 0.0;  // lambda x G
  double input_tokens_per_s = 0.0;   // lambda x P
};

// Steady state of one replica at traffic.requests_per_s. w supplies precisions, parallelism and
// memory utilisation (its batch / prompt / gen are replaced by the traffic's).
ServingState SteadyState(const ModelSpec& model, const HardwareSpec& hw, const Workload& w,
                         const TrafficSpec& traffic, const EfficiencyParams& params);

// Whether a state meets the SLO; *why says which target fails and by how much.
bool MeetsSlo(const ServingState& state, const SloSpec& slo, std::string* why);

struct ReplicaCapacity {
  bool feasible = false;
  std::string reason;             // out of memory / SLO not reachable even at vanishing load
  double max_requests_per_s = 0.0;  // most traffic one replica carries within the SLO
  ServingState at_capacity;         // the steady state at that traffic
};
// The most traffic one replica carries while meeting the SLO (bisection on lambda; the state
// gets worse monotonically with load).
ReplicaCapacity CapacityWithinSlo(const ModelSpec& model, const HardwareSpec& hw,
                                  const Workload& w, const TrafficSpec& traffic,
                                  const SloSpec& slo, const EfficiencyParams& params);

}  // namespace rightsize
