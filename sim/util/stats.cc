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

double NormalQuantileTwoSided(double level) {
  RS_CHECK(level > 0 && level < 1, "interval level must be in (0, 1)");
  return boost::math::quantile(boost::math::normal_distribution<double>(), 0.5 * (1.0 + level));
}

}  // namespace rightsize
