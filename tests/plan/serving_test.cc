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

SloSpec Slo(std::vector<std::pair<std::string, double>> targets) {
  SloSpec slo;
  for (const auto& [key, limit] : targets) slo.targets.push_back(ParseSloTarget(key, limit, {}));
  return slo;
}
}  // namespace

TEST_CASE("simulated replica: more traffic means a larger running batch and slower tokens") {
  const ModelSpec& m = Model("llama-3-8b");
  const HardwareSpec& hw = Hw("h100-sxm5-80gb");
  Workload w;
  ServingSimSettings sim;
  sim.requests = 400;
  TrafficSpec t = kChat;
  t.requests_per_s = 0.5;
  const ServingState low = SimulatedServingState(m, hw, w, t, sim, kDefaults);
  t.requests_per_s = 5.0;
  const ServingState high = SimulatedServingState(m, hw, w, t, sim, kDefaults);
  REQUIRE(low.feasible);
  REQUIRE(high.feasible);
  CHECK(high.batch > 5.0 * low.batch);
  CHECK(high.tpot_mean_s > low.tpot_mean_s);
  CHECK(high.ttft_p99_s >= high.ttft_mean_s);
  // Little's law for the decoding sequences: batch ~ rate x (E2E) within the sampling error of a
  // short run (the running set includes requests still in their prompt).
  CHECK(high.batch == Approx(t.requests_per_s * high.e2e_mean_s).epsilon(0.15));
}

TEST_CASE("an overloaded replica is reported as infeasible, not timed") {
  Workload w;
  ServingSimSettings sim;
  sim.requests = 400;
  TrafficSpec t = kChat;
  t.requests_per_s = 1e4;
  const ServingState s =
      SimulatedServingState(Model("llama-3-8b"), Hw("h100-sxm5-80gb"), w, t, sim, kDefaults);
  CHECK_FALSE(s.feasible);
  CHECK(s.reason.find("queue grows without bound") != std::string::npos);
  CHECK(s.tpot_mean_s == 0.0);
  CHECK_THROWS_AS(SimulatedServingState(Model("llama-3-8b"), Hw("h100-sxm5-80gb"), w,
                                        TrafficSpec{-1.0, 10, 10}, sim, kDefaults),
                  InputError);
}

TEST_CASE("replica capacity meets a percentile SLO at capacity and misses it above") {
  const ModelSpec& m = Model("llama-3-8b");
  const HardwareSpec& hw = Hw("h100-sxm5-80gb");
  Workload w;
  ServingSimSettings sim;
  sim.requests = 600;
  const SloSpec slo = Slo({{"ttft_p99_s", 0.1}});
  const ReplicaCapacity cap = SimulatedReplicaCapacity(m, hw, w, kChat, slo, sim, kDefaults);
  REQUIRE(cap.feasible);
  CHECK(cap.max_requests_per_s > 0.0);
  TrafficSpec at = kChat;
  at.requests_per_s = cap.max_requests_per_s;
  const ServingState ok = SimulatedServingState(m, hw, w, at, sim, kDefaults);
  REQUIRE(ok.feasible);
  CHECK(ok.ttft_p99_s <= 0.1);
  at.requests_per_s = cap.max_requests_per_s * 1.1;
  const ServingState above = SimulatedServingState(m, hw, w, at, sim, kDefaults);
  CHECK((!above.feasible || above.ttft_p99_s > 0.1));
  // The same limit on a higher percentile leaves less room: p99 >= mean for every run.
  const ReplicaCapacity on_mean =
      SimulatedReplicaCapacity(m, hw, w, kChat, Slo({{"ttft_mean_s", 0.1}}), sim, kDefaults);
  REQUIRE(on_mean.feasible);
  CHECK(on_mean.max_requests_per_s > cap.max_requests_per_s);
}

TEST_CASE("an unreachable SLO and an out-of-memory layout are infeasible with the reason") {
  Workload w;
  ServingSimSettings sim;
  sim.requests = 200;
  // TPOT of 0.1 ms is below a batch-1 step of any 8B model on any catalogued device.
  const ReplicaCapacity fast =
      SimulatedReplicaCapacity(Model("llama-3-8b"), Hw("h100-sxm5-80gb"), w, kChat,
                               Slo({{"tpot_p50_s", 1e-4}}), sim, kDefaults);
  CHECK_FALSE(fast.feasible);
  CHECK(fast.reason.find("SLO is not met") != std::string::npos);
  CHECK(fast.max_requests_per_s == 0.0);
  const ReplicaCapacity oom = SimulatedReplicaCapacity(
      Model("llama-3-70b"), Hw("rtx-4090"), w, kChat, Slo({{"tpot_p50_s", 0.05}}), sim, kDefaults);
  CHECK_FALSE(oom.feasible);
  INFO(oom.reason);
  CHECK_FALSE(oom.reason.empty());
}

TEST_CASE("plan never prices a layout the model cannot be split into") {
  CapacityStudy study;
  study.traffic = kChat;
  study.slo = Slo({{"ttft_p99_s", 0.5}});
  study.simulation.requests = 200;
  const LayoutPlan plan =
      PlanLayout(Catalog::Default(), Model("llama-3-8b"), Hw("h100-sxm5-80gb"),
                 {"llama-3-8b", "h100-sxm5-80gb", 3, Precision::kBf16}, study, kDefaults);
  CHECK_FALSE(plan.feasible);
  CHECK(plan.reason.find("tp=3 does not divide the model's 32 attention heads") !=
        std::string::npos);
  CHECK(plan.devices == 0);
}

TEST_CASE("plan: devices cover the traffic, cheapest feasible layout first, infeasible last") {
  CapacityStudy study;
  study.traffic = TrafficSpec{20.0, 1024, 256};
  study.slo = Slo({{"ttft_p90_s", 0.5}, {"tpot_p50_s", 0.05}});
  study.simulation.requests = 400;
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
    CHECK(p.sizing.find("simulated: engine vllm-v1") != std::string::npos);
    CHECK(p.sizing.find("ttft_p90_s <= 0.5 s") != std::string::npos);
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
    // Each replica runs below its capacity, so the simulated state at that load meets the SLO.
    REQUIRE(p.state.feasible);
    CHECK(p.state.tpot_mean_s > 0);
    CHECK(p.simulations >= 3);
  }
  // The 70B model cannot fit one 24 GB card.
  CHECK(seen_infeasible);
}

TEST_CASE("SLO flags replace or add targets, any percentile") {
  SloSpec slo = Slo({{"ttft_mean_s", 0.5}});
  ApplySloFlags({"ttft_mean_s=0.8", "e2e_p90_s=20"}, &slo);
  REQUIRE(slo.targets.size() == 2);
  CHECK(slo.targets[0].limit_s == 0.8);
  CHECK(slo.targets[1].statistic == SloStatistic::kP90);
  CHECK(slo.Describe() == "ttft_mean_s <= 0.8 s, e2e_p90_s <= 20 s");
  CHECK_THROWS_WITH(ApplySloFlags({"ttft_p95_s=1"}, &slo), Catch::Matchers::Contains("--slo"));
  CHECK_THROWS_AS(ApplySloFlags({"ttft_p99_s"}, &slo), InputError);
  CHECK_THROWS_AS(ApplySloFlags({"ttft_p99_s=-1"}, &slo), InputError);
}

TEST_CASE("a capacity study file is read strictly") {
  const CapacityStudy s = LoadCapacityStudy(
      std::string(RIGHTSIZE_SOURCE_DIR) + "/examples/capacity-study.yaml", Catalog::Default());
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
  // The simulation block: an unknown engine profile and a percentile SLO key are located.
  const std::string engine = "/tmp/rightsize-engine-capacity.yaml";
  {
    std::ofstream out(engine);
    out << "traffic:\n  requests_per_s: 5\n  prompt_tokens: 10\n  output_tokens: 10\n"
           "slo:\n  ttft_p99_s: 1\n  tpot_p50_s: 0.1\nsimulation:\n  engine: vllm-v9\n"
           "candidates:\n  models: [llama-3-8b]\n  hardware: [h100-sxm5-80gb]\n";
  }
  CHECK_THROWS_WITH(
      LoadCapacityStudy(engine, Catalog::Default()),
      Catch::Matchers::Contains("rightsize-engine-capacity.yaml:9: simulation.engine"));
  {
    std::ofstream out(engine);
    out << "traffic:\n  requests_per_s: 5\n  prompt_tokens: 10\n  output_tokens: 10\n"
           "slo:\n  ttft_p99_s: 1\n  tpot_p95_s: 0.1\n"
           "candidates:\n  models: [llama-3-8b]\n  hardware: [h100-sxm5-80gb]\n";
  }
  CHECK_THROWS_WITH(LoadCapacityStudy(engine, Catalog::Default()),
                    Catch::Matchers::Contains("rightsize-engine-capacity.yaml:7: slo.tpot_p95_s"));
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
      const double fd =
          (PredictStepTime_s(ops, r, up.data()) - PredictStepTime_s(ops, r, down.data())) / (2 * h);
      CHECK(std::isfinite(t.v[i]));
      CHECK(t.v[i] == Approx(fd).epsilon(1e-4).margin(1e-12));
    }
    // More efficient compute or memory never makes a step slower.
    CHECK(t.v[EfficiencyParams::kComputeEfficiency] <= 0.0);
    CHECK(t.v[EfficiencyParams::kMemoryEfficiency] <= 0.0);
  }
}
