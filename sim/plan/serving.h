// Serving for planning: how much traffic one replica (a model on tp devices) carries within an SLO,
// and what it looks like at a given load, both from the discrete-event serving simulation
// (sim/serve: continuous batching under an engine profile, every step priced by the forward
// model). The replica's capacity is the highest Poisson arrival rate whose simulated latency
// statistics meet every SLO target (MaxRateWithinSlo: bisection on the simulated rate to a stated
// relative tolerance, 2% by default), so an SLO may name any percentile (`ttft_p99_s`,
// `tpot_p50_s`, `e2e_p90_s`, ...).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/cost/efficiency_params.h"
#include "sim/serve/slo.h"
#include "sim/spec/hardware_spec.h"
#include "sim/spec/model_spec.h"
#include "sim/util/yaml_reader.h"
#include "sim/workload/workload.h"

namespace rightsize {

struct TrafficSpec {
  double requests_per_s = 0.0;  // mean arrival rate, > 0
  double prompt_tokens = 0.0;   // prompt length per request, >= 1 (simulated as fixed)
  double output_tokens = 0.0;   // generated tokens per request, >= 1 (simulated as fixed)
};

// Targets on simulated latency statistics (sim/serve/slo.h). The keys `ttft_s` and `tpot_s` of
// older study files are the means (`ttft_mean_s`, `tpot_mean_s`), as they were checked before the
// simulator; 0 there means no target.
struct SloSpec {
  std::vector<SloTarget> targets;
  // "ttft_p99_s <= 0.5 s, tpot_p50_s <= 0.05 s" ("none" when empty).
  std::string Describe() const;
};

// {KEY: seconds} of every target.
nlohmann::json SloJson(const SloSpec& slo);
// Reads the `slo:` mapping of a study (absent: no targets); errors name file:line: slo.KEY.
SloSpec ReadSloSpec(YamlReader& parent);
// `--slo KEY=SECONDS` flags: each replaces the study's target of the same key or adds one.
void ApplySloFlags(const std::vector<std::string>& key_equals_seconds, SloSpec* slo);

// How the simulation behind a plan runs (the optional `simulation:` block of a study).
struct ServingSimSettings {
  std::string engine_id = "vllm-v1";  // profile in models/engines/
  // Simulated Poisson requests per rate, 100..1,000,000; the first kWarmupFraction of them (they
  // meet an empty engine) are left out of the latency statistics. A run must be long against the
  // time the engine takes to fill (about one E2E latency) or the overload check mistakes the
  // filling for a growing queue: with 400 requests a Mixtral-8x7B TP2 H100 replica came out 20%
  // low, with 600 to 3,000 within 5% of each other.
  int64_t requests = 1000;
  static constexpr double kWarmupFraction = 0.1;
  // The bisection stops when the bracket [highest rate meeting the SLO, lowest missing it] is
  // narrower than this fraction of its top: the capacity found is at most this much below the
  // simulated one. 0.001..0.2.
  double rate_tolerance = 0.02;
  uint64_t seed = 1;  // the same seed gives the same plan
  // Host overheads (step, per sequence) from the engine profile's priors; false when the
  // efficiencies come from a calibration that fitted them.
  bool engine_host_overheads = true;
  int64_t WarmupRequests() const;
  // "simulated: engine vllm-v1 (...), 400 Poisson requests per rate (first 40 warm-up), rate
  // to 2%, SLO ttft_p99_s <= 0.5 s"
  std::string Describe(const SloSpec& slo) const;
};
ServingSimSettings ReadServingSimSettings(YamlReader& parent);

// One replica at one load, simulated.
struct ServingState {
  bool feasible = false;
  std::string reason;                          // why not (does not fit, overloaded)
  double requests_per_s = 0.0;                 // the traffic this state is for (one replica)
  double batch = 0.0;                          // time-averaged running sequences
  double ttft_mean_s = 0.0, ttft_p99_s = 0.0;  // time to first token, queueing included
  double tpot_mean_s = 0.0, tpot_p99_s = 0.0;  // time per output token after the first
  double e2e_mean_s = 0.0;                     // arrival to last token
  double output_tokens_per_s = 0.0;            // simulated
  double input_tokens_per_s = 0.0;             // simulated
  // The simulated distributions after warm-up: quantiles at 0, 5, ..., 100 % (kLatencyCdfPoints
  // values, seconds; empty when infeasible). TPOT over requests with >= 2 output tokens.
  std::vector<double> ttft_cdf_s, tpot_cdf_s;
};

inline constexpr int kLatencyCdfPoints = 21;

struct ReplicaCapacity {
  bool feasible = false;
  std::string reason;               // out of memory / SLO not met even at low load
  double max_requests_per_s = 0.0;  // most traffic one replica carries within the SLO
  int simulations = 0;              // runs the bisection took
};

// w supplies precisions, tensor parallelism and memory utilisation (its batch and lengths are
// replaced by the traffic's). The engine's KV memory share is w.memory_utilization.
ReplicaCapacity SimulatedReplicaCapacity(const ModelSpec& model, const HardwareSpec& hw,
                                         const Workload& w, const TrafficSpec& traffic,
                                         const SloSpec& slo, const ServingSimSettings& sim,
                                         const EfficiencyParams& params);
ServingState SimulatedServingState(const ModelSpec& model, const HardwareSpec& hw,
                                   const Workload& w, const TrafficSpec& traffic,
                                   const ServingSimSettings& sim, const EfficiencyParams& params);

}  // namespace rightsize
