// Full predictions per second on one core: a "full prediction" is CountOps for one step plus
// PredictStepTime_s over its ops (the work a sweep or a calibration residual does per point).
// Target: >= 1,000,000 per second per core (docs/latency.md reports the measured figure).
// The same prediction from an operator table (sim/cost/step_table.h), built once per (model,
// hardware, workload) and evaluated over a batch of contexts: BM_TablePrediction*. Target:
// >= 10,000,000 per second per core.
#include <benchmark/benchmark.h>

#include <vector>

#include "sim/cost/latency.h"
#include "sim/cost/op_count.h"
#include "sim/cost/step_table.h"
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

// Decode step times over a batch of 1,024 contexts from one operator table: what a sweep
// evaluates per point once the table of its (model, hardware, batch, precision, TP) is built.
// with_breakdown: the whole AnalyseStep breakdown (what the sweep prices energy with).
void TablePrediction(benchmark::State& state, const char* model_id, bool with_breakdown) {
  const Catalog& catalog = Catalog::Default();
  const ModelSpec& model = catalog.Model(model_id);
  Workload w;
  w.batch = 16;
  w.prompt_tokens = 1024;
  w.parallel.tensor = 2;
  const DeviceRates rates = ResolveRates(catalog.Hardware("h100-sxm5-80gb"), w);
  const DecodeStepTable table(model, w, rates, EfficiencyParams::Defaults());
  std::vector<int64_t> past(1024);
  std::vector<double> step_s(past.size());
  int64_t offset = 0;
  for (auto _ : state) {
    // Other contexts each round so nothing is hoisted out of the loop.
    for (size_t i = 0; i < past.size(); ++i) past[i] = 1024 + offset + static_cast<int64_t>(i);
    offset = offset == 3072 ? 0 : offset + 1;
    if (with_breakdown) {
      for (size_t i = 0; i < past.size(); ++i) step_s[i] = table.Breakdown(past[i]).step_s;
    } else {
      table.StepTimes_s(past.data(), past.size(), step_s.data());
    }
    benchmark::DoNotOptimize(step_s.data());
    benchmark::ClobberMemory();
  }
  state.counters["predictions_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * past.size()), benchmark::Counter::kIsRate);
}

void BM_TablePredictionDenseDecode(benchmark::State& s) { TablePrediction(s, "llama-3-8b", false); }
void BM_TablePredictionMoeDecode(benchmark::State& s) { TablePrediction(s, "mixtral-8x7b", false); }
void BM_TablePredictionMlaDecode(benchmark::State& s) { TablePrediction(s, "deepseek-v3", false); }
void BM_TableBreakdownDenseDecode(benchmark::State& s) { TablePrediction(s, "llama-3-8b", true); }

BENCHMARK(BM_FullPredictionDenseDecode);
BENCHMARK(BM_FullPredictionDensePrefill);
BENCHMARK(BM_FullPredictionMoeDecode);
BENCHMARK(BM_StepTimeOnly);
BENCHMARK(BM_TablePredictionDenseDecode);
BENCHMARK(BM_TablePredictionMoeDecode);
BENCHMARK(BM_TablePredictionMlaDecode);
BENCHMARK(BM_TableBreakdownDenseDecode);

}  // namespace
}  // namespace rightsize
