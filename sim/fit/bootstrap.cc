#include "sim/fit/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "sim/util/parallel.h"

#include "sim/util/stats.h"

namespace rightsize {

BootstrapResult Bootstrap(int num_points, int num_coefficients, const ResampleFit& fit,
                          const BootstrapOptions& options) {
  RS_CHECK(num_points > 0 && num_coefficients > 0, "bootstrap needs points and coefficients");
  RS_CHECK(options.num_resamples > 0, "bootstrap needs at least one resample");
  RS_CHECK(options.level > 0.0 && options.level < 1.0, "bootstrap level must be in (0, 1)");
  BootstrapResult result;
  result.level = options.level;
  // Resamples are the work units; a range's bytes hold, per resample, whether its fit is usable
  // and then its coefficients (exact bits, so a rank's result is the one computed here).
  auto encode = [&](size_t begin, size_t end) {
    ByteWriter writer;
    for (size_t r = begin; r < end; ++r) {
      std::mt19937_64 rng(options.seed + static_cast<uint64_t>(r));
      std::uniform_int_distribution<int> pick(0, num_points - 1);
      std::vector<int> indices(static_cast<size_t>(num_points));
      for (int& index : indices) index = pick(rng);
      const std::optional<std::vector<double>> coefficients = fit(indices);
      const bool usable =
          coefficients && static_cast<int>(coefficients->size()) == num_coefficients;
      writer.PutBool(usable);
      if (usable)
        for (double c : *coefficients) writer.PutDouble(c);
    }
    return std::move(writer.Bytes());
  };
  std::vector<std::optional<std::vector<double>>> fitted;
  fitted.reserve(static_cast<size_t>(options.num_resamples));
  auto consume = [&](std::string&& bytes) {
    ByteReader reader(bytes);
    while (!reader.AtEnd()) {
      if (!reader.Bool()) {
        fitted.emplace_back();
        continue;
      }
      std::vector<double> coefficients(static_cast<size_t>(num_coefficients));
      for (double& c : coefficients) c = reader.Double();
      fitted.emplace_back(std::move(coefficients));
    }
  };
  auto progress = [&](size_t done, size_t total) {
    if (options.progress) options.progress(static_cast<int>(done), static_cast<int>(total));
  };
  const LocalUnitRunner local(std::min(WorkerThreads(options.num_threads), options.num_resamples));
  const UnitRunner& runner = options.runner != nullptr ? *options.runner : local;
  runner.RunInOrder(static_cast<size_t>(options.num_resamples), 1, encode, consume, progress);
  RS_CHECK(static_cast<int>(fitted.size()) == options.num_resamples,
           "bootstrap gathered a wrong number of resamples");

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
