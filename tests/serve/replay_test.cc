// Replay of LLMServingSim's four measured vLLM 0.19 runs (data/runs/llmservingsim-vllm-validation)
// with the uncalibrated forward model and the vllm-v1 profile's host-overhead priors: nothing is
// fitted on the runs. The targets are TPOT mean within 5%, E2E mean within 10% and TTFT p90
// within 15%. One run meets all three; for the others each check asserts the bound achieved
// today, so a regression fails and an improvement shows (docs/serving.md explains the misses).
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "sim/cost/memory.h"
#include "sim/serve/replay.h"

using namespace rightsize;

namespace {

struct Bounds {
  double tpot_mean, e2e_mean, ttft_p90;  // largest |simulated / measured - 1| accepted
};

}  // namespace

TEST_CASE("the replay reader reproduces the measured means LLMServingSim publishes") {
  for (const ReplayRun& run : LoadReplayRuns(DefaultReplayDir(), Catalog::Default())) {
    INFO(run.name);
    REQUIRE(run.requests.size() == 300);
    REQUIRE(run.measured.size() == 300);
    double ttft = 0, tpot = 0, e2e = 0;
    for (const MeasuredRequest& m : run.measured) {
      ttft += m.TtftS() / 300;
      tpot += m.TpotS() / 300;
      e2e += m.E2eS() / 300;
    }
    // summary.txt prints milliseconds to 0.1 ms.
    CHECK(std::fabs(ttft - run.published_measured_s.at("TTFT Mean")) < 1e-4);
    CHECK(std::fabs(tpot - run.published_measured_s.at("TPOT Mean")) < 1e-4);
    CHECK(std::fabs(e2e - run.published_measured_s.at("Latency Mean")) < 1e-4);
  }
}

TEST_CASE("replayed vLLM runs: errors of the uncalibrated simulator (targets 5% / 10% / 15%)") {
  const std::map<std::string, Bounds> achieved = {
      // Meets every target.
      {"RTXPRO6000/Llama-3.1-8B", {0.05, 0.10, 0.15}},
      // Misses: the RTX 4090 runs faster than the default efficiencies (0.7 compute, 0.8
      // memory) predict; llama.cpp on the same card reaches about 0.9 of both.
      {"RTX4090/Llama-3.1-8B", {0.15, 0.20, 0.20}},
      // Misses: the two-GPU runs exchange activations over PCIe more slowly than the NVLink
      // link efficiency assumes (too fast by 17-23% in TPOT).
      {"RTXPRO6000/Qwen3-32B", {0.25, 0.30, 0.35}},
      {"RTXPRO6000/Qwen3-30B-A3B-Instruct-2507", {0.20, 0.22, 1.00}},
  };
  const Catalog& catalog = Catalog::Default();
  for (const ReplayRun& run : LoadReplayRuns(DefaultReplayDir(), Catalog::Default())) {
    INFO(run.name);
    const EfficiencyParams params = WithEngineOverheads(EfficiencyParams::Defaults(), run.engine);
    const ReplayComparison c = CompareReplay(run, catalog, params);
    REQUIRE(c.result.feasible);
    const Bounds& b = achieved.at(run.name);
    for (const ReplayMetric& m : c.metrics) {
      INFO(m.name << ": measured " << m.measured_s << " s, simulated " << m.simulated_s << " s");
      if (m.name == "TPOT Mean") CHECK(std::fabs(m.error) <= b.tpot_mean);
      if (m.name == "Latency Mean") CHECK(std::fabs(m.error) <= b.e2e_mean);
      if (m.name == "TTFT P90") CHECK(std::fabs(m.error) <= b.ttft_p90);
    }
    // Every replayed request completes with its logged output length.
    for (std::size_t i = 0; i < run.requests.size(); ++i) {
      CHECK(c.result.requests[i].output_tokens == run.requests[i].output_tokens);
    }
  }
}

TEST_CASE("the RTX 4090 replay uses vLLM's own KV block count and preempts, as vLLM did") {
  for (const ReplayRun& run : LoadReplayRuns(DefaultReplayDir(), Catalog::Default())) {
    if (run.name != "RTX4090/Llama-3.1-8B") continue;
    CHECK(run.engine.kv_cache_blocks == 2588);
    const ReplayComparison c = CompareReplay(
        run, Catalog::Default(), WithEngineOverheads(EfficiencyParams::Defaults(), run.engine));
    CHECK(c.result.kv_blocks_from_engine);
    CHECK(c.result.preemptions > 0);
    double max_kv = 0;
    for (const TimeSample& t : c.result.timeseries) max_kv = std::max(max_kv, t.kv_used_fraction);
    CHECK(max_kv > 0.95);  // the measured kv_cache_pct reaches 99.9%
  }
}

TEST_CASE("the memory model's KV capacity for the RTX 4090 run is within 30% of vLLM's count") {
  // vLLM 0.19 reported 2,588 blocks of 16 tokens for Llama-3.1-8B at 0.9 utilisation. The
  // estimate leaves out the CUDA context, CUDA graphs and the driver's reserve, so it is above.
  const Catalog& catalog = Catalog::Default();
  Workload w;
  w.memory_utilization = 0.9;
  const KvCacheCapacity c = EstimateKvCacheCapacity(catalog.Model("llama-3.1-8b"),
                                                    catalog.Hardware("rtx-4090"), w, 2048, 256, 16);
  CHECK(c.bytes_per_token == 131072);
  const double ratio = static_cast<double>(c.blocks) / 2588.0;
  CHECK(ratio > 1.0);
  CHECK(ratio < 1.3);
}
