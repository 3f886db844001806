// Engine profiles: how a serving engine schedules (its documented defaults, read from
// models/engines/*.yaml with their sources) and the knobs one simulation runs with.
//
// The scheduler knobs carry the names engines use: max_num_seqs, max_num_batched_tokens, chunked
// prefill, the order of prefills and decodes in a step, the KV block size, admission and
// preemption. The host overheads are priors for the two EfficiencyParams the engine's host work
// sets (step_overhead_s, sequence_overhead_s); `rightsize calibrate` fits both.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/spec/hardware_spec.h"
#include "sim/util/error.h"

namespace rightsize {

// Which work a step takes first.
enum class StepPolicy {
  // Running requests first (their decode token, or the next chunk of a prompt), then new prompts
  // within the token budget: vLLM V1, Sarathi-Serve (Agrawal et al. 2024), llama.cpp server.
  kDecodeFirst,
  // A step either prefills new prompts (when any can be admitted) or decodes every running
  // request, never both: vLLM V0 without chunked prefill, SGLang without --enable-mixed-chunk.
  kPrefillFirst,
};

// When KV blocks are taken for a request.
enum class KvAdmission {
  // As tokens are computed; when blocks run out the newest running request is preempted
  // (vLLM V1, recompute: its blocks are freed and it prefills again later).
  kOnDemand,
  // Blocks for prompt + every output token at admission, so a started request is never
  // preempted (TensorRT-LLM GUARANTEED_NO_EVICT).
  kReserveFull,
};

// How a data-parallel deployment spreads arriving requests over its ranks.
enum class RouterPolicy {
  kRoundRobin,
  kLeastLoaded,  // fewest waiting + running requests (ties: lowest rank)
};

// Overrides of the scheduler defaults on large devices (vLLM raises its batch limits on GPUs of
// >= 70 GiB other than the A100).
struct DeviceTier {
  double min_memory_bytes = 0.0;             // device memory at or above this
  std::vector<std::string> except_hardware;  // hardware ids containing any of these are excluded
  int64_t max_num_seqs = 0;                  // 0: keep the profile's value
  int64_t max_num_batched_tokens = 0;        // 0: keep the profile's value
};

// One engine as documented (models/engines/<id>.yaml; models/SCHEMA.md has every key).
struct EngineProfile {
  std::string id;  // e.g. "vllm-v1"
  std::string name;
  std::string version;  // the engine versions the defaults are read from
  std::string source;   // where each default was read
  std::string notes;
  std::string file;  // the YAML file it was loaded from
  // Scheduler defaults.
  int64_t max_num_seqs = 0;            // running requests at most, >= 1
  int64_t max_num_batched_tokens = 0;  // tokens one step processes at most, >= 1
  bool chunked_prefill = true;         // split a prompt over steps to fit the token budget
  StepPolicy policy = StepPolicy::kDecodeFirst;
  KvAdmission admission = KvAdmission::kOnDemand;
  // kOnDemand: admit a waiting (or preempted) request only when blocks for its whole current
  // sequence are free, not just for its first chunk (vLLM's scheduler_reserve_full_isl, True by
  // default in vLLM 0.19: it prevents over-admission and KV thrashing with chunked prefill).
  bool reserve_full_isl = false;
  std::vector<DeviceTier> device_tiers;  // first match overrides the two limits above
  // KV cache.
  int64_t block_size_tokens = 16;   // tokens per KV block, >= 1
  double memory_utilization = 0.9;  // fraction of device memory the engine takes, (0, 1]
  bool prefix_caching = false;      // shared prompt prefixes reuse cached KV blocks
  // Linear-attention (Gated DeltaNet, Mamba) state: true when each running request takes its state
  // from the KV block pool (vLLM V1's hybrid KV cache manager); false when the engine reserves a
  // pool of max_num_seqs states at start-up, before the blocks.
  bool linear_state_per_request = false;
  // Data parallel.
  RouterPolicy router = RouterPolicy::kLeastLoaded;
  // Expert parallelism: the group all-gathers hidden states and reduce-scatters expert outputs
  // (vLLM's all2all_backend allgather_reducescatter) instead of an all-to-all of routed copies.
  bool ep_allgather = false;
  // Host overhead priors (seconds), documented in the file; fittable by `rightsize calibrate`.
  double step_overhead_s = 0.0;      // per step, [0, 1]
  double sequence_overhead_s = 0.0;  // per running sequence per step, [0, 1e-3]
};

// The knobs one simulation runs with: a profile resolved for a device, then overridden by the
// user. Every field is validated by Validate().
struct EngineConfig {
  std::string engine_id;
  int64_t max_num_seqs = 256;
  int64_t max_num_batched_tokens = 2048;
  bool chunked_prefill = true;
  StepPolicy policy = StepPolicy::kDecodeFirst;
  KvAdmission admission = KvAdmission::kOnDemand;
  bool reserve_full_isl = false;
  int64_t block_size_tokens = 16;
  double memory_utilization = 0.9;
  // KV blocks per data-parallel rank; 0: from the memory model (EstimateKvCacheCapacity). An
  // engine's log states its own count (vLLM: num_gpu_blocks), which replaces the estimate.
  int64_t kv_cache_blocks = 0;
  bool prefix_caching = false;
  bool linear_state_per_request = false;  // EngineProfile::linear_state_per_request
  RouterPolicy router = RouterPolicy::kLeastLoaded;
  bool ep_allgather = false;
  double step_overhead_s = 1e-3;
  double sequence_overhead_s = 1e-5;
};

// Reads one profile; every key is checked (unknown keys and bad values are InputErrors naming
// file:line: key).
EngineProfile LoadEngineProfile(const std::string& path);
// Every models_dir/engines/*.yaml, sorted by id; duplicate ids are an InputError.
std::vector<EngineProfile> LoadEngineProfiles(const std::string& models_dir);
// The profile with this id from the default models folder (Catalog::DefaultModelsDir()); an
// unknown id is an UnknownIdError listing close matches. Profiles are loaded once per process.
const EngineProfile& FindEngineProfile(const std::string& id);
// The profile id an engine name from a benchmark log stands for: "vllm..." -> vllm-v1,
// "sglang..." -> sglang, "trt..." / "tensorrt..." -> tensorrt-llm, "llama..." ->
// llama-cpp-server, case-insensitive; anything else -> vllm-v1 (the benchmark tools' default
// server).
std::string EngineProfileIdForLogEngine(const std::string& engine_in_log);
// The profile's defaults for a device (the first matching device tier applied).
EngineConfig ResolveEngineConfig(const EngineProfile& profile, const HardwareSpec& hardware);

bool Validate(const EngineConfig& config, std::string* why);
std::string ToString(StepPolicy policy);
std::string ToString(KvAdmission admission);
std::string ToString(RouterPolicy router);
// Parsers for the choices above; an unknown value is an InputError at `where`.
StepPolicy ParseStepPolicy(const std::string& text, const SourceLocation& where);
KvAdmission ParseKvAdmission(const std::string& text, const SourceLocation& where);
RouterPolicy ParseRouterPolicy(const std::string& text, const SourceLocation& where);

}  // namespace rightsize
