// Hoffmann et al. 2022 App. D.2 on the 240 Epoch points: the full 4,500-start L-BFGS grid
// (target: under 5 s on 2 cores), one start, and the bootstrap.
#include <thread>

#include <benchmark/benchmark.h>

#include "sim/fit/bootstrap.h"
#include "sim/fit/law_fitter.h"
#include "sim/quality/law_data.h"

namespace rightsize {
namespace {

const std::vector<LossPoint>& Points() {
  static const std::vector<LossPoint> points =
      DropHighestLoss(LoadEpochChinchillaPoints(std::string(RIGHTSIZE_SOURCE_DIR) +
                                                "/data/quality/epoch-chinchilla-replication/"
                                                "svg_extracted_data.csv"),
                      5);
  return points;
}

void BM_ChinchillaFullGrid(benchmark::State& state) {
  HoffmannFitOptions options;
  options.num_threads = static_cast<int>(state.range(0));
  HoffmannFit fit;
  for (auto _ : state) {
    fit = FitChinchillaHoffmann(Points(), options);
    benchmark::DoNotOptimize(fit);
  }
  state.counters["starts"] = fit.num_starts;
  state.counters["E"] = fit.coefficients.e_nats;
  state.counters["alpha"] = fit.coefficients.alpha;
  state.counters["beta"] = fit.coefficients.beta;
}
BENCHMARK(BM_ChinchillaFullGrid)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kSecond)
    ->Iterations(2)
    ->UseRealTime();

void BM_ChinchillaOneStart(benchmark::State& state) {
  const auto observations = ToLogObservations(Points());
  const std::array<double, 5> start = {5, 10, 0.5, 0.5, 0.5};
  for (auto _ : state) {
    benchmark::DoNotOptimize(FitChinchillaFromStart(observations, start, {}));
  }
}
BENCHMARK(BM_ChinchillaOneStart)->Unit(benchmark::kMillisecond);

void BM_ChinchillaBootstrap200(benchmark::State& state) {
  static const HoffmannFit fit = FitChinchillaHoffmann(Points());
  BootstrapOptions options;
  options.num_resamples = 200;
  options.num_threads = 2;
  for (auto _ : state) {
    benchmark::DoNotOptimize(BootstrapChinchilla(Points(), fit, {}, options));
  }
}
BENCHMARK(BM_ChinchillaBootstrap200)->Unit(benchmark::kSecond)->Iterations(2)->UseRealTime();

}  // namespace
}  // namespace rightsize
