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
