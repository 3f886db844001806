// SimulatedMeasure: a measured figure that the calibrator predicts through a caller's simulation
// instead of one step of the forward model (sim/fit/calibrator.h, CalibrationPoint::simulated).
#pragma once

#include <algorithm>
#include <cmath>

#include "sim/cost/efficiency_params.h"

namespace rightsize {

// A measured figure no single step describes (a serving run's median TTFT at its request rate,
// shaped by queueing and by prefill chunks sharing steps with decodes): the caller's simulation,
// which prices every step with the same forward model, predicts it from the efficiencies. It must
// be deterministic (one seed for every call: common random numbers, so the fit's cost moves
// smoothly with the parameters apart from ties in scheduling order) and safe to call from several
// threads at once. The fit differentiates it by central differences (SimulatedDifferenceStep).
class SimulatedMeasure {
 public:
  virtual ~SimulatedMeasure() = default;
  // The figure predicted with these efficiencies, seconds; NaN when the simulation gives none.
  virtual double PredictS(const EfficiencyParams& params) const = 0;
  // False for a parameter no step of the simulation reads (the link's without a collective):
  // the fit then spends no simulations on its derivative, which is zero.
  virtual bool Reads(int /*param*/) const { return true; }
};
// Relative step of the central differences: a simulated figure jumps by a few tenths of a
// percent when two events swap order, so the step must move it by much more than that.
inline constexpr double kSimulatedRelativeStep = 0.02;

// The central-difference step of a parameter at x (a floor for a parameter at zero).
inline double SimulatedDifferenceStep(double x) {
  return std::max(kSimulatedRelativeStep * std::fabs(x), 1e-12);
}

}  // namespace rightsize
