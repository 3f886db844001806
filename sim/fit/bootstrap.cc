#include "sim/fit/bootstrap.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <random>
#include <thread>

#include "sim/util/stats.h"

namespace rightsize {

BootstrapResult Bootstrap(int num_points, int num_coefficients, const ResampleFit& fit,
                          const BootstrapOptions& options) {
  RS_CHECK(num_points > 0 && num_coefficients > 0, "bootstrap needs points and coefficients");
  RS_CHECK(options.num_resamples > 0, "bootstrap needs at least one resample");
  RS_CHECK(options.level > 0.0 && options.level < 1.0, "bootstrap level must be in (0, 1)");
  BootstrapResult result;
  result.level = options.level;
  std::vector<std::optional<std::vector<double>>> fitted(options.num_resamples);
  std::atomic<int> next{0};
  std::atomic<int> done{0};
  std::mutex progress_mutex;
  auto worker = [&] {
    for (int r = next.fetch_add(1); r < options.num_resamples; r = next.fetch_add(1)) {
      std::mt19937_64 rng(options.seed + static_cast<uint64_t>(r));
      std::uniform_int_distribution<int> pick(0, num_points - 1);
      std::vector<int> indices(num_points);
      for (int& index : indices) index = pick(rng);
      fitted[r] = fit(indices);
      const int finished = done.fetch_add(1) + 1;
      if (options.progress) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        options.progress(finished, options.num_resamples);
      }
    }
  };
  int num_threads = options.num_threads > 0
                        ? options.num_threads
                        : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  num_threads = std::min(num_threads, options.num_resamples);
  std::vector<std::thread> threads;
  for (int t = 1; t < num_threads; ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& thread : threads) thread.join();

  for (auto& sample : fitted) {
    if (sample && static_cast<int>(sample->size()) == num_coefficients) {
      result.samples.push_back(std::move(*sample));
    } else {
      ++result.num_failed;
    }
  }
  if (result.samples.size() < 2) return result;
  const double tail = (1.0 - options.level) / 2.0;
  for (int c = 0; c < num_coefficients; ++c) {
    std::vector<double> values;
    for (const auto& sample : result.samples) values.push_back(sample[c]);
    result.intervals.push_back({Quantile(values, tail), Quantile(values, 1.0 - tail)});
  }
  return result;
}

BootstrapResult BootstrapChinchilla(const std::vector<LossPoint>& points,
                                    const HoffmannFit& full_fit,
                                    const HoffmannFitOptions& fit_options,
                                    const BootstrapOptions& options) {
  const std::vector<LogLossObservation> all = ToLogObservations(points);
  auto fit = [&](const std::vector<int>& indices) -> std::optional<std::vector<double>> {
    std::vector<LogLossObservation> resample;
    resample.reserve(indices.size());
    for (int i : indices) resample.push_back(all[i]);
    const HoffmannStart start =
        FitChinchillaFromStart(resample, full_fit.best.log_params, fit_options);
    if (!std::isfinite(start.huber_sum)) return std::nullopt;
    const ChinchillaCoefficients c = CoefficientsFromLogParams(start.log_params);
    if (!(c.alpha > 0 && c.beta > 0)) return std::nullopt;
    return std::vector<double>{c.e_nats, c.a, c.alpha, c.b, c.beta};
  };
  return Bootstrap(static_cast<int>(points.size()), kChinchillaNumParams, fit, options);
}

}  // namespace rightsize
