// Hoffmann et al. 2022 App. D.2 on the 240 Epoch points: the full 4,500-start L-BFGS grid with
// the path rule (the default) and with every start run to its end, one start, one evaluation
// of the objective and its gradient, and the bootstrap.
#include <thread>

#include <benchmark/benchmark.h>

#include "sim/fit/bootstrap.h"
#include "sim/fit/hoffmann_objective.h"
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

// Args: threads, path rule on (1) or every start to its end (0).
void BM_ChinchillaFullGrid(benchmark::State& state) {
  HoffmannFitOptions options;
  options.num_threads = static_cast<int>(state.range(0));
  options.stop_on_known_path = state.range(1) != 0;
  HoffmannFit fit;
  for (auto _ : state) {
    fit = FitChinchillaHoffmann(Points(), options);
    benchmark::DoNotOptimize(fit);
  }
  state.counters["starts"] = fit.num_starts;
  state.counters["stopped_early"] = fit.num_stopped_early;
  state.counters["iterations"] = static_cast<double>(fit.total_iterations);
  state.counters["E"] = fit.coefficients.e_nats;
  state.counters["alpha"] = fit.coefficients.alpha;
  state.counters["beta"] = fit.coefficients.beta;
}
BENCHMARK(BM_ChinchillaFullGrid)
    ->Args({1, 1})
    ->Args({2, 1})
    ->Args({1, 0})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5)
    ->UseRealTime();

void BM_ChinchillaOneStart(benchmark::State& state) {
  const auto observations = ToLogObservations(Points());
  const std::array<double, 5> start = {5, 10, 0.5, 0.5, 0.5};
  for (auto _ : state) {
    benchmark::DoNotOptimize(FitChinchillaFromStart(observations, start, {}));
  }
}
BENCHMARK(BM_ChinchillaOneStart)->Unit(benchmark::kMicrosecond);

void BM_HoffmannObjectiveAndGradient(benchmark::State& state) {
  const HoffmannHuberGradient objective(ToLogObservations(Points()), 1e-3, 1.0);
  std::array<double, 5> p = {6.17, 7.67, 0.597, 0.347, 0.367};
  double cost = 0.0;
  std::array<double, 5> gradient{};
  for (auto _ : state) {
    p[0] += 1e-12;  // a new point every time
    objective.Evaluate(p.data(), &cost, gradient.data());
    benchmark::DoNotOptimize(cost);
    benchmark::DoNotOptimize(gradient);
  }
  state.counters["points"] = objective.num_points();
}
BENCHMARK(BM_HoffmannObjectiveAndGradient)->Unit(benchmark::kNanosecond);

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
