#include "sim/util/stats.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <boost/math/distributions/normal.hpp>

#include "sim/util/error.h"

namespace rightsize {

double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

std::vector<double> Quantiles(std::vector<ValueRun> runs, const std::vector<double>& qs) {
  std::vector<double> out(qs.size(), 0.0);
  int64_t n = 0;
  for (const ValueRun& r : runs) n += r.count;
  if (n == 0) return out;
  std::sort(runs.begin(), runs.end(),
            [](const ValueRun& a, const ValueRun& b) { return a.value < b.value; });
  // The value at 0-based position k of the expanded sorted list.
  auto at = [&](int64_t k) {
    int64_t seen = 0;
    for (const ValueRun& r : runs) {
      seen += r.count;
      if (k < seen) return r.value;
    }
    return runs.back().value;
  };
  for (std::size_t i = 0; i < qs.size(); ++i) {
    const double pos = qs[i] * static_cast<double>(n - 1);
    const int64_t lo = static_cast<int64_t>(std::floor(pos));
    const int64_t hi = std::min(lo + 1, n - 1);
    const double v_lo = at(lo);
    out[i] = v_lo + (pos - static_cast<double>(lo)) * (at(hi) - v_lo);
  }
  return out;
}

double NormalQuantileTwoSided(double level) {
  RS_CHECK(level > 0 && level < 1, "interval level must be in (0, 1)");
  return boost::math::quantile(boost::math::normal_distribution<double>(), 0.5 * (1.0 + level));
}

double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

}  // namespace rightsize
