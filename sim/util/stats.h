// The statistics every layer shares: one sample quantile and the normal quantile (Boost.Math).
#pragma once

#include <vector>

namespace rightsize {

// Quantile q in [0, 1] of values, linear interpolation between order statistics (Hyndman and Fan
// 1996, definition 7: numpy's and R's default); 0 for an empty vector.
double Quantile(std::vector<double> values, double q);

// Two-sided standard normal quantile: P(|Z| <= z) = level, level in (0, 1).
double NormalQuantileTwoSided(double level);

}  // namespace rightsize
