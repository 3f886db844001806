// The serving simulator's speed on one core: 10,000 requests (1,000 prompt / 256 output tokens)
// through vLLM V1's scheduler on one H100 with Llama-3.1-8B, every step priced by the forward
// model. Target: <= 100 ms per run (docs/serving.md reports the measured figures).
#include <benchmark/benchmark.h>

#include "sim/serve/engine_profile.h"
#include "sim/serve/simulator.h"
#include "sim/spec/catalog.h"

namespace rightsize {
namespace {

void Simulate10k(benchmark::State& state, ArrivalKind arrival, double requests_per_s) {
  const Catalog& catalog = Catalog::Default();
  const ModelSpec& model = catalog.Model("llama-3.1-8b");
  const HardwareSpec& hw = catalog.Hardware("h100-sxm5-80gb");
  const EngineConfig engine = ResolveEngineConfig(FindEngineProfile("vllm-v1"), hw);
  const EfficiencyParams params = WithEngineOverheads(EfficiencyParams::Defaults(), engine);
  ServeTraffic traffic;
  traffic.arrival = arrival;
  traffic.requests_per_s = requests_per_s;
  traffic.num_requests = 10000;
  traffic.prompt.value = 1000;
  traffic.output.value = 256;
  const std::vector<ServeRequest> requests = GenerateRequests(traffic, 1);
  int64_t steps = 0;
  for (auto _ : state) {
    const ServingSimResult r = SimulateRequests(model, hw, Workload{}, engine, SpeculativeConfig{},
                                                requests, params, SimulationOptions{});
    steps = r.steps;
    benchmark::DoNotOptimize(r.e2e.mean_s);
  }
  state.counters["steps"] = static_cast<double>(steps);
  state.counters["requests_per_s_simulated"] = benchmark::Counter(
      10000.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_Simulate10kRequestsOffline(benchmark::State& s) {
  Simulate10k(s, ArrivalKind::kOffline, 1);
}
void BM_Simulate10kRequestsPoisson(benchmark::State& s) {
  Simulate10k(s, ArrivalKind::kPoisson, 15);
}

}  // namespace

BENCHMARK(BM_Simulate10kRequestsOffline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Simulate10kRequestsPoisson)->Unit(benchmark::kMillisecond);

}  // namespace rightsize
