// Discrete-event simulation of a continuous-batching serving engine (Orca iteration-level
// scheduling, Yu et al. 2022; vLLM paged KV cache with recompute preemption, Kwon et al. 2023;
// chunked prefill, Agrawal et al. 2024). Every step is a mixed batch (prefill chunks and decode
// tokens, each sequence at its own context) priced by THE forward model: CountOps on the step's
// BatchAggregates, then PredictStepParts_s (sim/cost/latency.h). Per-request TTFT, TPOT, ITL and
// E2E come out with their distributions; docs/serving.md states the assumptions.
//
// Deployment (the layout's Parallelism):
//   - tp x pp devices form one engine rank; pp > 1 keeps up to pp micro-batches in flight (a new
//     batch enters every stage time, each takes pp stage times plus the host work).
//   - dp ranks sit behind a router; with ep == 1 they are independent replicas.
//   - ep > 1 with dp > 1 is data-parallel attention with expert parallelism (vLLM DP + EP): the
//     ep == dp ranks each hold their own sequences' KV and step in lock-step, every MoE layer
//     receiving the tokens of all ranks; a step lasts as long as the slowest rank.
//   - ep > 1 with dp == 1: one replica over tp x pp x ep devices, attention replicated.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/cost/efficiency_params.h"
#include "sim/cost/latency.h"
#include "sim/cost/op_count.h"
#include "sim/serve/engine_profile.h"
#include "sim/serve/traffic.h"
#include "sim/spec/hardware_spec.h"
#include "sim/spec/model_spec.h"
#include "sim/util/stats.h"
#include "sim/workload/workload.h"

namespace rightsize {

// Speculative decoding (Leviathan et al. 2023): each decoding sequence verifies k draft tokens in
// one step of k + 1 query tokens and keeps the accepted run plus one token; with per-token
// acceptance probability a the expected tokens per verify step is (1 - a^(k+1)) / (1 - a). The
// accepted count is drawn per sequence per step from the run's seed.
enum class SpeculativeMethod { kNone, kNgram, kDraftModel };
struct SpeculativeConfig {
  SpeculativeMethod method = SpeculativeMethod::kNone;
  int64_t num_tokens = 0;        // k draft tokens per step, >= 1 when enabled
  double acceptance_rate = 0.0;  // a, [0, 1)
  // kDraftModel: the draft runs k decode steps (plus the step's prefill chunks) on the same
  // devices before each verify step; nullptr otherwise. Not owned.
  const ModelSpec* draft_model = nullptr;
};
std::string ToString(SpeculativeMethod method);
SpeculativeMethod ParseSpeculativeMethod(const std::string& text, const std::string& key);

// Step times of batch compositions already priced. The forward model is deterministic: for one
// model, device, layout (precisions, parallelism) and set of efficiencies, a step's time depends
// only on its BatchAggregates, and the runs of a rate search (the same requests at other rates)
// meet many compositions again (a request decoding alone walks the same contexts every time).
// A memo must only be shared by runs with the same model, device, layout, engine and
// efficiencies; it is not thread-safe. It stops growing at kMaxEntries (a few MB, so lookups stay
// in cache: a larger table cost more in cache misses than it saved in step pricing).
struct RequestRecord;

class StepTimeMemo {
 public:
  static constexpr std::size_t kMaxEntries = 1 << 16;
  // The memoised time of `batch`, or nullptr.
  const PipelinedStepTime* Find(const BatchAggregates& batch) const;
  void Insert(const BatchAggregates& batch, const PipelinedStepTime& time);
  std::size_t size() const { return times_.size(); }

 private:
  using Key = std::array<double, 10>;
  struct KeyHash {
    std::size_t operator()(const Key& key) const;
  };
  static Key KeyOf(const BatchAggregates& batch);
  std::unordered_map<Key, PipelinedStepTime, KeyHash> times_;
};

struct SimulationOptions {
  uint64_t seed = 1;  // speculative acceptance draws (traffic has its own seed)
  // kClosedLoop: this many requests in flight, each completion releasing the next one (arrival
  // times of the requests are ignored); 0: open loop (the requests' arrival times).
  int64_t closed_loop_concurrency = 0;
  // Time-series sampling: one sample per step when 0, else at most one per interval.
  double timeseries_interval_s = 0.0;
  // Shared prompt prefix (requests with shares_prefix): tokens common to those requests.
  int64_t shared_prefix_tokens = 0;
  // Trace file the requests came from, named in errors with the request's source line.
  std::string source_file;
  // The first this-many requests (by position) are left out of the latency statistics (ttft,
  // tpot, itl, e2e): they meet an empty engine (warm-up). Throughput, mean_in_system and
  // overload detection count every request.
  int64_t warmup_requests = 0;
  // Called with each finished request, in completion order; a non-empty answer ends the run
  // there (stopped_early, stop_reason; the statistics cover the requests finished so far). The
  // rate search uses it to drop a trial rate whose SLO is already missed whatever the unfinished
  // requests do.
  std::function<std::string(const RequestRecord&)> stop_check;
  // Step times shared with other runs of the same model, device, layout, engine and efficiencies
  // (a rate search's trials); null: the run keeps its own.
  StepTimeMemo* step_memo = nullptr;
};

// One finished request. Times in seconds from the start of the simulation.
struct RequestRecord {
  int64_t index = 0;  // position in the request list
  double arrival_s = 0.0;
  double first_token_s = 0.0;  // end of the step that produced its first token
  double finish_s = 0.0;       // end of the step that produced its last token
  int64_t prompt_tokens = 0;
  int64_t output_tokens = 0;         // generated, always the requested count
  int64_t cached_prompt_tokens = 0;  // prompt tokens served from the prefix cache
  int64_t preemptions = 0;
  int rank = 0;  // data-parallel rank that served it

  double TtftS() const { return first_token_s - arrival_s; }
  double E2eS() const { return finish_s - arrival_s; }
  // (finish - first token) / (output - 1); 0 for one-token outputs.
  double TpotS() const;
};

// Engine state sampled over time (summed over data-parallel ranks).
struct TimeSample {
  double time_s = 0.0;
  int64_t running = 0;          // requests admitted (holding KV)
  int64_t waiting = 0;          // requests queued, preempted ones included
  double kv_used_fraction = 0;  // KV blocks in use / blocks, [0, 1]
  int64_t step_tokens = 0;      // tokens in the step starting at time_s
};

struct LatencyStats {
  double mean_s = 0.0, p50_s = 0.0, p90_s = 0.0, p99_s = 0.0;
  int64_t count = 0;
};
// Mean and percentiles (the project's Quantile, linear interpolation); NaN for no values. The
// second form takes values with repeat counts (the same figures as the expanded list).
LatencyStats Summarise(const std::vector<double>& values_s);
LatencyStats Summarise(std::vector<ValueRun> runs_s);

struct ServingSimResult {
  bool feasible = false;
  std::string reason;  // why not (does not fit, no KV left, request longer than the KV pool)
  std::vector<RequestRecord> requests;  // every request, in request-list order
  LatencyStats ttft, tpot, itl, e2e;    // tpot over requests with >= 2 output tokens; itl per token
  double start_s = 0.0;                 // first arrival
  double end_s = 0.0;                   // last completion
  double requests_per_s = 0.0;          // completed / (end - start)
  double input_tokens_per_s = 0.0;      // prompt tokens / (end - start)
  double output_tokens_per_s = 0.0;     // generated tokens / (end - start)
  // Time average of the requests in the system (arrived, not finished) over [start, end], exact
  // (integrated at every arrival and completion).
  double mean_in_system = 0.0;
  int64_t steps = 0;            // engine steps (per rank, summed)
  int64_t preemptions = 0;      // recompute preemptions
  int64_t kv_cache_blocks = 0;  // per rank
  int64_t block_size_tokens = 0;
  double kv_bytes_per_token = 0.0;       // per device
  int64_t state_blocks_per_request = 0;  // linear-attention state blocks a running request holds
  bool kv_blocks_from_engine = false;    // kv_cache_blocks given by the engine, not estimated
  int64_t max_num_seqs = 0, max_num_batched_tokens = 0;  // as run
  // Speculative decoding: sequence-verify steps and the tokens they emitted (uncapped draws:
  // tokens_drawn / verify_steps estimates (1 - a^(k+1)) / (1 - a)).
  int64_t spec_verify_steps = 0;
  int64_t spec_tokens_drawn = 0;
  std::vector<TimeSample> timeseries;
  // The queue grew without bound (open-loop arrivals faster than completions); the latency
  // figures then depend on how long the run is. Set by DetectOverload.
  bool overloaded = false;
  std::string overload_reason;
  // SimulationOptions::stop_check ended the run before every request finished.
  bool stopped_early = false;
  std::string stop_reason;
};

// Simulates serving `requests` (arrival-sorted; checked: InputError naming the trace line for a
// negative or decreasing arrival, zero-length prompt or output, or a request longer than the
// model's context). `layout` gives precisions, parallelism and nothing else (its batch and
// lengths are ignored); `engine` the scheduler; `params` the forward model's efficiencies (use
// WithEngineOverheads for the engine's host-overhead priors).
ServingSimResult SimulateRequests(const ModelSpec& model, const HardwareSpec& hardware,
                                  const Workload& layout, const EngineConfig& engine,
                                  const SpeculativeConfig& speculative,
                                  const std::vector<ServeRequest>& requests,
                                  const EfficiencyParams& params, const SimulationOptions& options);

// The entry planning calls: generates the traffic's requests from `seed` (trace traffic is an
// error: read it with ReadRequestTrace and call SimulateRequests) and simulates them; `seed`
// also seeds the speculative acceptance draws (options.seed is replaced).
ServingSimResult SimulateServing(const ModelSpec& model, const HardwareSpec& hardware,
                                 const Workload& layout, const EngineConfig& engine,
                                 const SpeculativeConfig& speculative, const ServeTraffic& traffic,
                                 const EfficiencyParams& params, uint64_t seed,
                                 SimulationOptions options = {});

// params with step_overhead_s and sequence_overhead_s replaced by the engine's priors.
EfficiencyParams WithEngineOverheads(EfficiencyParams params, const EngineConfig& engine);

// Open-loop runs: the queue grows without bound when, over the second half of the arrival
// window, completions fall short of arrivals by more than 5% and three standard deviations of
// a Poisson count, and the number in the system rose over that half. Sets overloaded and
// overload_reason.
void DetectOverload(ServingSimResult* result);

}  // namespace rightsize
