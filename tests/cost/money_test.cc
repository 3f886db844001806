// Money and energy: $ per million tokens, device power between its floor and TDP, and J per token.
#include <catch2/catch.hpp>

#include "sim/cost/money.h"
#include "sim/spec/catalog.h"
#include "tests/catalog_lookup.h"

using namespace rightsize;

TEST_CASE("$ per million tokens: 2 devices at $3/h producing 1000 tokens/s") {
  // 2 x 3 $/h = 6 $/h = 1/600 $/s; 1e6 tokens take 1000 s -> 1.6667 $.
  CHECK(UsdPerMillionTokens(3.0, 2, 1000.0) == Approx(1000.0 / 600.0));
  CHECK(DeviceUsd(3.0, 2, 3600.0) == Approx(6.0));
}

TEST_CASE("device power rises linearly from the idle floor to TDP") {
  const HardwareSpec& hw = Hw("h100-sxm5-80gb");
  REQUIRE(hw.tdp_w > 0);
  CHECK(DevicePower_w(hw, 0.0) == Approx(kIdlePowerFraction * hw.tdp_w));
  CHECK(DevicePower_w(hw, 1.0) == Approx(hw.tdp_w));
  CHECK(DevicePower_w(hw, 2.0) == Approx(hw.tdp_w));  // clamped
  CHECK(DevicePower_w(hw, 0.5) > DevicePower_w(hw, 0.25));
}

TEST_CASE("batching lowers $ and J per output token, and a price override is used as given") {
  const ModelSpec& m = Model("llama-3-8b");
  const HardwareSpec& hw = Hw("h100-sxm5-80gb");
  const DevicePrice price{2.0, "--usd-per-hour"};
  Workload w;
  w.batch = 1;
  const LatencyEstimate e1 = EstimateLatency(m, hw, w);
  const InferenceCost c1 = PriceInference(hw, w, e1, price);
  w.batch = 32;
  const LatencyEstimate e32 = EstimateLatency(m, hw, w);
  const InferenceCost c32 = PriceInference(hw, w, e32, price);
  REQUIRE(c1.priced);
  CHECK(c1.usd_per_million_output_tokens ==
        Approx(UsdPerMillionTokens(2.0, 1, e1.decode_tokens_per_s)));
  CHECK(c32.usd_per_million_output_tokens < c1.usd_per_million_output_tokens / 10.0);
  CHECK(c32.j_per_output_token < c1.j_per_output_token / 10.0);
  CHECK(c1.j_per_output_token > 0.0);
  // Prefill processes many tokens per step: an input token is cheaper than an output token.
  CHECK(c1.usd_per_million_input_tokens < c1.usd_per_million_output_tokens);
  const auto override_price = ResolvePrice(Catalog::Default(), hw.id, 7.5);
  REQUIRE(override_price);
  CHECK(override_price->usd_per_hour == 7.5);
}

TEST_CASE("training run: device-hours and $ follow from tokens and step time") {
  const ModelSpec& m = Model("llama-3-8b");
  const HardwareSpec& hw = Hw("h100-sxm5-80gb");
  Workload w;
  w.mode = Mode::kFinetuneLora;
  w.batch = 4;
  w.prompt_tokens = 2048;
  const LatencyEstimate e = EstimateLatency(m, hw, w);
  REQUIRE(e.feasible);
  const TrainingRun run = EstimateTrainingRun(e, w, 1e8);
  const TrainingCost c = PriceTraining(hw, w, e, run, DevicePrice{2.0, "test"});
  CHECK(c.usd == Approx(2.0 * run.device_hours));
  CHECK(c.energy_j > 0.0);
  CHECK(c.energy_j <= hw.tdp_w * run.time_s * (1 + 1e-12));
  // Infeasible: nothing is priced.
  Workload big;
  const LatencyEstimate oom = EstimateLatency(Model("llama-3-70b"), Hw("rtx-4090"), big);
  CHECK_FALSE(PriceInference(Hw("rtx-4090"), big, oom, DevicePrice{1.0, "t"}).priced);
}

TEST_CASE(
    "$ per FLOP on a device: training at its utilisation, decode from the bandwidth roofline") {
  // A made-up device keeps the arithmetic checkable by hand: 100 TFLOP/s bf16, 1 TB/s, $3.6/h
  // (= $0.001/s).
  HardwareSpec hw;
  hw.id = "test-device";
  hw.peak_flops_per_s[Precision::kBf16] = 100e12;
  hw.memory_bandwidth_bytes_per_s = 1e12;
  FlopPriceOptions o;
  o.train_utilization = 0.5;
  o.prefill_utilization = 0.8;
  o.decode_batch = 4;
  o.memory_efficiency = 0.75;
  const UsdPerFlopOnDevice p = PricePerFlop(hw, 3.6, o);
  CHECK(p.train == Approx(0.001 / 50e12));
  CHECK(p.prefill == Approx(0.001 / 80e12));
  // bf16: 2 bytes per weight; 2 x 4 x 1e12 x 0.75 / 2 = 3e12 FLOP/s, 3% of the peak.
  CHECK(p.decode == Approx(0.001 / 3e12));
  CHECK(p.decode_utilization == Approx(0.03));
  // Narrower weights stream faster; a huge batch is capped at the prefill utilisation.
  o.weights = Precision::kInt8;
  CHECK(PricePerFlop(hw, 3.6, o).decode == Approx(0.001 / 6e12));
  o.decode_batch = 1e6;
  CHECK(PricePerFlop(hw, 3.6, o).decode_utilization == Approx(0.8));
}
