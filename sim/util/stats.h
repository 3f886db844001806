// The statistics every layer shares: one sample quantile and the normal quantile (Boost.Math).
#pragma once

#include <cstdint>
#include <vector>

namespace rightsize {

// Quantile q in [0, 1] of values, linear interpolation between order statistics (Hyndman and Fan
// 1996, definition 7: numpy's and R's default); 0 for an empty vector.
double Quantile(std::vector<double> values, double q);

// A value repeated `count` times (count >= 1): long samples with few distinct values (the
// serving simulator's per-token latencies).
struct ValueRun {
  double value = 0.0;
  int64_t count = 1;
};
// Quantiles qs (each in [0, 1]) of the list the runs expand to, by the same definition as
// Quantile (so equal to it on the expanded list); 0 for no values.
std::vector<double> Quantiles(std::vector<ValueRun> runs, const std::vector<double>& qs);

// Two-sided standard normal quantile: P(|Z| <= z) = level, level in (0, 1).
double NormalQuantileTwoSided(double level);
// The standard normal distribution function: P(Z <= z).
double NormalCdf(double z);

}  // namespace rightsize
