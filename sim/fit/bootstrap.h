// Nonparametric bootstrap (Efron 1979): refit on resamples of the points drawn with
// replacement, report percentile intervals. Resample r uses its own generator seeded with
// seed + r, so the intervals do not depend on the number of threads.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/fit/law_fitter.h"
#include "sim/quality/law_spec.h"
#include "sim/util/work_units.h"

namespace rightsize {

struct BootstrapOptions {
  int num_resamples = 200;  // > 0
  uint64_t seed = 20240417;
  double level = 0.80;                     // two-sided percentile interval level, in (0, 1)
  int num_threads = 0;                     // 0 = std::thread::hardware_concurrency()
  std::function<void(int, int)> progress;  // (resamples done, total); may be empty
  // Spreads the resamples over MPI ranks (rightsize-mpi); null = num_threads of this process.
  // Either way the intervals are the same bits (resample r draws from seed + r).
  const UnitRunner* runner = nullptr;
};

struct BootstrapResult {
  std::vector<CoefficientInterval> intervals;  // one per coefficient, percentile method
  std::vector<std::vector<double>> samples;    // coefficients of each successful resample
  int num_failed = 0;                          // resamples whose fit was unusable
  double level = 0.0;
};

// fit(indices) returns the coefficients fitted on points[indices] (indices may repeat), or
// nullopt when that fit is unusable.
using ResampleFit = std::function<std::optional<std::vector<double>>(const std::vector<int>&)>;

BootstrapResult Bootstrap(int num_points, int num_coefficients, const ResampleFit& fit,
                          const BootstrapOptions& options);

// Chinchilla intervals in natural units {e_nats, a, alpha, b, beta}: each resample is fitted by
// the App. D.2 objective with L-BFGS from the full-data optimum (the 4,500-start grid per
// resample would cost 4,500x more and lands on the same basin for these data).
BootstrapResult BootstrapChinchilla(const std::vector<LossPoint>& points,
                                    const HoffmannFit& full_fit,
                                    const HoffmannFitOptions& fit_options,
                                    const BootstrapOptions& options);

}  // namespace rightsize
