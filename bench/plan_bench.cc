// Capacity planning with the serving simulator: a plan over 100 layouts (5 models x 5 devices x
// TP 1, 2 x bf16, fp8), every feasible layout sized by the simulated rate search (vLLM V1,
// 1,000 Poisson requests of 1,024 prompt / 256 output tokens per rate (the first 100 warm-up),
// bisection to 2%, SLO on the p99 TTFT and
// the median TPOT), on every core of the machine. Target: <= 10 s on 2 cores.
#include <benchmark/benchmark.h>

#include "sim/plan/capacity.h"
#include "sim/spec/catalog.h"
#include "sim/util/parallel.h"

namespace rightsize {
namespace {

void BM_Plan100LayoutsSimulated(benchmark::State& state) {
  CapacityStudy study;
  study.traffic = {20.0, 1024, 256};
  study.slo.targets = {ParseSloTarget("ttft_p99_s", 1.0, {}),
                       ParseSloTarget("tpot_p50_s", 0.05, {})};
  study.models = {"llama-3-8b", "llama-3-70b", "qwen2.5-7b", "mixtral-8x7b", "phi-3-mini-4k"};
  study.hardware = {"h100-sxm5-80gb", "a100-sxm4-80gb", "rtx-4090", "l40s", "h200-sxm-141gb"};
  study.tensor_parallel = {1, 2};
  study.weights = {Precision::kBf16, Precision::kFp8};
  int64_t layouts = 0, feasible = 0, simulations = 0;
  for (auto _ : state) {
    const std::vector<LayoutPlan> plans =
        PlanCapacity(study, Catalog::Default(), EfficiencyParams::Defaults());
    layouts = static_cast<int64_t>(plans.size());
    feasible = simulations = 0;
    for (const LayoutPlan& p : plans) {
      feasible += p.feasible ? 1 : 0;
      simulations += p.simulations + (p.feasible ? 1 : 0);
    }
    benchmark::DoNotOptimize(plans.data());
  }
  state.counters["layouts"] = static_cast<double>(layouts);
  state.counters["feasible"] = static_cast<double>(feasible);
  state.counters["simulations"] = static_cast<double>(simulations);
  state.counters["threads"] = static_cast<double>(WorkerThreads(0));
}

}  // namespace

BENCHMARK(BM_Plan100LayoutsSimulated)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

}  // namespace rightsize
