// The max-rate search against the M/D/1 answer, SLO parsing and goodput.
#include <catch2/catch.hpp>

#include <cmath>

#include "sim/cost/latency.h"
#include "sim/cost/op_count.h"
#include "sim/serve/capacity_search.h"
#include "tests/error_of.h"
#include "tests/serve/serve_test_util.h"

using namespace rightsize;
using namespace rightsize::testing;

TEST_CASE("the max rate within a mean-TTFT SLO matches the M/D/1 rate that meets it") {
  // Batch-1 engine: mean TTFT = prefill + W_q(lambda), W_q = rho S / (2 (1 - rho)) (PK). The
  // SLO TTFT = prefill + S holds up to rho* = x / (1 + x), x = 2 (limit - prefill) / S.
  const ModelSpec& m = Model("llama-3.2-1b");
  const HardwareSpec& hw = Hardware("a100-sxm4-80gb");
  EngineConfig e = VllmOn("a100-sxm4-80gb");
  e.max_num_seqs = 1;
  e.chunked_prefill = false;
  const EfficiencyParams p = WithEngineOverheads(EfficiencyParams::Defaults(), e);
  Workload w;
  w.prompt_tokens = 256;
  w.gen_tokens = 4;
  const DeviceRates rates = ResolveRates(hw, w);
  const double prefill_s = PredictStepTime_s(CountOps(m, w, PrefillStep(w)), rates, p.data());
  double service_s = prefill_s;
  for (int64_t i = 1; i < 4; ++i) {
    service_s += PredictStepTime_s(CountOps(m, w, DecodeStep(w, 256 + i - 1)), rates, p.data());
  }
  const double limit_s = prefill_s + service_s;
  const double x = 2 * (limit_s - prefill_s) / service_s;
  const double expected_rate = x / (1 + x) / service_s;
  ServeTraffic t;
  t.num_requests = 20000;
  t.prompt.value = 256;
  t.output.value = 4;
  const std::vector<SloTarget> slo = {ParseSloTarget("ttft_mean_s", limit_s, {})};
  const MaxRateResult r = MaxRateWithinSlo(m, hw, Workload{}, e, SpeculativeConfig{}, t, p, 1, slo);
  REQUIRE(r.feasible);
  CHECK(r.max_requests_per_s == Approx(expected_rate).epsilon(0.06));
  CHECK(r.at_max.ttft.mean_s <= limit_s);
  CHECK(r.min_failing_requests_per_s > r.max_requests_per_s);
  CHECK(r.min_failing_requests_per_s < 1.02 * r.max_requests_per_s);
}

TEST_CASE("a tighter percentile SLO allows less traffic, and an impossible one says why") {
  ServeTraffic t;
  t.num_requests = 800;
  t.prompt = ParseLengthDistribution("lognormal:1000:0.5:50:4000", "p");
  t.output = ParseLengthDistribution("uniform:50:300", "o");
  const EngineConfig e = VllmOn("l40s");
  const EfficiencyParams p = WithEngineOverheads(EfficiencyParams::Defaults(), e);
  auto max_rate = [&](const char* key, double limit) {
    return MaxRateWithinSlo(Model("llama-3.1-8b"), Hardware("l40s"), Workload{}, e,
                            SpeculativeConfig{}, t, p, 2, {ParseSloTarget(key, limit, {})});
  };
  const MaxRateResult loose = max_rate("ttft_p99_s", 2.0);
  const MaxRateResult tight = max_rate("ttft_p99_s", 0.5);
  REQUIRE(loose.feasible);
  REQUIRE(tight.feasible);
  CHECK(tight.max_requests_per_s < loose.max_requests_per_s);
  CHECK(loose.at_max.ttft.p99_s <= 2.0);
  const MaxRateResult impossible = max_rate("tpot_p50_s", 1e-4);
  CHECK_FALSE(impossible.feasible);
  CHECK_THAT(impossible.reason, Catch::Matchers::Contains("tpot_p50_s"));
}

TEST_CASE("SLO keys name a metric and a statistic, and bad ones are errors") {
  const SloTarget t = ParseSloTarget("tpot_p90_s", 0.05, {});
  CHECK(t.metric == SloMetric::kTpot);
  CHECK(t.statistic == SloStatistic::kP90);
  CHECK_THROWS_AS(ParseSloTarget("ttft_p95_s", 1, {}), InputError);
  CHECK_THROWS_AS(ParseSloTarget("latency_p99_s", 1, {}), InputError);
  CHECK_THROWS_AS(ParseSloTarget("ttft_p99_s", 0, {}), InputError);
}

TEST_CASE("goodput counts the requests that meet every per-request target") {
  ServingSimResult r;
  r.start_s = 0;
  r.end_s = 10;
  for (int i = 0; i < 4; ++i) {
    RequestRecord rec;
    rec.arrival_s = 0;
    rec.first_token_s = 0.5 * (i + 1);  // TTFT 0.5, 1, 1.5, 2
    rec.finish_s = rec.first_token_s + 1;
    rec.output_tokens = 11;  // TPOT 0.1
    r.requests.push_back(rec);
  }
  RequestSlo slo;
  slo.ttft_s = 1.0;
  Goodput g = GoodputOf(r, slo);
  CHECK(g.fraction == Approx(0.5));
  CHECK(g.requests_per_s == Approx(0.2));
  slo.tpot_s = 0.05;
  CHECK(GoodputOf(r, slo).fraction == 0.0);
}

TEST_CASE("the SLO watch calls a miss exactly when the finished requests decide the percentile") {
  // 100 requests; p90 by linear interpolation is above the limit once the value at position
  // floor(0.9 x 99) = 89 is, i.e. once 100 - 89 = 11 values are above it.
  const std::vector<ServeRequest> requests = Fixed(100, 10, 5);
  const SloTarget p90 = ParseSloTarget("ttft_p90_s", 1.0, {});
  auto record = [](int64_t index, double ttft_s) {
    RequestRecord r;
    r.index = index;
    r.first_token_s = ttft_s;
    r.finish_s = ttft_s + 1;
    r.output_tokens = 5;
    return r;
  };
  SloMissWatch watch({p90}, requests, 0);
  std::vector<double> ttft;
  for (int64_t i = 0; i < 10; ++i) {
    CHECK(watch.Check(record(i, 2.0)).empty());
    ttft.push_back(2.0);
  }
  // With 10 values above the limit the other 90 can still hold the p90 at the limit.
  std::vector<double> best = ttft;
  best.resize(100, 0.5);
  CHECK(Summarise(best).p90_s <= 1.0);
  // The 11th decides it whatever the rest are.
  CHECK_THAT(watch.Check(record(10, 2.0)), Catch::Matchers::Contains("ttft_p90_s"));
  ttft.push_back(2.0);
  ttft.resize(100, 0.0);
  CHECK(Summarise(ttft).p90_s > 1.0);

  // A mean: misses once the finished requests alone sum past n x limit; warm-up requests do not
  // count.
  SloMissWatch mean({ParseSloTarget("e2e_mean_s", 1.0, {})}, requests, 20);
  CHECK(mean.Check(record(0, 500.0)).empty());                                  // warm-up
  for (int64_t i = 20; i < 27; ++i) CHECK(mean.Check(record(i, 9.0)).empty());  // 7 x 10 s
  CHECK(mean.Check(record(27, 9.0)).empty());                                   // 80 = 80 x 1 s
  CHECK_FALSE(mean.Check(record(28, 0.5)).empty());
}

TEST_CASE("warm-up requests are left out of the latency statistics, not of the throughput") {
  const ModelSpec& m = Model("llama-3.2-1b");
  const HardwareSpec& hw = Hardware("a100-sxm4-80gb");
  const EngineConfig e = VllmOn("a100-sxm4-80gb");
  const EfficiencyParams p = WithEngineOverheads(EfficiencyParams::Defaults(), e);
  const std::vector<ServeRequest> requests = Fixed(50, 200, 20, 0.01);
  SimulationOptions all, warm;
  warm.warmup_requests = 10;
  const ServingSimResult a = SimulateRequests(m, hw, Workload{}, e, {}, requests, p, all);
  const ServingSimResult b = SimulateRequests(m, hw, Workload{}, e, {}, requests, p, warm);
  CHECK(a.ttft.count == 50);
  CHECK(b.ttft.count == 40);
  CHECK(b.tpot.count == 40);
  CHECK(b.requests_per_s == a.requests_per_s);
  CHECK(b.output_tokens_per_s == a.output_tokens_per_s);
  std::vector<double> later;
  for (std::size_t i = 10; i < a.requests.size(); ++i) later.push_back(a.requests[i].TtftS());
  CHECK(b.ttft.mean_s == Approx(Summarise(later).mean_s));
}

TEST_CASE("a run stopped by its check reports what finished and why") {
  const ModelSpec& m = Model("llama-3.2-1b");
  const HardwareSpec& hw = Hardware("a100-sxm4-80gb");
  const EngineConfig e = VllmOn("a100-sxm4-80gb");
  const EfficiencyParams p = WithEngineOverheads(EfficiencyParams::Defaults(), e);
  SimulationOptions o;
  int finished = 0;
  o.stop_check = [&finished](const RequestRecord&) {
    return ++finished == 5 ? std::string("enough") : std::string();
  };
  const ServingSimResult r =
      SimulateRequests(m, hw, Workload{}, e, {}, Fixed(40, 100, 10, 0.05), p, o);
  CHECK(r.stopped_early);
  CHECK(r.stop_reason == "enough");
  CHECK(r.ttft.count == 5);
  std::string why;
  CHECK_FALSE(MeetsSlo(r, {}, &why));
  CHECK(why == "enough");
}

TEST_CASE("a step-time memo shared by runs at other rates changes no result") {
  const ModelSpec& m = Model("llama-3.2-1b");
  const HardwareSpec& hw = Hardware("a100-sxm4-80gb");
  const EngineConfig e = VllmOn("a100-sxm4-80gb");
  const EfficiencyParams p = WithEngineOverheads(EfficiencyParams::Defaults(), e);
  StepTimeMemo memo;
  SimulationOptions shared, own;
  shared.step_memo = &memo;
  for (double gap_s : {0.5, 0.02, 0.002}) {
    const std::vector<ServeRequest> requests = Fixed(60, 300, 40, gap_s);
    const ServingSimResult a = SimulateRequests(m, hw, Workload{}, e, {}, requests, p, own);
    const ServingSimResult b = SimulateRequests(m, hw, Workload{}, e, {}, requests, p, shared);
    CHECK(a.steps == b.steps);
    CHECK(a.end_s == b.end_s);
    CHECK(a.ttft.p99_s == b.ttft.p99_s);
    CHECK(a.itl.mean_s == b.itl.mean_s);
  }
  CHECK(memo.size() > 0);
}
