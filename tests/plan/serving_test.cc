// Serving steady state, capacity to an SLO, the cheapest layout, infeasible answers, and the
// forward model under ceres::Jet (what the calibrator differentiates).
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

#include <ceres/jet.h>

#include "sim/cost/latency.h"
#include "sim/plan/capacity.h"
#include "sim/plan/serving.h"
#include "sim/spec/catalog.h"
#include "sim/util/error.h"

using namespace rightsize;

namespace {
const ModelSpec& Model(const std::string& id) { return Catalog::Default().Model(id); }
const HardwareSpec& Hw(const std::string& id) { return Catalog::Default().Hardware(id); }
const EfficiencyParams kDefaults = EfficiencyParams::Defaults();
const TrafficSpec kChat{1.0, 1024, 256};
}  // namespace

TEST_CASE("steady state: more traffic means a larger running batch and slower tokens") {
  const ModelSpec& m = Model("llama-3-8b");
  const HardwareSpec& hw = Hw("h100-sxm5-80gb");
  Workload w;
  TrafficSpec t = kChat;
  t.requests_per_s = 0.5;
  const ServingState low = SteadyState(m, hw, w, t, kDefaults);
  t.requests_per_s = 5.0;
  const ServingState high = SteadyState(m, hw, w, t, kDefaults);
  REQUIRE(low.feasible);
  REQUIRE(high.feasible);
  CHECK(high.batch > 5.0 * low.batch);
  CHECK(high.tpot_s > low.tpot_s);
  CHECK(high.ttft_s > low.ttft_s);
  // Little's law holds at the fixed point.
  CHECK(high.batch == Approx(t.requests_per_s * t.output_tokens * high.tpot_s).epsilon(1e-4));
  // TTFT is at least the prefill itself.
  CHECK(high.ttft_s > high.prefill_s);
}

TEST_CASE("an overloaded replica is reported as infeasible, not timed") {
  const ModelSpec& m = Model("llama-3-8b");
  const HardwareSpec& hw = Hw("h100-sxm5-80gb");
  Workload w;
  TrafficSpec t = kChat;
  t.requests_per_s = 1e6;
  const ServingState s = SteadyState(m, hw, w, t, kDefaults);
  CHECK_FALSE(s.feasible);
  CHECK(s.reason.find("overloaded") != std::string::npos);
  CHECK(s.tpot_s == 0.0);
  CHECK_THROWS_AS(SteadyState(m, hw, w, TrafficSpec{-1.0, 10, 10}, kDefaults), InputError);
}

TEST_CASE("replica capacity meets the SLO at capacity and misses it just above") {
  const ModelSpec& m = Model("llama-3-8b");
  const HardwareSpec& hw = Hw("h100-sxm5-80gb");
  Workload w;
  const SloSpec slo{0.5, 0.05};
  const ReplicaCapacity cap = CapacityWithinSlo(m, hw, w, kChat, slo, kDefaults);
  REQUIRE(cap.feasible);
  CHECK(cap.max_requests_per_s > 0.0);
  CHECK(MeetsSlo(cap.at_capacity, slo, nullptr));
  TrafficSpec above = kChat;
  above.requests_per_s = cap.max_requests_per_s * 1.05;
  CHECK_FALSE(MeetsSlo(SteadyState(m, hw, w, above, kDefaults), slo, nullptr));
  // A tighter TPOT target lowers the capacity.
  const ReplicaCapacity tight = CapacityWithinSlo(m, hw, w, kChat, SloSpec{0.5, 0.02}, kDefaults);
  REQUIRE(tight.feasible);
  CHECK(tight.max_requests_per_s < cap.max_requests_per_s);
}

TEST_CASE("an unreachable SLO and an out-of-memory layout are infeasible with the reason") {
  Workload w;
  // TPOT of 0.1 ms is below a batch-1 step of any 8B model on any catalogued device.
  const ReplicaCapacity fast = CapacityWithinSlo(Model("llama-3-8b"), Hw("h100-sxm5-80gb"), w,
                                                 kChat, SloSpec{0.5, 1e-4}, kDefaults);
  CHECK_FALSE(fast.feasible);
  CHECK(fast.reason.find("SLO not reachable") != std::string::npos);
  CHECK(fast.max_requests_per_s == 0.0);
  const ReplicaCapacity oom = CapacityWithinSlo(Model("llama-3-70b"), Hw("rtx-4090"), w, kChat,
                                                SloSpec{0.5, 0.05}, kDefaults);
  CHECK_FALSE(oom.feasible);
  CHECK(oom.reason.find("out of memory") != std::string::npos);
}

TEST_CASE("plan never prices a layout the model cannot be split into") {
  CapacityStudy study;
  study.traffic = kChat;
  study.slo = {0.5, 0.05};
  const LayoutPlan plan = PlanLayout(Catalog::Default(), Model("llama-3-8b"), Hw("h100-sxm5-80gb"),
                                     {"llama-3-8b", "h100-sxm5-80gb", 3, Precision::kBf16}, study, kDefaults);
  CHECK_FALSE(plan.feasible);
  CHECK(plan.reason.find("tp=3 does not divide the model's 32 attention heads") != std::string::npos);
  CHECK(plan.devices == 0);
}

TEST_CASE("plan: devices cover the traffic, cheapest feasible layout first, infeasible last") {
  CapacityStudy study;
  study.traffic = TrafficSpec{20.0, 1024, 256};
  study.slo = SloSpec{0.5, 0.05};
  study.models = {"llama-3-8b", "llama-3-70b"};
  study.hardware = {"h100-sxm5-80gb", "rtx-4090"};
  study.tensor_parallel = {1, 2};
  study.usd_per_hour = {{"h100-sxm5-80gb", 4.0}, {"rtx-4090", 0.5}};
  const auto plans = PlanCapacity(study, Catalog::Default(), kDefaults);
  REQUIRE(plans.size() == 8);
  REQUIRE(plans.front().feasible);
  bool seen_infeasible = false;
  double previous_usd = 0.0;
  for (const auto& p : plans) {
    INFO(p.layout.model_id << " " << p.layout.hardware_id << " tp " << p.layout.tensor_parallel);
    if (!p.feasible) {
      seen_infeasible = true;
      CHECK_FALSE(p.reason.empty());
      CHECK(ToJson(p)["usd_per_month"].is_null());
      continue;
    }
    CHECK_FALSE(seen_infeasible);  // feasible rows come first
    CHECK(p.usd_per_month >= previous_usd);
    previous_usd = p.usd_per_month;
    CHECK(p.replicas * p.replica_max_requests_per_s >= study.traffic.requests_per_s * (1 - 1e-9));
    CHECK(p.devices == p.replicas * p.layout.tensor_parallel);
    CHECK(p.usd_per_month == Approx(p.devices * p.price->usd_per_hour * 720.0));
    CHECK(p.state.tpot_s <= study.slo.tpot_s);
    CHECK(p.state.ttft_s <= study.slo.ttft_s);
  }
  // The 70B model cannot fit one 24 GB card.
  CHECK(seen_infeasible);
}

TEST_CASE("a capacity study file is read strictly") {
  const CapacityStudy s =
      LoadCapacityStudy(std::string(RIGHTSIZE_SOURCE_DIR) + "/examples/capacity-study.yaml", Catalog::Default());
  CHECK(s.traffic.requests_per_s > 0);
  CHECK_FALSE(s.models.empty());
  const std::string bad = "/tmp/rightsize-bad-study.yaml";
  {
    std::ofstream out(bad);
    out << "traffic:\n  requests_per_s: 5\n  prompt_tokens: 10\n  output_tokens: 10\n"
           "slo:\n  ttft_s: 0.5\n  tpot_ms: 50\ncandidates:\n  models: [llama-3-8b]\n"
           "  hardware: [h100-sxm5-80gb]\n";
  }
  try {
    LoadCapacityStudy(bad, Catalog::Default());
    FAIL("an unknown key must be an error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("rightsize-bad-study.yaml:7") != std::string::npos);
    CHECK(std::string(e.what()).find("tpot_ms") != std::string::npos);
  }
  // Unknown ids are reported at the line that names them.
  const std::string unknown = "/tmp/rightsize-unknown-ids-capacity.yaml";
  {
    std::ofstream out(unknown);
    out << "traffic:\n  requests_per_s: 5\n  prompt_tokens: 10\n  output_tokens: 10\nslo: {ttft_s: "
           "1}\n"
           "candidates:\n  models: [llama-3-8b]\n  hardware: [h100-sxm5-80gb, h100-sxm]\n";
  }
  CHECK_THROWS_WITH(LoadCapacityStudy(unknown, Catalog::Default()),
                    Catch::Matchers::Contains(
                        "rightsize-unknown-ids-capacity.yaml:8: candidates.hardware: unknown "
                        "hardware id 'h100-sxm'"));
}

TEST_CASE("the forward model under ceres::Jet matches double and finite differences") {
  using Jet = ceres::Jet<double, EfficiencyParams::kNumParams>;
  const ModelSpec& m = Model("llama-3-8b");
  const HardwareSpec& hw = Hw("h100-sxm5-80gb");
  Workload w;
  w.batch = 8;
  w.prompt_tokens = 1024;
  w.parallel.tensor = 2;
  for (const Step& step : {PrefillStep(w), DecodeStep(w, 1024)}) {
    const auto ops = CountOps(m, w, step);
    const DeviceRates r = ResolveRates(hw, w);
    Jet params[EfficiencyParams::kNumParams];
    for (int i = 0; i < EfficiencyParams::kNumParams; ++i) params[i] = Jet(kDefaults.values[i], i);
    const Jet t = PredictStepTime_s(ops, r, params);
    const double t0 = PredictStepTime_s(ops, r, kDefaults.data());
    CHECK(t.a == Approx(t0).epsilon(1e-12));
    for (int i = 0; i < EfficiencyParams::kNumParams; ++i) {
      INFO(EfficiencyParams::kParamNames[i]);
      EfficiencyParams up = kDefaults, down = kDefaults;
      const double h = 1e-6 * std::max(1e-6, kDefaults.values[i]);
      up.values[i] += h;
      down.values[i] -= h;
      const double fd = (PredictStepTime_s(ops, r, up.data()) - PredictStepTime_s(ops, r, down.data())) / (2 * h);
      CHECK(std::isfinite(t.v[i]));
      CHECK(t.v[i] == Approx(fd).epsilon(1e-4).margin(1e-12));
    }
    // More efficient compute or memory never makes a step slower.
    CHECK(t.v[EfficiencyParams::kComputeEfficiency] <= 0.0);
    CHECK(t.v[EfficiencyParams::kMemoryEfficiency] <= 0.0);
  }
}
