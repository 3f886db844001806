// Crossover arithmetic checked against hand calculations.
#include <catch2/catch.hpp>

#include "sim/plan/crossover.h"
#include "sim/util/units.h"

using namespace rightsize;

namespace {

// A fine-tuned small model on one $2/h GPU that serves 10 requests/s, fine-tuning $1,000; a
// large model behind an API at $1 / $2 per million input / output tokens.
Candidate SmallSelfHosted() {
  Candidate c;
  c.id = "small";
  c.quality = 80;
  c.one_off_usd = 1000;
  ServingCostModel gpu;
  gpu.requests_per_s_per_replica = 10;
  gpu.devices_per_replica = 1;
  gpu.usd_per_device_hour = 2;
  c.serving_options = {gpu};
  return c;
}

Candidate LargeApi(double usd_per_million_input) {
  Candidate c;
  c.id = "large";
  c.quality = 82;
  ServingCostModel api;
  api.usd_per_million_input_tokens = usd_per_million_input;
  api.usd_per_million_output_tokens = 2;
  c.serving_options = {api};
  return c;
}

const TrafficMix kMix{1000, 200};

}  // namespace

TEST_CASE("serving cost: whole replicas for self-hosting, tokens for an API") {
  const Candidate small = SmallSelfHosted();
  CHECK(ServingUsdPerMonth(small.serving_options[0], kMix, 0.5) == Approx(2.0 * 720));
  CHECK(ServingUsdPerMonth(small.serving_options[0], kMix, 25) == Approx(3 * 2.0 * 720));
  CHECK(ReplicasNeeded(small.serving_options[0], 10.0) == 1);
  // 1e6 requests x (1000 x $1 + 200 x $2) / 1e6 tokens = $1,400.
  CHECK(ServingUsdPerMonth(LargeApi(1).serving_options[0], kMix, 1e6 / kSecondsPerMonth) ==
        Approx(1400));
}

TEST_CASE("break-even traffic equals the hand calculation") {
  // 1000 + 12 x 1440 = 12 x R x 0.0014  =>  R = 18280 / 0.0168 requests / month.
  const auto crossings = BreakEvenTraffic(SmallSelfHosted(), LargeApi(1), kMix, 1e3, 1e9, 12, 0);
  REQUIRE(crossings.size() == 1);
  CHECK(crossings[0] == Approx(18280.0 / 0.0168).epsilon(1e-6));
  CHECK_FALSE(SmallWins(SmallSelfHosted(), LargeApi(1), kMix, 0.5 * crossings[0], 12, 0, 5));
  CHECK(SmallWins(SmallSelfHosted(), LargeApi(1), kMix, 2.0 * crossings[0], 12, 0, 5));
  // Outside the quality tolerance the small model never wins.
  CHECK_FALSE(SmallWins(SmallSelfHosted(), LargeApi(1), kMix, 2.0 * crossings[0], 12, 0, 1));
}

TEST_CASE("a dearer large model moves the break-even to lower traffic, and growth is compounded") {
  const double base = BreakEvenTraffic(SmallSelfHosted(), LargeApi(1), kMix, 1e3, 1e9, 12, 0)[0];
  const double dearer = BreakEvenTraffic(SmallSelfHosted(), LargeApi(2), kMix, 1e3, 1e9, 12, 0)[0];
  // R = 18280 / (12 x (2000 + 400) / 1e6).
  CHECK(dearer == Approx(18280.0 / 0.0288).epsilon(1e-6));
  CHECK(dearer < base);
  // 10%/month growth over 12 months: the month-1 traffic that breaks even is lower.
  const double grown = BreakEvenTraffic(SmallSelfHosted(), LargeApi(1), kMix, 1e3, 1e9, 12, 0.1)[0];
  const double growth_sum = (std::pow(1.1, 12) - 1) / 0.1;
  CHECK(grown == Approx(18280.0 / (0.0014 * growth_sum)).epsilon(1e-6));
}

TEST_CASE("a dearer GPU for the large model keeps the small model ahead to higher traffic") {
  // Large self-hosted on 4 GPUs at $P/h per device, one replica covers all traffic here; small
  // behind a per-token API after a $5,000 fine-tune: small wins BELOW the break-even.
  Candidate large;
  large.quality = 82;
  large.serving_options.resize(1);
  large.serving_options[0].requests_per_s_per_replica = 1e6;
  large.serving_options[0].devices_per_replica = 4;
  Candidate small = LargeApi(0.2);
  small.quality = 81;
  small.serving_options[0].usd_per_million_output_tokens = 0.4;
  small.one_off_usd = 5000;
  auto break_even = [&](double usd_per_hour) {
    large.serving_options[0].usd_per_device_hour = usd_per_hour;
    return BreakEvenTraffic(small, large, kMix, 1e3, 1e10, 12, 0).at(0);
  };
  // 5000 + 12 R (0.0002 + 0.00008) = 12 x 4 x 720 x P.
  CHECK(break_even(2.0) == Approx((12 * 4 * 720 * 2.0 - 5000) / (12 * 0.00028)).epsilon(1e-6));
  CHECK(break_even(3.0) > break_even(2.0));
}

TEST_CASE("each month uses the cheapest serving option") {
  Candidate c = SmallSelfHosted();
  ServingCostModel big = c.serving_options[0];
  big.devices_per_replica = 4;
  big.usd_per_device_hour = 1.5;
  big.requests_per_s_per_replica = 100;  // $4,320 a month for up to 100 requests/s
  c.serving_options.push_back(big);
  CHECK(c.CheapestOption(kMix, 5) == 0);   // one $1,440 replica
  CHECK(c.CheapestOption(kMix, 35) == 1);  // 4 small replicas ($5,760) cost more than 1 big
  CHECK(TotalUsd(c, kMix, 35 * kSecondsPerMonth, 1, 0) == Approx(1000 + 4 * 1.5 * 720));
}

TEST_CASE("Pareto front keeps only candidates no other beats on both cost and quality") {
  const std::vector<ParetoPoint> points = {{10, 70}, {5, 60}, {20, 69}, {30, 85}, {5, 55}};
  const auto front = ParetoFront(points);
  REQUIRE(front.size() == 3);
  CHECK(front[0] == 1);
  CHECK(front[1] == 0);
  CHECK(front[2] == 3);
}

TEST_CASE("replicas beyond the int range are counted and priced exactly") {
  ServingCostModel gpu;
  gpu.requests_per_s_per_replica = 1;
  gpu.devices_per_replica = 8;
  gpu.usd_per_device_hour = 2;
  const double requests_per_s = 1e12;  // 1e12 replicas: more than 2^31
  CHECK(ReplicasNeeded(gpu, requests_per_s) == 1e12);
  CHECK(ServingUsdPerMonth(gpu, kMix, requests_per_s) ==
        Approx(1e12 * 8 * 2 * kSecondsPerMonth / kSecondsPerHour));
}
