// Full predictions per second on one core: a "full prediction" is CountOps for one step plus
// PredictStepTime_s over its ops (the work a sweep or a calibration residual does per point).
// Target: >= 1,000,000 per second per core (docs/latency.md reports the measured figure).
#include <benchmark/benchmark.h>

#include "sim/cost/latency.h"
#include "sim/cost/op_count.h"
#include "sim/spec/catalog.h"

namespace rightsize {
namespace {

void FullPrediction(benchmark::State& state, const char* model_id, Phase phase) {
  const Catalog& catalog = Catalog::Default();
  const ModelSpec& model = catalog.Model(model_id);
  const HardwareSpec& hw = catalog.Hardware("h100-sxm5-80gb");
  Workload w;
  w.batch = 16;
  w.prompt_tokens = 1024;
  w.parallel.tensor = 2;
  const DeviceRates rates = ResolveRates(hw, w);
  const EfficiencyParams params = EfficiencyParams::Defaults();
  int64_t past = 1024;
  for (auto _ : state) {
    // Vary the context so nothing is hoisted out of the loop.
    const Step step = phase == Phase::kDecode ? DecodeStep(w, past) : PrefillStep(w);
    past = past == 4096 ? 1024 : past + 1;
    const double t = PredictStepTime_s(CountOps(model, w, step), rates, params.data());
    benchmark::DoNotOptimize(t);
  }
  state.counters["predictions_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_FullPredictionDenseDecode(benchmark::State& s) {
  FullPrediction(s, "llama-3-8b", Phase::kDecode);
}
void BM_FullPredictionDensePrefill(benchmark::State& s) {
  FullPrediction(s, "llama-3-8b", Phase::kPrefill);
}
void BM_FullPredictionMoeDecode(benchmark::State& s) {
  FullPrediction(s, "mixtral-8x7b", Phase::kDecode);
}

// The forward model alone over precomputed ops (what a Ceres residual evaluates per point).
void BM_StepTimeOnly(benchmark::State& state) {
  const Catalog& catalog = Catalog::Default();
  Workload w;
  w.batch = 16;
  const auto ops = CountOps(catalog.Model("llama-3-8b"), w, DecodeStep(w, 1024));
  const DeviceRates rates = ResolveRates(catalog.Hardware("h100-sxm5-80gb"), w);
  EfficiencyParams params = EfficiencyParams::Defaults();
  for (auto _ : state) {
    benchmark::DoNotOptimize(params.values[0]);
    benchmark::DoNotOptimize(PredictStepTime_s(ops, rates, params.data()));
  }
  state.counters["predictions_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_FullPredictionDenseDecode);
BENCHMARK(BM_FullPredictionDensePrefill);
BENCHMARK(BM_FullPredictionMoeDecode);
BENCHMARK(BM_StepTimeOnly);

}  // namespace
}  // namespace rightsize
