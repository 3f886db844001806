// One `rightsize simulate` run as data: what is served on what, the engine and its overrides,
// the traffic, SLOs, seed. Read from a YAML file (strict: every key checked, errors name
// file:line: key) or built from command-line flags; RunSimulation resolves the ids and runs it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "sim/cost/efficiency_params.h"
#include "sim/serve/capacity_search.h"
#include "sim/serve/engine_profile.h"
#include "sim/serve/simulator.h"
#include "sim/serve/slo.h"
#include "sim/spec/catalog.h"

namespace rightsize {

// Scheduler settings that replace the engine profile's (unset: the profile's default).
struct EngineOverrides {
  std::optional<int64_t> max_num_seqs, max_num_batched_tokens, block_size_tokens, kv_cache_blocks;
  std::optional<bool> chunked_prefill, reserve_full_isl, prefix_caching;
  std::optional<StepPolicy> policy;
  std::optional<KvAdmission> admission;
  std::optional<RouterPolicy> router;
  std::optional<double> memory_utilization, step_overhead_s, sequence_overhead_s;
};
void Apply(const EngineOverrides& overrides, EngineConfig* config);

struct SimulationSpec {
  std::string file;      // YAML it came from ("" for flags)
  std::string model;     // catalogue id or config.json path
  std::string hardware;  // catalogue id
  Workload layout;       // precisions and tp / pp / ep / dp
  std::string engine = "vllm-v1";
  EngineOverrides overrides;
  SpeculativeMethod speculative = SpeculativeMethod::kNone;
  int64_t speculative_tokens = 0;
  double acceptance_rate = 0.0;
  std::string draft_model;  // kDraftModel: catalogue id or config.json path
  ServeTraffic traffic;
  std::string trace;  // kTrace: the trace file
  uint64_t seed = 1;
  std::vector<SloTarget> slo;  // percentile SLOs (checked, and the max-rate search's targets)
  RequestSlo goodput;          // per-request targets for goodput
  bool max_rate = false;       // also search the highest rate within the SLO
  double timeseries_interval_s = 0.0;
};

SimulationSpec LoadSimulationSpec(const std::string& path);
// The same from a parsed document; `path` names it in errors and locates relative trace paths.
SimulationSpec LoadSimulationSpec(const YAML::Node& root, const std::string& path);

struct SimulationRun {
  SimulationSpec spec;
  EngineConfig engine;      // as run
  EfficiencyParams params;  // as run
  std::string
      params_source;  // ParamsSource: the defaults with the engine's priors, or the calibration
  ServingSimResult result;
  Goodput goodput;
  bool slo_met = false;
  std::string slo_why;  // the first SLO miss
  std::optional<MaxRateResult> max_rate;
};

// Resolves ids (UnknownIdError with suggestions), applies the engine profile for the device and
// the overrides, and simulates. params: the forward model's efficiencies; when
// use_engine_overheads, the engine's host-overhead priors (or overrides) replace
// step_overhead_s and sequence_overhead_s (a calibration's fitted values are kept otherwise).
SimulationRun RunSimulation(const SimulationSpec& spec, const Catalog& catalog,
                            const EfficiencyParams& params, bool use_engine_overheads,
                            const std::string& params_source);

// Where a run's efficiencies come from, as `simulate` and `rightsize.simulate` say it: the
// calibration file and group, or (calibration_file empty) the uncalibrated defaults with the
// engine's host-overhead priors.
std::string ParamsSource(const std::string& calibration_file, const std::string& group);

// The run as JSON (schema_version 1; every key carries its unit).
nlohmann::json ToJson(const SimulationRun& run);
// Per-request rows: index, arrival_s, prompt_tokens, output_tokens, cached_prompt_tokens,
// ttft_s, tpot_s, e2e_s, preemptions, rank.
std::string RequestsCsv(const ServingSimResult& result);
// time_s, running, waiting, kv_used_fraction, step_tokens.
std::string TimeseriesCsv(const ServingSimResult& result);

}  // namespace rightsize
