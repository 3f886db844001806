#include "sim/serve/simulator.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <list>
#include <queue>
#include <random>

#include <fmt/format.h>

#include "sim/cost/latency.h"
#include "sim/cost/memory.h"
#include "sim/cost/op_count.h"
#include "sim/util/error.h"
#include "sim/util/stats.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

constexpr double kNever = std::numeric_limits<double>::infinity();

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Free KV blocks in the order the engine hands them out (vLLM's free block queue: allocations
// take the blocks freed longest ago; freed blocks join the back). A run freed by a preempted
// request keeps that request's KV until it is handed out, so with prefix caching the request
// finds its cached prefix when it resumes (vLLM frees a request's blocks tail first, so the tail
// is evicted first and the head survives longest).
struct FreeRun {
  int seq = -1;       // the preempted request whose KV the blocks still hold; -1: none
  int64_t count = 0;  // blocks, > 0
};

// One request's state inside the engine.
struct Seq {
  int64_t prompt = 0;
  int64_t output = 0;
  int64_t computed = 0;       // tokens whose KV is in the cache
  int64_t generated = 0;      // output tokens emitted
  int64_t blocks = 0;         // KV blocks it owns
  int64_t shared_blocks = 0;  // prefix-cache blocks it reads without owning
  int64_t scheduled = 0;      // tokens in the batch in flight
  int64_t preemptions = 0;
  double arrival_s = 0.0;
  double first_token_s = -1.0;
  double last_token_s = 0.0;
  double finish_s = -1.0;
  int rank = -1;
  bool shares_prefix = false;
  bool counted = true;  // in the latency statistics (not a warm-up request)
  bool in_flight = false;
  bool speculating = false;  // its part of the batch in flight is a verify step
  bool done = false;
  // Preempted with prefix caching: its freed blocks (a run of the free queue) and how many of
  // them were full blocks of its KV.
  bool has_free_run = false;
  std::list<FreeRun>::iterator free_run;
  int64_t free_run_full_blocks = 0;

  int64_t Total() const { return prompt + generated; }
  bool Decoding() const { return generated > 0 && computed == Total() - 1; }
};

struct Rank {
  std::deque<int> waiting;
  std::vector<int> running;  // admission order
  int64_t total_blocks = 0;
  int64_t free_blocks = 0;       // sum of the free runs
  std::list<FreeRun> free_runs;  // front: handed out first
};

// One rank's share of a step.
struct RankBatch {
  std::vector<int> seqs;
  BatchAggregates target;
  BatchAggregates draft_first;   // prefill chunks + one decode token of each verifying sequence
  BatchAggregates draft_decode;  // one decode token of each verifying sequence
};

struct InFlight {
  double finish_s = 0.0;
  std::vector<RankBatch> ranks;  // indexed like Group::ranks
};

// Ranks that step together (one independent replica, or the dp ranks of a DP + EP group).
struct Group {
  std::vector<int> ranks;
  std::vector<double> stage_free_s;  // per pipeline stage
  std::deque<InFlight> in_flight;
  bool blocked = false;  // nothing schedulable until an arrival or a completion
};

class Simulator {
 public:
  Simulator(const ModelSpec& model, const HardwareSpec& hw, const Workload& layout,
            const EngineConfig& engine, const SpeculativeConfig& spec,
            const std::vector<ServeRequest>& requests, const EfficiencyParams& params,
            const SimulationOptions& options)
      : model_(model),
        engine_(engine),
        spec_(spec),
        requests_(requests),
        params_(params),
        options_(options),
        rng_(options.seed),
        memo_(options.step_memo != nullptr ? options.step_memo : &own_memo_) {
    rank_workload_ = layout;
    rank_workload_.mode = Mode::kInference;
    rank_workload_.memory_utilization = engine.memory_utilization;
    rank_workload_.parallel.data = 1;
    dp_ = layout.parallel.data;
    dp_attention_ = layout.parallel.expert > 1 && layout.parallel.data > 1;
    rates_ = ResolveRates(hw, rank_workload_);
  }

  ServingSimResult Run(const HardwareSpec& hw);

 private:
  bool Prepare(const HardwareSpec& hw, ServingSimResult* result);
  void Arrive(int index, double now_s);
  int Route();
  double NextGroupEvent(const Group& g) const;
  void ProcessGroup(Group& g, double now_s);
  bool HasSchedulableWork(const Group& g) const;
  void ScheduleGroup(Group& g, double now_s);
  void Schedule(Rank& rank, RankBatch* batch);
  void ScheduleDecodeFirst(Rank& rank, RankBatch* batch);
  // Running requests in admission order (decode tokens and prompt chunks) within *budget;
  // returns whether any was preempted for KV blocks.
  bool ScheduleRunningInOrder(Rank& rank, RankBatch* batch, int64_t* budget);
  void SchedulePrefillFirst(Rank& rank, RankBatch* batch);
  bool ScheduleRunning(Rank& rank, int seq, int64_t budget, RankBatch* batch, bool may_preempt,
                       int64_t* tokens);
  bool Admit(Rank& rank, int64_t* budget, RankBatch* batch);
  // Blocks a request with `tokens` of context holds: its KV blocks and its state blocks.
  int64_t BlocksFor(int64_t tokens) const {
    return CeilDiv(tokens, engine_.block_size_tokens) + state_blocks_;
  }
  bool Allocate(Rank& rank, Seq& s, int64_t tokens);
  void TakeFreeBlocks(Rank& rank, int64_t count);
  void ReleaseBlocks(Rank& rank, int seq, bool keep_cached);
  int PreemptNewest(Rank& rank);
  void AddToBatch(int seq, int64_t tokens, RankBatch* batch);
  void Complete(Group& g, InFlight& batch);
  void Emit(Seq& s, int64_t tokens, double now_s);
  void Finish(int seq, double now_s);
  void AdvanceArea(double now_s);
  void Sample(double now_s, int64_t step_tokens);
  double DraftTime(const BatchAggregates& agg);
  // The target model's step time for one rank's batch, through the memo.
  PipelinedStepTime TargetStepTime(const BatchAggregates& batch);

  const ModelSpec& model_;
  const EngineConfig& engine_;
  const SpeculativeConfig& spec_;
  const std::vector<ServeRequest>& requests_;
  const EfficiencyParams& params_;
  const SimulationOptions& options_;
  std::mt19937_64 rng_;
  StepTimeMemo own_memo_;
  StepTimeMemo* memo_;

  Workload rank_workload_;
  DeviceRates rates_;
  int dp_ = 1;
  bool dp_attention_ = false;
  int64_t prefix_blocks_ = 0;  // blocks of the shared prefix, resident for the whole run
  // Blocks of linear-attention state each running request holds on top of its KV blocks, when the
  // engine takes the state from the block pool (EngineConfig::linear_state_per_request).
  int64_t state_blocks_ = 0;
  std::vector<Seq> seqs_;
  std::vector<Rank> ranks_;
  std::vector<Group> groups_;
  std::vector<OpCost> ops_;      // reused by every step
  std::vector<InFlight> spare_;  // finished batches, reused
  int next_round_robin_ = 0;
  double clock_s_ = 0.0;
  // Number in the system, integrated exactly.
  int64_t in_system_ = 0;
  double area_ = 0.0;
  double area_clock_s_ = 0.0;
  // Global counters for the time series.
  int64_t running_ = 0, waiting_ = 0, used_blocks_ = 0, total_blocks_ = 0;
  double last_sample_s_ = -kNever;
  int64_t completed_ = 0;
  // Closed loop: requests issued so far.
  int64_t issued_ = 0;
  ServingSimResult* result_ = nullptr;
  std::vector<ValueRun> itl_runs_;  // inter-token latencies, run-length encoded
  bool stopped_ = false;            // options_.stop_check ended the run
};

bool Simulator::Prepare(const HardwareSpec& hw, ServingSimResult* result) {
  const Parallelism& p = rank_workload_.parallel;
  std::string reason = InfeasibleReason(model_, hw, [&] {
    Workload w = rank_workload_;
    w.batch = 1;
    w.prompt_tokens = 1;
    w.gen_tokens = 0;
    return w;
  }());
  if (!reason.empty()) {
    result->reason = reason;
    return false;
  }
  const int64_t bs = engine_.block_size_tokens;
  const int64_t reserved_states = engine_.linear_state_per_request ? 0 : engine_.max_num_seqs;
  const KvCacheCapacity capacity = EstimateKvCacheCapacity(
      model_, hw, rank_workload_, engine_.max_num_batched_tokens, reserved_states, bs);
  result->kv_bytes_per_token = capacity.bytes_per_token;
  if (engine_.linear_state_per_request && capacity.state_bytes_per_sequence > 0 &&
      capacity.bytes_per_token > 0) {
    state_blocks_ = static_cast<int64_t>(std::ceil(
        capacity.state_bytes_per_sequence / (capacity.bytes_per_token * static_cast<double>(bs))));
  }
  result->state_blocks_per_request = state_blocks_;
  int64_t blocks = capacity.blocks;
  if (spec_.method == SpeculativeMethod::kDraftModel) {
    // The draft's weights share the device (its KV cache is left out: small next to the target's).
    const MemoryBreakdown draft = EstimateMemoryPerDevice(*spec_.draft_model, [&] {
      Workload w = rank_workload_;
      w.parallel.expert = 1;
      w.batch = 1;
      w.prompt_tokens = 1;
      w.gen_tokens = 0;
      return w;
    }());
    blocks =
        static_cast<int64_t>(std::floor(std::max(0.0, capacity.free_bytes - draft.weights_bytes) /
                                        (capacity.bytes_per_token * static_cast<double>(bs))));
  }
  if (engine_.kv_cache_blocks > 0) {
    blocks = engine_.kv_cache_blocks;
    result->kv_blocks_from_engine = true;
  }
  result->kv_cache_blocks = blocks;
  result->block_size_tokens = bs;
  if (blocks < 1) {
    result->reason = fmt::format(
        "no memory left for the KV cache on {}: {:.2f} GiB per device after the weights and the "
        "activations of a {}-token step",
        hw.id, capacity.free_bytes / (1024.0 * 1024.0 * 1024.0), engine_.max_num_batched_tokens);
    return false;
  }
  if (engine_.prefix_caching && options_.shared_prefix_tokens > 0) {
    prefix_blocks_ = options_.shared_prefix_tokens / bs;
  }
  const int64_t pool = blocks - prefix_blocks_;
  const int64_t lookahead = spec_.method == SpeculativeMethod::kNone ? 0 : spec_.num_tokens;
  for (std::size_t i = 0; i < requests_.size(); ++i) {
    const ServeRequest& r = requests_[i];
    const int64_t need = BlocksFor(r.prompt_tokens + r.output_tokens + lookahead);
    if (need > pool) {
      result->reason = fmt::format(
          "request {} ({} + {} tokens) needs {} KV blocks of {} tokens; the KV cache holds {}", i,
          r.prompt_tokens, r.output_tokens, need, bs, pool);
      return false;
    }
  }
  const int num_ranks = dp_;
  ranks_.assign(static_cast<std::size_t>(num_ranks), Rank{});
  for (Rank& rank : ranks_) {
    rank.total_blocks = pool;
    rank.free_blocks = pool;
    rank.free_runs.push_back({-1, pool});
  }
  total_blocks_ = pool * num_ranks;
  if (dp_attention_) {
    Group g;
    for (int i = 0; i < num_ranks; ++i) g.ranks.push_back(i);
    g.stage_free_s.assign(static_cast<std::size_t>(p.pipeline), 0.0);
    groups_.push_back(std::move(g));
  } else {
    for (int i = 0; i < num_ranks; ++i) {
      Group g;
      g.ranks.push_back(i);
      g.stage_free_s.assign(static_cast<std::size_t>(p.pipeline), 0.0);
      groups_.push_back(std::move(g));
    }
  }
  return true;
}

int Simulator::Route() {
  if (ranks_.size() == 1) return 0;
  if (engine_.router == RouterPolicy::kRoundRobin) {
    const int r = next_round_robin_;
    next_round_robin_ = (next_round_robin_ + 1) % static_cast<int>(ranks_.size());
    return r;
  }
  int best = 0;
  std::size_t best_load = std::numeric_limits<std::size_t>::max();
  for (std::size_t i = 0; i < ranks_.size(); ++i) {
    const std::size_t load = ranks_[i].waiting.size() + ranks_[i].running.size();
    if (load < best_load) {
      best_load = load;
      best = static_cast<int>(i);
    }
  }
  return best;
}

void Simulator::AdvanceArea(double now_s) {
  area_ += static_cast<double>(in_system_) * (now_s - area_clock_s_);
  area_clock_s_ = now_s;
}

void Simulator::Arrive(int index, double now_s) {
  Seq& s = seqs_[static_cast<std::size_t>(index)];
  s.arrival_s = now_s;
  AdvanceArea(now_s);
  ++in_system_;
  s.rank = Route();
  ranks_[static_cast<std::size_t>(s.rank)].waiting.push_back(index);
  ++waiting_;
  for (Group& g : groups_) {
    if (std::find(g.ranks.begin(), g.ranks.end(), s.rank) != g.ranks.end()) g.blocked = false;
  }
}

bool Simulator::HasSchedulableWork(const Group& g) const {
  for (int r : g.ranks) {
    const Rank& rank = ranks_[static_cast<std::size_t>(r)];
    if (!rank.waiting.empty()) return true;
    for (int s : rank.running) {
      if (!seqs_[static_cast<std::size_t>(s)].in_flight) return true;
    }
  }
  return false;
}

double Simulator::NextGroupEvent(const Group& g) const {
  double t = g.in_flight.empty() ? kNever : g.in_flight.front().finish_s;
  if (!g.blocked && g.in_flight.size() < g.stage_free_s.size() && HasSchedulableWork(g)) {
    t = std::min(t, std::max(clock_s_, g.stage_free_s.front()));
  }
  return t;
}

bool Simulator::Allocate(Rank& rank, Seq& s, int64_t tokens) {
  // Fast path (most decode steps): the tokens fit the blocks already held.
  if (BlocksFor(tokens) <= s.blocks + s.shared_blocks) return true;
  int64_t owned = BlocksFor(tokens) - s.shared_blocks;
  if (engine_.admission == KvAdmission::kReserveFull) {
    const int64_t lookahead = spec_.method == SpeculativeMethod::kNone ? 0 : spec_.num_tokens;
    owned = std::max(owned, BlocksFor(s.prompt + s.output + lookahead) - s.shared_blocks);
  }
  const int64_t extra = owned - s.blocks;
  if (extra <= 0) return true;
  if (extra > rank.free_blocks) return false;
  TakeFreeBlocks(rank, extra);
  s.blocks += extra;
  return true;
}

void Simulator::TakeFreeBlocks(Rank& rank, int64_t count) {
  rank.free_blocks -= count;
  used_blocks_ += count;
  while (count > 0) {
    FreeRun& run = rank.free_runs.front();
    const int64_t take = std::min(count, run.count);
    run.count -= take;
    count -= take;
    if (run.count == 0) {
      if (run.seq >= 0) seqs_[static_cast<std::size_t>(run.seq)].has_free_run = false;
      rank.free_runs.pop_front();
    }
  }
}

// Returns a request's blocks to the free queue; keep_cached (a preempted request, prefix caching
// on) remembers the run so the request can take its cached prefix back.
void Simulator::ReleaseBlocks(Rank& rank, int index, bool keep_cached) {
  Seq& s = seqs_[static_cast<std::size_t>(index)];
  if (s.blocks == 0) return;
  rank.free_blocks += s.blocks;
  used_blocks_ -= s.blocks;
  rank.free_runs.push_back({keep_cached ? index : -1, s.blocks});
  if (keep_cached) {
    s.has_free_run = true;
    s.free_run = std::prev(rank.free_runs.end());
    s.free_run_full_blocks =
        std::min(s.blocks, s.computed / engine_.block_size_tokens - s.shared_blocks);
  }
  s.blocks = 0;
}

// vLLM V1 recompute preemption: the newest running request not already in this step or in
// flight loses its KV blocks and goes back to the front of the queue. Returns it, or -1 when
// every running request is in the step or in flight.
int Simulator::PreemptNewest(Rank& rank) {
  for (auto it = rank.running.rbegin(); it != rank.running.rend(); ++it) {
    Seq& v = seqs_[static_cast<std::size_t>(*it)];
    if (v.in_flight || v.scheduled > 0) continue;
    const int victim = *it;
    ReleaseBlocks(rank, victim, engine_.prefix_caching);
    v.shared_blocks = 0;
    v.computed = 0;
    ++v.preemptions;
    ++result_->preemptions;
    rank.running.erase(std::next(it).base());
    rank.waiting.push_front(victim);
    --running_;
    ++waiting_;
    return victim;
  }
  return -1;
}

void Simulator::AddToBatch(int index, int64_t tokens, RankBatch* batch) {
  Seq& s = seqs_[static_cast<std::size_t>(index)];
  s.scheduled = tokens;
  s.in_flight = true;
  batch->seqs.push_back(index);
  const bool verify = s.speculating;
  AddSequence(model_, s.computed, tokens, verify ? static_cast<double>(tokens) : 1.0,
              &batch->target);
  if (spec_.method == SpeculativeMethod::kDraftModel) {
    const ModelSpec& draft = *spec_.draft_model;
    if (verify) {
      AddSequence(draft, s.computed, 1, 1.0, &batch->draft_first);
      AddSequence(draft, s.computed, 1, 1.0, &batch->draft_decode);
    } else {
      AddSequence(draft, s.computed, tokens, 1.0, &batch->draft_first);
    }
  }
}

// Schedules a running request's next tokens: its decode token (k + 1 with speculation) or the
// next chunk of its prompt. Preempts the newest requests when its blocks run out (may_preempt);
// returns false when it could not be scheduled because it was itself preempted or nothing could
// be freed.
bool Simulator::ScheduleRunning(Rank& rank, int index, int64_t budget, RankBatch* batch,
                                bool may_preempt, int64_t* tokens) {
  Seq& s = seqs_[static_cast<std::size_t>(index)];
  *tokens = 0;
  const bool decoding = s.Decoding();
  int64_t n = s.Total() - s.computed;
  s.speculating = false;
  if (decoding && spec_.method != SpeculativeMethod::kNone) {
    n = std::min<int64_t>(1 + spec_.num_tokens, budget);
    s.speculating = n > 1;
  } else if (!decoding) {
    if (engine_.chunked_prefill) {
      n = std::min(n, budget);
    } else if (n > budget && !(batch->seqs.empty() && budget == engine_.max_num_batched_tokens)) {
      return true;  // waits for a step with room for the whole prompt (or runs alone)
    }
  }
  if (n <= 0 || (decoding && n > budget)) return true;
  while (!Allocate(rank, s, s.computed + n)) {
    if (!may_preempt) return true;
    // The newest request goes first; when that is this one, it yields its own blocks.
    const int victim = PreemptNewest(rank);
    if (victim < 0 || victim == index) return false;
  }
  AddToBatch(index, n, batch);
  *tokens = n;
  return true;
}

// Admits the first waiting request (FCFS) if the seat limit, the token budget and the KV cache
// allow; false when it cannot.
bool Simulator::Admit(Rank& rank, int64_t* budget, RankBatch* batch) {
  if (rank.waiting.empty() || *budget <= 0 ||
      static_cast<int64_t>(rank.running.size()) >= engine_.max_num_seqs) {
    return false;
  }
  const int index = rank.waiting.front();
  Seq& s = seqs_[static_cast<std::size_t>(index)];
  // Prefix cache: the shared prefix's whole blocks are served from the cache (at least the last
  // prompt token is always computed, as vLLM does).
  // A preempted request also finds the blocks of its own KV that nobody took since.
  const int64_t bs = engine_.block_size_tokens;
  const int64_t most = (s.Total() - 1) / bs;  // whole blocks short of the last token
  const int64_t shared = s.shares_prefix ? std::min(prefix_blocks_, most) : 0;
  // A recurrent state cannot be resumed from part of a sequence: with per-request state blocks a
  // preempted request recomputes from its prompt (or the shared prefix).
  const int64_t reuse = s.has_free_run && state_blocks_ == 0
                            ? std::min({s.free_run->count, s.free_run_full_blocks, most - shared})
                            : 0;
  const int64_t cached = (shared + reuse) * bs;
  int64_t n = s.Total() - cached;
  if (engine_.chunked_prefill) {
    n = std::min(n, *budget);
  } else if (n > *budget && !(batch->seqs.empty() && *budget == engine_.max_num_batched_tokens)) {
    return false;  // a prompt longer than the budget runs alone
  }
  // Blocks beyond the reused ones: for this step's tokens, and (reserve_full_isl) for the whole
  // sequence; the reused blocks count as free until taken back.
  const int64_t lookahead =
      engine_.admission == KvAdmission::kReserveFull
          ? s.prompt + s.output + (spec_.method == SpeculativeMethod::kNone ? 0 : spec_.num_tokens)
          : (engine_.reserve_full_isl ? s.Total() : cached + n);
  const int64_t needed = BlocksFor(std::max(lookahead, cached + n)) - shared;
  if (needed > rank.free_blocks) return false;
  if (reuse > 0) {
    s.free_run->count -= reuse;
    rank.free_blocks -= reuse;
    used_blocks_ += reuse;
    s.blocks = reuse;
  }
  if (s.has_free_run) {
    s.free_run->seq = -1;  // what is left of the run is no longer this request's KV
    if (s.free_run->count == 0) rank.free_runs.erase(s.free_run);
    s.has_free_run = false;
  }
  s.computed = cached;
  s.shared_blocks = shared;
  const bool allocated = Allocate(rank, s, s.computed + n);
  RS_CHECK(allocated, "KV admission check and allocation disagree");
  rank.waiting.pop_front();
  rank.running.push_back(index);
  --waiting_;
  ++running_;
  if (s.preemptions == 0)
    result_->requests[static_cast<std::size_t>(index)].cached_prompt_tokens = cached;
  s.speculating = false;
  AddToBatch(index, n, batch);
  *budget -= n;
  return true;
}

// vLLM V1: running requests first (decode tokens and prompt chunks, in admission order,
// preempting the newest when KV blocks run out), then waiting requests while the token budget,
// max_num_seqs and the KV cache allow, unless this step preempted.
void Simulator::ScheduleDecodeFirst(Rank& rank, RankBatch* batch) {
  int64_t budget = engine_.max_num_batched_tokens;
  if (ScheduleRunningInOrder(rank, batch, &budget)) return;
  while (Admit(rank, &budget, batch)) {
  }
}

bool Simulator::ScheduleRunningInOrder(Rank& rank, RankBatch* batch, int64_t* budget) {
  const int64_t preemptions_before = result_->preemptions;
  for (std::size_t i = 0; i < rank.running.size() && *budget > 0; ++i) {
    const int index = rank.running[i];
    Seq& s = seqs_[static_cast<std::size_t>(index)];
    if (s.in_flight || s.scheduled > 0) continue;
    int64_t tokens = 0;
    const int64_t preemptions = result_->preemptions;
    if (!ScheduleRunning(rank, index, *budget, batch, true, &tokens)) break;
    *budget -= tokens;
    if (result_->preemptions != preemptions) {  // a victim before this one shifts the list
      i = static_cast<std::size_t>(std::find(rank.running.begin(), rank.running.end(), index) -
                                   rank.running.begin());
    }
  }
  return result_->preemptions != preemptions_before;
}

// Prefill-first (vLLM V0 without chunking, SGLang without mixed chunks): a step of prompt work
// (unfinished prompts first, then new requests) whenever there is any, else a decode step of
// every running request.
void Simulator::SchedulePrefillFirst(Rank& rank, RankBatch* batch) {
  int64_t budget = engine_.max_num_batched_tokens;
  for (std::size_t i = 0; i < rank.running.size() && budget > 0; ++i) {
    const int index = rank.running[i];
    Seq& s = seqs_[static_cast<std::size_t>(index)];
    if (s.in_flight || s.scheduled > 0 || s.Decoding()) continue;
    int64_t tokens = 0;
    ScheduleRunning(rank, index, budget, batch, false, &tokens);
    budget -= tokens;
  }
  while (Admit(rank, &budget, batch)) {
  }
  if (!batch->seqs.empty()) return;
  budget = engine_.max_num_batched_tokens;
  ScheduleRunningInOrder(rank, batch, &budget);
}

void Simulator::Schedule(Rank& rank, RankBatch* batch) {
  if (engine_.policy == StepPolicy::kDecodeFirst) {
    ScheduleDecodeFirst(rank, batch);
  } else {
    SchedulePrefillFirst(rank, batch);
  }
}

double Simulator::DraftTime(const BatchAggregates& agg) {
  if (agg.sequences == 0) return 0.0;
  Workload w = rank_workload_;
  w.parallel.expert = 1;
  CountOps(*spec_.draft_model, w, agg, &ops_);
  return PredictStepParts_s(ops_, rates_, params_.data()).stage_s;
}

PipelinedStepTime Simulator::TargetStepTime(const BatchAggregates& batch) {
  if (const PipelinedStepTime* known = memo_->Find(batch)) return *known;
  CountOps(model_, rank_workload_, batch, &ops_);
  const PipelinedStepTime parts = PredictPipelinedStep(ops_, rates_, params_);
  memo_->Insert(batch, parts);
  return parts;
}

void Simulator::ScheduleGroup(Group& g, double now_s) {
  // Batches are recycled so the per-step vectors keep their capacity.
  InFlight batch;
  if (!spare_.empty()) {
    batch = std::move(spare_.back());
    spare_.pop_back();
  }
  batch.ranks.resize(g.ranks.size());
  for (RankBatch& rb : batch.ranks) {
    rb.seqs.clear();
    rb.target = BatchAggregates{};
    rb.draft_first = BatchAggregates{};
    rb.draft_decode = BatchAggregates{};
  }
  int64_t group_tokens = 0;
  bool any = false;
  const int64_t preemptions_before = result_->preemptions;
  for (std::size_t i = 0; i < g.ranks.size(); ++i) {
    RankBatch& rb = batch.ranks[i];
    rb.target.phase = Phase::kDecode;
    Schedule(ranks_[static_cast<std::size_t>(g.ranks[i])], &rb);
    group_tokens += static_cast<int64_t>(rb.target.tokens);
    any = any || !rb.seqs.empty();
  }
  if (!any) {
    // Nothing to run until an arrival or a completion, unless this attempt preempted (the
    // preempted request is admitted again at once, into the blocks it freed).
    g.blocked = result_->preemptions == preemptions_before;
    spare_.push_back(std::move(batch));
    return;
  }
  // Step time: each rank's ops (with the MoE layers fed by the whole group when attention is
  // data-parallel), the slowest rank setting the pace of a lock-step group.
  double stage_s = 0.0, host_s = 0.0;
  for (RankBatch& rb : batch.ranks) {
    rb.target.moe_tokens = dp_attention_ ? static_cast<double>(group_tokens) : rb.target.tokens;
    rb.target.moe_allgather = engine_.ep_allgather;
    const PipelinedStepTime parts = TargetStepTime(rb.target);
    double rank_stage = parts.stage_s;
    if (spec_.method == SpeculativeMethod::kDraftModel && rb.draft_decode.sequences > 0) {
      rank_stage += DraftTime(rb.draft_first) +
                    static_cast<double>(spec_.num_tokens - 1) * DraftTime(rb.draft_decode);
    } else if (spec_.method == SpeculativeMethod::kDraftModel) {
      rank_stage += DraftTime(rb.draft_first);
    }
    stage_s = std::max(stage_s, rank_stage);
    host_s = std::max(host_s, parts.host_s);
  }
  // Pipeline: the host work, then stage after stage; a stage takes the batch when it is free.
  double t = std::max(now_s, g.stage_free_s.front()) + host_s + stage_s;
  g.stage_free_s.front() = t;
  for (std::size_t k = 1; k < g.stage_free_s.size(); ++k) {
    t = std::max(t, g.stage_free_s[k]) + stage_s;
    g.stage_free_s[k] = t;
  }
  batch.finish_s = t;
  result_->steps += static_cast<int64_t>(g.ranks.size());
  Sample(now_s, group_tokens);
  g.in_flight.push_back(std::move(batch));
}

void Simulator::Emit(Seq& s, int64_t tokens, double now_s) {
  if (s.generated == 0) {
    s.first_token_s = now_s;
  } else if (s.counted) {
    // Every sequence that decoded in the previous step sees the same gap: kept as runs.
    const double gap = (now_s - s.last_token_s) / static_cast<double>(tokens);
    if (!itl_runs_.empty() && itl_runs_.back().value == gap) {
      itl_runs_.back().count += tokens;
    } else {
      itl_runs_.push_back({gap, tokens});
    }
  }
  s.generated += tokens;
  s.last_token_s = now_s;
}

void Simulator::Finish(int index, double now_s) {
  Seq& s = seqs_[static_cast<std::size_t>(index)];
  Rank& rank = ranks_[static_cast<std::size_t>(s.rank)];
  ReleaseBlocks(rank, index, false);
  s.done = true;
  s.finish_s = now_s;
  --running_;
  AdvanceArea(now_s);
  --in_system_;
  ++completed_;
  RequestRecord& rec = result_->requests[static_cast<std::size_t>(index)];
  rec.arrival_s = s.arrival_s;
  rec.first_token_s = s.first_token_s;
  rec.finish_s = now_s;
  rec.output_tokens = s.generated;
  rec.preemptions = s.preemptions;
  rec.rank = s.rank;
  if (options_.stop_check && !stopped_) {
    std::string reason = options_.stop_check(rec);
    if (!reason.empty()) {
      stopped_ = true;
      result_->stopped_early = true;
      result_->stop_reason = std::move(reason);
    }
  }
  // Closed loop: the client sends its next request now.
  if (options_.closed_loop_concurrency > 0 && issued_ < static_cast<int64_t>(seqs_.size())) {
    Arrive(static_cast<int>(issued_++), now_s);
  }
}

void Simulator::Complete(Group& g, InFlight& batch) {
  const double now_s = batch.finish_s;
  for (std::size_t i = 0; i < batch.ranks.size(); ++i) {
    Rank& rank = ranks_[static_cast<std::size_t>(g.ranks[i])];
    bool finished_any = false;
    for (int index : batch.ranks[i].seqs) {
      Seq& s = seqs_[static_cast<std::size_t>(index)];
      s.in_flight = false;
      const int64_t n = s.scheduled;
      s.scheduled = 0;
      int64_t emitted = 0;
      if (s.speculating) {
        // Accepted drafts: a run of successes with probability a each, at most k.
        const int64_t k = n - 1;
        int64_t accepted = 0;
        if (spec_.acceptance_rate > 0) {
          std::geometric_distribution<int64_t> rejections(1.0 - spec_.acceptance_rate);
          accepted = std::min<int64_t>(rejections(rng_), k);
        }
        ++result_->spec_verify_steps;
        result_->spec_tokens_drawn += accepted + 1;
        emitted = std::min<int64_t>(accepted + 1, s.output - s.generated);
        s.computed += emitted;
        s.speculating = false;
      } else {
        s.computed += n;
        if (s.computed == s.Total()) emitted = 1;
      }
      if (emitted > 0) {
        Emit(s, emitted, now_s);
        if (s.generated >= s.output) {
          Finish(index, now_s);
          finished_any = true;
        }
      }
    }
    if (finished_any) {
      rank.running.erase(
          std::remove_if(rank.running.begin(), rank.running.end(),
                         [&](int index) { return seqs_[static_cast<std::size_t>(index)].done; }),
          rank.running.end());
    }
  }
  g.blocked = false;
}

void Simulator::ProcessGroup(Group& g, double now_s) {
  while (!g.in_flight.empty() && g.in_flight.front().finish_s <= now_s) {
    InFlight done = std::move(g.in_flight.front());
    g.in_flight.pop_front();
    Complete(g, done);
    spare_.push_back(std::move(done));
  }
  if (!g.blocked && g.in_flight.size() < g.stage_free_s.size() && g.stage_free_s.front() <= now_s &&
      HasSchedulableWork(g)) {
    ScheduleGroup(g, now_s);
  }
}

void Simulator::Sample(double now_s, int64_t step_tokens) {
  if (options_.timeseries_interval_s > 0 &&
      now_s - last_sample_s_ < options_.timeseries_interval_s) {
    return;
  }
  last_sample_s_ = now_s;
  TimeSample sample;
  sample.time_s = now_s;
  sample.running = running_;
  sample.waiting = waiting_;
  sample.kv_used_fraction =
      total_blocks_ > 0 ? static_cast<double>(used_blocks_) / static_cast<double>(total_blocks_)
                        : 0.0;
  sample.step_tokens = step_tokens;
  result_->timeseries.push_back(sample);
}

ServingSimResult Simulator::Run(const HardwareSpec& hw) {
  ServingSimResult result;
  result_ = &result;
  result.max_num_seqs = engine_.max_num_seqs;
  result.max_num_batched_tokens = engine_.max_num_batched_tokens;
  if (!Prepare(hw, &result)) return result;
  const std::size_t n = requests_.size();
  seqs_.resize(n);
  result.requests.resize(n);
  int64_t total_output = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const ServeRequest& r = requests_[i];
    Seq& s = seqs_[i];
    s.prompt = r.prompt_tokens;
    s.output = r.output_tokens;
    s.shares_prefix = r.shares_prefix && engine_.prefix_caching;
    s.counted = static_cast<int64_t>(i) >= options_.warmup_requests;
    RequestRecord& rec = result.requests[i];
    rec.index = static_cast<int64_t>(i);
    rec.prompt_tokens = r.prompt_tokens;
    total_output += r.output_tokens;
  }
  const bool closed = options_.closed_loop_concurrency > 0;
  std::size_t next_arrival = 0;
  if (closed) {
    const int64_t first =
        std::min<int64_t>(options_.closed_loop_concurrency, static_cast<int64_t>(n));
    for (issued_ = 0; issued_ < first; ++issued_) Arrive(static_cast<int>(issued_), 0.0);
    next_arrival = n;
  }
  result.start_s = closed || n == 0 ? 0.0 : requests_.front().arrival_s;
  area_clock_s_ = result.start_s;
  while (completed_ < static_cast<int64_t>(n) && !stopped_) {
    const double arrival_s = next_arrival < n ? requests_[next_arrival].arrival_s : kNever;
    double group_s = kNever;
    Group* next_group = nullptr;
    for (Group& g : groups_) {
      const double t = NextGroupEvent(g);
      if (t < group_s) {
        group_s = t;
        next_group = &g;
      }
    }
    if (arrival_s <= group_s) {
      RS_CHECK(arrival_s < kNever, "serving simulation stalled with requests unfinished");
      clock_s_ = std::max(clock_s_, arrival_s);
      Arrive(static_cast<int>(next_arrival++), arrival_s);
      continue;
    }
    clock_s_ = std::max(clock_s_, group_s);
    ProcessGroup(*next_group, clock_s_);
  }
  result.end_s = clock_s_;
  for (const Seq& s : seqs_) result.end_s = std::max(result.end_s, s.finish_s);
  result.feasible = true;

  // Statistics over the finished requests (all of them unless stopped early), latencies without
  // the warm-up ones.
  std::vector<double> ttft, tpot, e2e;
  ttft.reserve(n);
  e2e.reserve(n);
  double prompt_tokens = 0;
  double output_tokens = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!seqs_[i].done) continue;
    const RequestRecord& rec = result.requests[i];
    prompt_tokens += static_cast<double>(rec.prompt_tokens);
    output_tokens += static_cast<double>(rec.output_tokens);
    if (!seqs_[i].counted) continue;
    ttft.push_back(rec.TtftS());
    e2e.push_back(rec.E2eS());
    if (rec.output_tokens >= 2) tpot.push_back(rec.TpotS());
  }
  if (!stopped_) RS_CHECK(output_tokens == static_cast<double>(total_output), "output tokens lost");
  result.ttft = Summarise(ttft);
  result.tpot = Summarise(tpot);
  result.e2e = Summarise(e2e);
  result.itl = Summarise(std::move(itl_runs_));
  const double span = result.end_s - result.start_s;
  if (span > 0) {
    result.requests_per_s = static_cast<double>(completed_) / span;
    result.input_tokens_per_s = prompt_tokens / span;
    result.output_tokens_per_s = output_tokens / span;
    result.mean_in_system = area_ / span;
  }
  if (!closed && !stopped_) DetectOverload(&result);
  return result;
}

void CheckRequests(const ModelSpec& model, const std::vector<ServeRequest>& requests,
                   const SimulationOptions& options) {
  auto where = [&](const ServeRequest& r, const char* key) {
    return SourceLocation{options.source_file, r.source_line, key};
  };
  const bool open = options.closed_loop_concurrency == 0;
  double previous_s = 0.0;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const ServeRequest& r = requests[i];
    const std::string which = r.source_line > 0 ? "" : fmt::format("request {}: ", i);
    if (open) {
      if (!(r.arrival_s >= 0) || !std::isfinite(r.arrival_s)) {
        throw InputError(
            where(r, "arrival_s"),
            fmt::format("{}arrival time must be a finite number >= 0, got {}", which, r.arrival_s));
      }
      if (r.arrival_s < previous_s) {
        throw InputError(where(r, "arrival_s"),
                         fmt::format("{}arrival times must not decrease: {} s after {} s", which,
                                     r.arrival_s, previous_s));
      }
      previous_s = r.arrival_s;
    }
    if (r.prompt_tokens < 1) {
      throw InputError(
          where(r, "prompt_tokens"),
          fmt::format("{}prompt must have >= 1 token, got {}", which, r.prompt_tokens));
    }
    if (r.output_tokens < 1) {
      throw InputError(
          where(r, "output_tokens"),
          fmt::format("{}output must have >= 1 token, got {}", which, r.output_tokens));
    }
    if (model.max_context_tokens > 0 &&
        r.prompt_tokens + r.output_tokens > model.max_context_tokens) {
      throw InputError(
          where(r, "prompt_tokens"),
          fmt::format("{}{} prompt + {} output tokens exceed {}'s context of {} tokens", which,
                      r.prompt_tokens, r.output_tokens, model.id, model.max_context_tokens));
    }
  }
}

}  // namespace

double RequestRecord::TpotS() const {
  if (output_tokens < 2) return 0.0;
  return (finish_s - first_token_s) / static_cast<double>(output_tokens - 1);
}

StepTimeMemo::Key StepTimeMemo::KeyOf(const BatchAggregates& b) {
  return {static_cast<double>(b.phase),
          b.sequences,
          b.tokens,
          b.logit_tokens,
          b.attended_pairs_full,
          b.attended_pairs_sliding,
          b.kv_tokens_full,
          b.kv_tokens_sliding,
          b.moe_tokens,
          b.moe_allgather ? 1.0 : 0.0};
}

std::size_t StepTimeMemo::KeyHash::operator()(const Key& key) const {
  // The values' bit patterns, combined and finished with SplitMix64's mixer (Steele et al. 2014).
  std::uint64_t h = 0;
  for (double v : key) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    h = (h ^ bits) * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 32;
  }
  h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
  h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
  return static_cast<std::size_t>(h ^ (h >> 31));
}

const PipelinedStepTime* StepTimeMemo::Find(const BatchAggregates& batch) const {
  const auto it = times_.find(KeyOf(batch));
  return it == times_.end() ? nullptr : &it->second;
}

void StepTimeMemo::Insert(const BatchAggregates& batch, const PipelinedStepTime& time) {
  if (times_.size() < kMaxEntries) times_.emplace(KeyOf(batch), time);
}

LatencyStats Summarise(std::vector<ValueRun> runs_s) {
  LatencyStats s;
  double sum = 0;
  for (const ValueRun& r : runs_s) {
    s.count += r.count;
    sum += r.value * static_cast<double>(r.count);
  }
  if (s.count == 0) {
    s.mean_s = s.p50_s = s.p90_s = s.p99_s = std::nan("");
    return s;
  }
  s.mean_s = sum / static_cast<double>(s.count);
  const std::vector<double> q = Quantiles(std::move(runs_s), {0.5, 0.9, 0.99});
  s.p50_s = q[0];
  s.p90_s = q[1];
  s.p99_s = q[2];
  return s;
}

LatencyStats Summarise(const std::vector<double>& values_s) {
  std::vector<ValueRun> runs;
  runs.reserve(values_s.size());
  for (double v : values_s) runs.push_back({v, 1});
  return Summarise(std::move(runs));
}

std::string ToString(SpeculativeMethod method) {
  switch (method) {
    case SpeculativeMethod::kNone:
      return "none";
    case SpeculativeMethod::kNgram:
      return "ngram";
    case SpeculativeMethod::kDraftModel:
      return "draft";
  }
  return "?";
}

SpeculativeMethod ParseSpeculativeMethod(const std::string& text, const std::string& key) {
  for (SpeculativeMethod m :
       {SpeculativeMethod::kNone, SpeculativeMethod::kNgram, SpeculativeMethod::kDraftModel}) {
    if (ToLower(Trim(text)) == ToString(m)) return m;
  }
  throw InputError({"", 0, key},
                   "unknown speculative method '" + text + "' (valid: none, ngram, draft)");
}

EfficiencyParams WithEngineOverheads(EfficiencyParams params, const EngineConfig& engine) {
  params[EfficiencyParams::kStepOverhead_s] = engine.step_overhead_s;
  params[EfficiencyParams::kSequenceOverhead_s] = engine.sequence_overhead_s;
  return params;
}

ServingSimResult SimulateRequests(const ModelSpec& model, const HardwareSpec& hardware,
                                  const Workload& layout, const EngineConfig& engine,
                                  const SpeculativeConfig& speculative,
                                  const std::vector<ServeRequest>& requests,
                                  const EfficiencyParams& params,
                                  const SimulationOptions& options) {
  std::string why;
  if (!Validate(engine, &why)) throw InputError({"", 0, "engine"}, why);
  if (!Validate(params, &why)) throw InputError({"", 0, "params"}, why);
  Workload check = layout;
  check.batch = 1;
  check.prompt_tokens = 1;
  check.gen_tokens = 0;
  if (!Validate(check, &why)) throw InputError({"", 0, "layout"}, why);
  const Parallelism& p = layout.parallel;
  if (p.expert > 1 && p.data > 1 && p.expert != p.data) {
    throw InputError({"", 0, "layout"},
                     fmt::format("data-parallel attention with expert parallelism needs ep == dp "
                                 "(the dp ranks are the expert-parallel group), got ep={} dp={}",
                                 p.expert, p.data));
  }
  if (speculative.method != SpeculativeMethod::kNone) {
    if (speculative.num_tokens < 1)
      throw InputError({"", 0, "speculative.num_tokens"}, "must be >= 1");
    if (!(speculative.acceptance_rate >= 0 && speculative.acceptance_rate < 1)) {
      throw InputError({"", 0, "speculative.acceptance_rate"}, "must be in [0, 1)");
    }
    if (speculative.method == SpeculativeMethod::kDraftModel &&
        speculative.draft_model == nullptr) {
      throw InputError({"", 0, "speculative.draft_model"}, "a draft model is required");
    }
  }
  if (options.shared_prefix_tokens < 0) {
    throw InputError({"", 0, "shared_prefix_tokens"}, "must be >= 0");
  }
  CheckRequests(model, requests, options);
  Simulator sim(model, hardware, layout, engine, speculative, requests, params, options);
  return sim.Run(hardware);
}

ServingSimResult SimulateServing(const ModelSpec& model, const HardwareSpec& hardware,
                                 const Workload& layout, const EngineConfig& engine,
                                 const SpeculativeConfig& speculative, const ServeTraffic& traffic,
                                 const EfficiencyParams& params, uint64_t seed,
                                 SimulationOptions options) {
  if (traffic.arrival == ArrivalKind::kTrace) {
    throw InputError(
        {"", 0, "traffic.arrival"},
        "trace traffic: read the trace with ReadRequestTrace and call SimulateRequests");
  }
  const std::vector<ServeRequest> requests = GenerateRequests(traffic, seed);
  options.seed = seed;
  options.closed_loop_concurrency =
      traffic.arrival == ArrivalKind::kClosedLoop ? traffic.concurrency : 0;
  options.shared_prefix_tokens = traffic.shared_prefix_tokens;
  return SimulateRequests(model, hardware, layout, engine, speculative, requests, params, options);
}

void DetectOverload(ServingSimResult* result) {
  const std::vector<RequestRecord>& recs = result->requests;
  if (recs.size() < 20) return;
  const double first_s = recs.front().arrival_s;
  const double last_s = recs.back().arrival_s;
  if (!(last_s > first_s)) return;  // offline: every request at once, no arrival rate
  const double mid_s = 0.5 * (first_s + last_s);
  int64_t arrived_mid = 0, arrived_last = 0, done_mid = 0, done_last = 0;
  for (const RequestRecord& r : recs) {
    if (r.arrival_s <= mid_s) ++arrived_mid;
    if (r.arrival_s <= last_s) ++arrived_last;
    if (r.finish_s <= mid_s) ++done_mid;
    if (r.finish_s <= last_s) ++done_last;
  }
  const double arrivals = static_cast<double>(arrived_last - arrived_mid);
  const double completions = static_cast<double>(done_last - done_mid);
  const double margin = std::max(0.05 * arrivals, 3.0 * std::sqrt(std::max(arrivals, 1.0)));
  const int64_t in_system_mid = arrived_mid - done_mid;
  const int64_t in_system_last = arrived_last - done_last;
  if (completions < arrivals - margin && in_system_last > in_system_mid) {
    const double half_s = last_s - mid_s;
    result->overloaded = true;
    result->overload_reason = fmt::format(
        "queue grows without bound: over the second half of the arrivals ({:.1f} s) requests "
        "completed at {:.3g}/s while they arrived at {:.3g}/s, and the requests in the system "
        "rose from {} to {}",
        half_s, completions / half_s, arrivals / half_s, in_system_mid, in_system_last);
  }
}

}  // namespace rightsize
