// The objective of Hoffmann et al. 2022, App. D.2, with its analytic gradient, vectorised over
// the points: the hot loop of the 4,500-start Chinchilla fit (sim/fit/law_fitter.cc).
//
//   f(p) = scale * sum_i Huber_delta(r_i),  r_i = LSE(t0_i, t1_i, e) - log L_i,
//   t0_i = a - alpha log N_i,  t1_i = b - beta log D_i,  p = {a, b, e, alpha, beta}.
//
// With w0 = exp(t0), w1 = exp(t1), w2 = exp(e), s = w0 + w1 + w2 and dH/dr = clamp(r, -delta,
// delta) (the Huber loss's slope), q = scale dH/dr / s:
//   df/da = sum q w0,   df/db = sum q w1,   df/de = sum q w2,
//   df/dalpha = -sum q w0 log N,   df/dbeta = -sum q w1 log D.
// The templated HoffmannHuberObjective (sim/fit/residuals.h, on ChinchillaLogLoss) is the
// reference that the tests hold this derivation to.
#pragma once

#include <vector>

#include "sim/fit/residuals.h"

namespace rightsize {

class HoffmannHuberGradient {
 public:
  // scale: 1 for the paper's sum, 1/n for the mean (Besiroglu et al. 2024, sec. 2); > 0.
  HoffmannHuberGradient(const std::vector<LogLossObservation>& points, double huber_delta,
                        double scale);

  // The objective at p = {a, b, e, alpha, beta}; the gradient too when `gradient` is not null.
  // False when a value is not finite. Allocates nothing.
  bool Evaluate(const double* p, double* cost, double* gradient) const;

  int num_points() const { return num_points_; }
  double scale() const { return scale_; }

 private:
  int num_points_ = 0;
  // Columns padded to a multiple of the vector width by copies of the last point with weight
  // 0, so the kernel has no remainder loop.
  std::vector<double> log_n_;                 // log of parameters
  std::vector<double> log_d_;                 // log of training tokens
  std::vector<double> log_loss_;              // log of loss (nats/token)
  std::vector<double> weight_;                // 1 for a point, 0 for padding
  double log_n_min_ = 0.0, log_n_max_ = 0.0;  // ranges of the columns (overflow guard)
  double log_d_min_ = 0.0, log_d_max_ = 0.0;
  double huber_delta_;
  double scale_;
};

// exp and log of 8 doubles at once, as the kernel computes them (exposed for their accuracy
// test): exp for x in [-708, 708] (clamped there), log for positive normal x.
void VectorExp8(const double* x, double* out);
void VectorLog8(const double* x, double* out);

}  // namespace rightsize
