// The serving simulator against queueing theory (Little's law, Pollaczek-Khinchine), hand-computed
// step-time bounds, the speculative-decoding expectation (Leviathan et al. 2023) and the
// scheduling effects engines are built for (chunked prefill, pipeline overlap, data parallelism,
// preemption, prefix caching).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "sim/cost/latency.h"
#include "sim/cost/memory.h"
#include "sim/cost/op_count.h"
#include "sim/serve/simulator.h"
#include "tests/serve/serve_test_util.h"

using namespace rightsize;
using namespace rightsize::testing;

namespace {

EfficiencyParams Params(const EngineConfig& e) {
  return WithEngineOverheads(EfficiencyParams::Defaults(), e);
}

ServingSimResult Run(const std::string& model, const std::string& hw, const Workload& layout,
                     const EngineConfig& engine, const std::vector<ServeRequest>& requests,
                     SimulationOptions options = {}, SpeculativeConfig spec = {}) {
  return SimulateRequests(Model(model), Hardware(hw), layout, engine, spec, requests,
                          Params(engine), options);
}

std::vector<ServeRequest> Poisson(int n, double rate, int64_t prompt, int64_t output,
                                  uint64_t seed) {
  ServeTraffic t;
  t.arrival = ArrivalKind::kPoisson;
  t.requests_per_s = rate;
  t.num_requests = n;
  t.prompt.value = prompt;
  t.output.value = output;
  return GenerateRequests(t, seed);
}

}  // namespace

TEST_CASE("a mixed batch of identical sequences is priced exactly as the uniform step") {
  // The aggregates path the simulator uses and the Step path every phase estimate uses are the
  // same op formulas: equal sequences must give equal op lists (dense, sliding-window, MoE).
  for (const char* id : {"llama-3.1-8b", "gemma-2-9b", "mixtral-8x7b", "qwen3.5-9b"}) {
    INFO(id);
    const ModelSpec& m = Model(id);
    Workload w;
    w.batch = 5;
    for (const auto& [past, fresh] : {std::pair<int64_t, int64_t>{0, 700}, {6000, 1}, {300, 64}}) {
      const Step step{fresh == 1 ? Phase::kDecode : Phase::kPrefill, w.batch, fresh, past};
      BatchAggregates agg;
      agg.phase = step.phase;
      for (int i = 0; i < w.batch; ++i) AddSequence(m, past, fresh, 1.0, &agg);
      agg.moe_tokens = agg.tokens;
      const std::vector<OpCost> a = CountOps(m, w, step);
      const std::vector<OpCost> b = CountOps(m, w, agg);
      REQUIRE(a.size() == b.size());
      for (std::size_t i = 0; i < a.size(); ++i) {
        INFO(a[i].name);
        CHECK(b[i].flops == Approx(a[i].flops).epsilon(1e-12));
        CHECK(b[i].bytes_read == Approx(a[i].bytes_read).epsilon(1e-12));
        CHECK(b[i].bytes_written == Approx(a[i].bytes_written).epsilon(1e-12));
        CHECK(b[i].launches == a[i].launches);
      }
    }
  }
}

TEST_CASE("offline throughput of a small case equals the hand-computed step-time bound") {
  // 8 requests at t = 0 within one step's budget: one prefill step of all 8 prompts, then 31
  // decode steps of the batch at growing context; the run lasts their sum.
  const ModelSpec& m = Model("llama-3.1-8b");
  const HardwareSpec& hw = Hardware("h100-sxm5-80gb");
  EngineConfig e = VllmOn("h100-sxm5-80gb");
  const int n = 8;
  const int64_t prompt = 512, output = 32;
  Workload w;
  w.batch = n;
  w.prompt_tokens = prompt;
  w.gen_tokens = output;
  const EfficiencyParams p = Params(e);
  const DeviceRates rates = ResolveRates(hw, w);
  double total_s = PredictStepTime_s(CountOps(m, w, PrefillStep(w)), rates, p.data());
  for (int64_t i = 1; i < output; ++i) {
    total_s += PredictStepTime_s(CountOps(m, w, DecodeStep(w, prompt + i - 1)), rates, p.data());
  }
  const ServingSimResult r =
      Run("llama-3.1-8b", "h100-sxm5-80gb", Workload{}, e, Fixed(n, prompt, output));
  REQUIRE(r.feasible);
  CHECK(r.steps == output);
  CHECK(r.end_s == Approx(total_s).epsilon(1e-9));
  CHECK(r.output_tokens_per_s == Approx(n * output / total_s).epsilon(1e-9));
  // Every request got its first token at the end of the prefill step.
  const double prefill_s = PredictStepTime_s(CountOps(m, w, PrefillStep(w)), rates, p.data());
  for (const RequestRecord& rec : r.requests)
    CHECK(rec.first_token_s == Approx(prefill_s).epsilon(1e-9));
}

TEST_CASE("batch 1 without chunking reproduces the M/D/1 mean wait (Pollaczek-Khinchine)") {
  // max_num_seqs 1: one request in service at a time, each taking the same deterministic time S
  // (its prefill and its decode steps); Poisson arrivals at rho = 0.5. PK: W_q = rho S / (2 (1 -
  // rho)). The wait is TTFT less the prefill step.
  const ModelSpec& m = Model("llama-3.2-1b");
  const HardwareSpec& hw = Hardware("a100-sxm4-80gb");
  EngineConfig e = VllmOn("a100-sxm4-80gb");
  e.max_num_seqs = 1;
  e.chunked_prefill = false;
  const int64_t prompt = 256, output = 4;
  Workload w;
  w.prompt_tokens = prompt;
  w.gen_tokens = output;
  const EfficiencyParams p = Params(e);
  const DeviceRates rates = ResolveRates(hw, w);
  const double prefill_s = PredictStepTime_s(CountOps(m, w, PrefillStep(w)), rates, p.data());
  double service_s = prefill_s;
  for (int64_t i = 1; i < output; ++i) {
    service_s += PredictStepTime_s(CountOps(m, w, DecodeStep(w, prompt + i - 1)), rates, p.data());
  }
  const double rho = 0.5;
  const ServingSimResult r = Run("llama-3.2-1b", "a100-sxm4-80gb", Workload{}, e,
                                 Poisson(40000, rho / service_s, prompt, output, 7));
  REQUIRE(r.feasible);
  double wait = 0;
  for (const RequestRecord& rec : r.requests) wait += rec.TtftS() - prefill_s;
  wait /= static_cast<double>(r.requests.size());
  const double pk = rho * service_s / (2 * (1 - rho));
  // Tolerance: the sampling error of a 40,000-request mean of M/D/1 waits at rho = 0.5 (about
  // 2% one sigma with the waits' autocorrelation).
  CHECK(wait == Approx(pk).epsilon(0.05));
  // And the service time is the deterministic S: E2E - TTFT + prefill = S for every request.
  for (std::size_t i = 0; i < 100; ++i) {
    const RequestRecord& rec = r.requests[i];
    CHECK(rec.finish_s - rec.first_token_s + prefill_s == Approx(service_s).epsilon(1e-9));
  }
}

TEST_CASE("Little's law holds in a long run: mean in system = rate x mean E2E within 2%") {
  const double rate = 25.0;
  const ServingSimResult r = Run("llama-3.2-1b", "a100-sxm4-80gb", Workload{},
                                 VllmOn("a100-sxm4-80gb"), Poisson(20000, rate, 300, 256, 11));
  REQUIRE(r.feasible);
  REQUIRE_FALSE(r.overloaded);
  CHECK(r.mean_in_system == Approx(rate * r.e2e.mean_s).epsilon(0.02));
  CHECK(r.mean_in_system > 5.0);  // a loaded system, not an empty one
}

TEST_CASE("every request finishes with exactly its output tokens, preempted ones included") {
  // A KV cache of 400 blocks (6,400 tokens) for 64 requests of 500 + 500 tokens: the engine must
  // preempt, and the preempted requests re-prefill and still produce every token.
  EngineConfig e = VllmOn("h100-sxm5-80gb");
  e.kv_cache_blocks = 400;
  std::vector<ServeRequest> requests = Fixed(64, 500, 500);
  for (std::size_t i = 0; i < requests.size(); ++i)
    requests[i].output_tokens = 300 + 7 * static_cast<int64_t>(i);
  const ServingSimResult r = Run("llama-3.1-8b", "h100-sxm5-80gb", Workload{}, e, requests);
  REQUIRE(r.feasible);
  CHECK(r.preemptions > 0);
  int64_t preempted = 0;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const RequestRecord& rec = r.requests[i];
    CHECK(rec.output_tokens == requests[i].output_tokens);
    CHECK(rec.finish_s > rec.first_token_s);
    CHECK(rec.first_token_s > rec.arrival_s);
    preempted += rec.preemptions;
  }
  CHECK(preempted == r.preemptions);
  for (const TimeSample& t : r.timeseries) {
    CHECK(t.kv_used_fraction <= 1.0);
    CHECK(t.running <= e.max_num_seqs);
  }
}

TEST_CASE("simulated speculative decoding yields (1 - a^(k+1)) / (1 - a) tokens per step") {
  SpeculativeConfig spec;
  spec.method = SpeculativeMethod::kNgram;
  spec.num_tokens = 4;
  spec.acceptance_rate = 0.7;
  const double expected = (1 - std::pow(0.7, 5)) / (1 - 0.7);
  const ServingSimResult r = Run("llama-3.1-8b", "h100-sxm5-80gb", Workload{},
                                 VllmOn("h100-sxm5-80gb"), Fixed(8, 200, 4000), {}, spec);
  REQUIRE(r.feasible);
  REQUIRE(r.spec_verify_steps > 10000);
  const double per_step =
      static_cast<double>(r.spec_tokens_drawn) / static_cast<double>(r.spec_verify_steps);
  CHECK(per_step == Approx(expected).epsilon(0.015));
  for (const RequestRecord& rec : r.requests) CHECK(rec.output_tokens == 4000);
  // Fewer, dearer steps: the n-gram proposer costs nothing, so TPOT falls; a draft model costs
  // its k decode steps, so the same acceptance saves less.
  const ServingSimResult plain = Run("llama-3.1-8b", "h100-sxm5-80gb", Workload{},
                                     VllmOn("h100-sxm5-80gb"), Fixed(8, 200, 4000));
  CHECK(r.tpot.mean_s < 0.6 * plain.tpot.mean_s);
  spec.method = SpeculativeMethod::kDraftModel;
  spec.draft_model = &Model("llama-3.2-1b");
  const ServingSimResult drafted = Run("llama-3.1-8b", "h100-sxm5-80gb", Workload{},
                                       VllmOn("h100-sxm5-80gb"), Fixed(8, 200, 4000), {}, spec);
  CHECK(drafted.tpot.mean_s > r.tpot.mean_s);
}

TEST_CASE("chunked prefill lowers p99 ITL against prefill-first on a mixed workload") {
  // Long prompts arrive while others decode: a prefill-first engine stalls every decode for a
  // whole prompt; a decode-first engine with a 512-token budget adds at most a chunk per step.
  ServeTraffic t;
  t.arrival = ArrivalKind::kPoisson;
  t.requests_per_s = 2.0;
  t.num_requests = 400;
  t.prompt = ParseLengthDistribution("lognormal:3000:0.5:200:8000", "prompt");
  t.output = ParseLengthDistribution("uniform:100:300", "output");
  const std::vector<ServeRequest> requests = GenerateRequests(t, 3);
  EngineConfig chunked = VllmOn("h100-sxm5-80gb");
  chunked.max_num_batched_tokens = 512;
  EngineConfig prefill_first = VllmOn("h100-sxm5-80gb");
  prefill_first.policy = StepPolicy::kPrefillFirst;
  prefill_first.chunked_prefill = false;
  prefill_first.max_num_batched_tokens = 16384;
  const ServingSimResult a = Run("llama-3.1-8b", "h100-sxm5-80gb", Workload{}, chunked, requests);
  const ServingSimResult b =
      Run("llama-3.1-8b", "h100-sxm5-80gb", Workload{}, prefill_first, requests);
  REQUIRE(a.feasible);
  REQUIRE(b.feasible);
  CHECK(a.itl.p99_s < 0.7 * b.itl.p99_s);
}

TEST_CASE("a seed makes runs identical, another seed changes them") {
  ServeTraffic t;
  t.arrival = ArrivalKind::kGamma;
  t.requests_per_s = 3;
  t.cv = 2.5;
  t.num_requests = 300;
  t.prompt = ParseLengthDistribution("lognormal:800:0.6", "prompt");
  t.output = ParseLengthDistribution("uniform:50:400", "output");
  SpeculativeConfig spec;
  spec.method = SpeculativeMethod::kNgram;
  spec.num_tokens = 3;
  spec.acceptance_rate = 0.6;
  auto run = [&](uint64_t seed) {
    SimulationOptions o;
    o.seed = seed;
    return SimulateServing(Model("llama-3.1-8b"), Hardware("l40s"), Workload{}, VllmOn("l40s"),
                           spec, t, EfficiencyParams::Defaults(), seed, o);
  };
  const ServingSimResult a = run(5), b = run(5), c = run(6);
  REQUIRE(a.requests.size() == b.requests.size());
  for (std::size_t i = 0; i < a.requests.size(); ++i) {
    CHECK(a.requests[i].arrival_s == b.requests[i].arrival_s);
    CHECK(a.requests[i].finish_s == b.requests[i].finish_s);
    CHECK(a.requests[i].first_token_s == b.requests[i].first_token_s);
  }
  CHECK(a.itl.p99_s == b.itl.p99_s);
  CHECK(a.e2e.mean_s != c.e2e.mean_s);
}

TEST_CASE("pipeline parallelism 1 -> 2 -> 4 raises offline throughput of a 70B layout") {
  // Llama-3.1-70B in fp8 fits one H200; pp stages overlap micro-batches, so the replica's
  // throughput rises with the stage count (and the KV cache grows with the devices).
  double previous = 0;
  for (int pp : {1, 2, 4}) {
    INFO("pp " << pp);
    Workload layout;
    layout.weights = Precision::kFp8;
    layout.parallel.pipeline = pp;
    const ServingSimResult r = Run("llama-3.1-70b", "h200-sxm-141gb", layout,
                                   VllmOn("h200-sxm-141gb"), Fixed(1500, 1000, 256));
    REQUIRE(r.feasible);
    CHECK(r.output_tokens_per_s > 1.3 * previous);
    previous = r.output_tokens_per_s;
  }
}

TEST_CASE("data-parallel replicas behind a router split the load") {
  const std::vector<ServeRequest> requests = Poisson(2000, 30, 500, 128, 2);
  Workload one;
  Workload two;
  two.parallel.data = 2;
  for (RouterPolicy router : {RouterPolicy::kRoundRobin, RouterPolicy::kLeastLoaded}) {
    INFO(ToString(router));
    EngineConfig e = VllmOn("l40s");
    e.router = router;
    const ServingSimResult r1 = Run("llama-3.1-8b", "l40s", one, e, requests);
    const ServingSimResult r2 = Run("llama-3.1-8b", "l40s", two, e, requests);
    REQUIRE(r2.feasible);
    int per_rank[2] = {0, 0};
    for (const RequestRecord& rec : r2.requests) ++per_rank[rec.rank];
    CHECK(std::abs(per_rank[0] - per_rank[1]) < 100);
    CHECK(r2.e2e.mean_s < r1.e2e.mean_s);
  }
}

TEST_CASE(
    "expert parallelism with data-parallel attention: ranks step together, ep must equal dp") {
  Workload layout;
  layout.parallel.data = 2;
  layout.parallel.expert = 2;
  const ServingSimResult r = Run("qwen3-30b-a3b", "h100-sxm5-80gb", layout,
                                 VllmOn("h100-sxm5-80gb"), Poisson(600, 20, 800, 200, 4));
  REQUIRE(r.feasible);
  int per_rank[2] = {0, 0};
  for (const RequestRecord& rec : r.requests) ++per_rank[rec.rank];
  CHECK(per_rank[0] > 200);
  CHECK(per_rank[1] > 200);
  layout.parallel.expert = 4;
  CHECK_THROWS_AS(
      Run("qwen3-30b-a3b", "h100-sxm5-80gb", layout, VllmOn("h100-sxm5-80gb"), Fixed(4, 10, 10)),
      InputError);
}

TEST_CASE("prefix caching serves a shared prefix from the cache and lowers TTFT") {
  std::vector<ServeRequest> requests = Poisson(500, 4, 2048, 64, 9);
  for (ServeRequest& r : requests) r.shares_prefix = true;
  SimulationOptions o;
  o.shared_prefix_tokens = 1000;
  EngineConfig cached = VllmOn("l40s");
  cached.prefix_caching = true;
  const ServingSimResult with = Run("llama-3.1-8b", "l40s", Workload{}, cached, requests, o);
  const ServingSimResult without =
      Run("llama-3.1-8b", "l40s", Workload{}, VllmOn("l40s"), requests, o);
  REQUIRE(with.feasible);
  for (const RequestRecord& rec : with.requests)
    CHECK(rec.cached_prompt_tokens == 992);  // 62 blocks of 16
  CHECK(with.ttft.mean_s < 0.7 * without.ttft.mean_s);
}

TEST_CASE("an overloaded run says the queue grows without bound, and a light one does not") {
  const ServingSimResult light =
      Run("llama-3.1-8b", "l40s", Workload{}, VllmOn("l40s"), Poisson(1500, 2, 500, 100, 1));
  CHECK_FALSE(light.overloaded);
  const ServingSimResult heavy =
      Run("llama-3.1-8b", "l40s", Workload{}, VllmOn("l40s"), Poisson(1500, 200, 500, 100, 1));
  CHECK(heavy.overloaded);
  CHECK_THAT(heavy.overload_reason, Catch::Matchers::Contains("queue grows without bound"));
}

TEST_CASE("closed-loop clients keep exactly N requests in the system") {
  SimulationOptions o;
  o.closed_loop_concurrency = 16;
  const ServingSimResult r =
      Run("llama-3.1-8b", "l40s", Workload{}, VllmOn("l40s"), Fixed(400, 300, 100), o);
  REQUIRE(r.feasible);
  CHECK(r.mean_in_system == Approx(16).epsilon(0.02));
  for (const TimeSample& t : r.timeseries) CHECK(t.running + t.waiting <= 16);
}

TEST_CASE(
    "a layout that does not fit, or a request longer than the KV cache, is an infeasible answer") {
  const ServingSimResult big =
      Run("llama-3.1-70b", "l4", Workload{}, VllmOn("l4"), Fixed(2, 100, 10));
  CHECK_FALSE(big.feasible);
  CHECK_FALSE(big.reason.empty());
  EngineConfig tiny = VllmOn("h100-sxm5-80gb");
  tiny.kv_cache_blocks = 10;
  const ServingSimResult long_request =
      Run("llama-3.1-8b", "h100-sxm5-80gb", Workload{}, tiny, Fixed(2, 1000, 10));
  CHECK_FALSE(long_request.feasible);
  CHECK_THAT(long_request.reason, Catch::Matchers::Contains("KV blocks"));
}

TEST_CASE("the per-stage time composes back into the forward model's step time") {
  // Inference step = pipeline x stage + host work (PredictStepTime_s); the simulator pipelines
  // batches on the stage time and pays the host work once per batch.
  const ModelSpec& m = Model("llama-3.1-70b");
  for (int pp : {1, 2, 4}) {
    Workload w;
    w.batch = 32;
    w.parallel.pipeline = pp;
    const DeviceRates rates = ResolveRates(Hardware("h100-sxm5-80gb"), w);
    const EfficiencyParams p = EfficiencyParams::Defaults();
    const std::vector<OpCost> ops = CountOps(m, w, DecodeStep(w, 2000));
    const PipelinedStepTime t = PredictPipelinedStep(ops, rates, p);
    CHECK(pp * t.stage_s + t.host_s ==
          Approx(PredictStepTime_s(ops, rates, p.data())).epsilon(1e-12));
    CHECK(t.host_s == Approx(32 * p[EfficiencyParams::kSequenceOverhead_s] +
                             p[EfficiencyParams::kStepOverhead_s]));
  }
}

TEST_CASE("per-token latencies kept as runs give the quantiles of the expanded list") {
  std::mt19937_64 rng(4);
  std::vector<ValueRun> runs;
  std::vector<double> expanded;
  for (int i = 0; i < 300; ++i) {
    const double v = std::uniform_real_distribution<double>(0.001, 0.05)(rng);
    const int64_t n = std::uniform_int_distribution<int64_t>(1, 40)(rng);
    runs.push_back({v, n});
    for (int64_t k = 0; k < n; ++k) expanded.push_back(v);
  }
  const std::vector<double> qs = {0.0, 0.5, 0.9, 0.99, 1.0};
  const std::vector<double> from_runs = Quantiles(runs, qs);
  for (std::size_t i = 0; i < qs.size(); ++i) CHECK(from_runs[i] == Quantile(expanded, qs[i]));
  const LatencyStats s = Summarise(expanded);
  CHECK(s.count == static_cast<int64_t>(expanded.size()));
  CHECK(s.p99_s == Quantile(expanded, 0.99));
}

TEST_CASE("vLLM V1 takes each running request's linear-attention state from the block pool") {
  // Qwen3.5-9B interleaves Gated DeltaNet layers (a constant state per sequence) with full
  // attention. vLLM V1's hybrid allocator reserves no state pool at start-up; each running request
  // holds ceil(state / block bytes) blocks on top of its KV blocks.
  const ModelSpec& m = Model("qwen3.5-9b");
  const HardwareSpec& hw = Hardware("h100-sxm5-80gb");
  EngineConfig e = VllmOn("h100-sxm5-80gb");
  REQUIRE(e.linear_state_per_request);  // models/engines/vllm-v1.yaml kv_cache.linear_state
  const int64_t bs = e.block_size_tokens;
  const KvCacheCapacity per_request =
      EstimateKvCacheCapacity(m, hw, Workload{}, e.max_num_batched_tokens, 0, bs);
  const KvCacheCapacity pooled =
      EstimateKvCacheCapacity(m, hw, Workload{}, e.max_num_batched_tokens, e.max_num_seqs, bs);
  REQUIRE(per_request.state_bytes_per_sequence > 0);
  CHECK(per_request.free_bytes - pooled.free_bytes ==
        Approx(static_cast<double>(e.max_num_seqs) * per_request.state_bytes_per_sequence));
  CHECK(per_request.blocks > pooled.blocks);

  // A pool with room for exactly k whole requests (KV + state) and not k + 1: with admission
  // reserving each request's whole sequence, k run at once and nobody is preempted.
  const int64_t prompt = 1000, output = 200;
  const int64_t state_blocks =
      static_cast<int64_t>(std::ceil(per_request.state_bytes_per_sequence /
                                     (per_request.bytes_per_token * static_cast<double>(bs))));
  const int64_t kv_blocks = (prompt + output + bs - 1) / bs;
  const int64_t k = 5;
  e.kv_cache_blocks = (k + 1) * (kv_blocks + state_blocks) - 1;
  e.admission = KvAdmission::kReserveFull;
  auto max_running = [&](const EngineConfig& engine) {
    const ServingSimResult r =
        Run("qwen3.5-9b", "h100-sxm5-80gb", Workload{}, engine, Fixed(20, prompt, output));
    REQUIRE(r.feasible);
    CHECK(r.preemptions == 0);
    CHECK(r.state_blocks_per_request == (engine.linear_state_per_request ? state_blocks : 0));
    int64_t most = 0;
    for (const TimeSample& t : r.timeseries) most = std::max<int64_t>(most, t.running);
    return most;
  };
  CHECK(max_running(e) == k);
  // The same blocks with the state kept outside the pool (an engine's preallocated state pool):
  // only the KV blocks count.
  EngineConfig preallocated = e;
  preallocated.linear_state_per_request = false;
  CHECK(max_running(preallocated) == e.kv_cache_blocks / kv_blocks);
}
