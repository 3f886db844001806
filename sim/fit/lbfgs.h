// L-BFGS (Nocedal & Wright 2006, Numerical Optimization, Alg. 7.4 and 7.5) with a weak-Wolfe
// line search (sec. 3.1 and 3.5, cubic interpolation), on a fixed number of parameters, with no
// allocation: the optimiser of the App. D.2 Chinchilla fit (sim/fit/law_fitter.cc), which runs
// it 4,500 times per fit on a 5-parameter objective where a general solver's per-iteration
// bookkeeping would cost as much as the objective itself.
//
// Stopping rules are those of Ceres' GradientProblemSolver (which the fit used before): the
// gradient's max-norm (absolute, like scipy's pgtol), the relative change of the objective, and
// the step length relative to |x|.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>

namespace rightsize {

struct LbfgsOptions {
  int max_iterations = 1000;             // accepted steps, > 0
  double function_tolerance = 1e-9;      // |f_prev - f| <= tol f_prev ends the run, > 0
  double gradient_tolerance = 1e-5;      // max |df/dx_k| <= tol ends the run, > 0
  double parameter_tolerance = 1e-8;     // |step| <= tol (|x| + tol) ends the run, > 0
  int max_line_search_evaluations = 30;  // per iteration, > 0
};

enum class LbfgsEnd {
  kGradientTolerance,
  kFunctionTolerance,
  kParameterTolerance,
  kIterationLimit,
  kLineSearchFailed,  // no step along the direction met the sufficient-decrease condition
  kNotFinite,         // the objective is not finite at the start
  kStopped,           // the per-iteration callback asked to stop
};

// True for the ends that mean "met a tolerance" (converged).
inline bool LbfgsConverged(LbfgsEnd end) {
  return end == LbfgsEnd::kGradientTolerance || end == LbfgsEnd::kFunctionTolerance ||
         end == LbfgsEnd::kParameterTolerance;
}

struct LbfgsSummary {
  LbfgsEnd end = LbfgsEnd::kNotFinite;
  int iterations = 0;   // accepted steps
  int evaluations = 0;  // objective + gradient evaluations
  double cost = 0.0;    // objective at the returned x
};

namespace lbfgs_detail {

template <int N>
using Vec = std::array<double, N>;

template <int N>
double Dot(const Vec<N>& u, const Vec<N>& v) {
  double sum = 0.0;
  for (int k = 0; k < N; ++k) sum += u[k] * v[k];
  return sum;
}

// Minimiser of the cubic through (a, fa, ga) and (b, fb, gb) (N&W eq. 3.59), or the midpoint
// when the cubic has none or it falls outside the middle 80% of [a, b].
inline double CubicStep(double a, double fa, double ga, double b, double fb, double gb) {
  const double d1 = ga + gb - 3.0 * (fa - fb) / (a - b);
  const double radicand = d1 * d1 - ga * gb;
  const double mid = 0.5 * (a + b);
  if (!(radicand >= 0.0)) return mid;
  const double d2 = std::copysign(std::sqrt(radicand), b - a);
  const double step = b - (b - a) * (gb + d2 - d1) / (gb - ga + 2.0 * d2);
  const double lo = std::min(a, b), hi = std::max(a, b), margin = 0.1 * (hi - lo);
  if (!(step >= lo + margin && step <= hi - margin)) return mid;
  return step;
}

// One point of the line search: step length, objective, directional derivative.
struct Sample {
  double step = 0.0;
  double value = 0.0;
  double slope = 0.0;
};

}  // namespace lbfgs_detail

// Minimises objective(x, &f, gradient) (returns false where it is not finite) from x, which
// holds the result on return. After every accepted step stop(x, f) is asked whether to end the
// run (kStopped). History: the last kHistory curvature pairs.
template <int N, int kHistory = 10, typename Objective, typename Stop>
LbfgsSummary MinimizeLbfgs(Objective&& objective, Stop&& stop, std::array<double, N>* x,
                           const LbfgsOptions& options) {
  using lbfgs_detail::Dot;
  using lbfgs_detail::Sample;
  using V = lbfgs_detail::Vec<N>;
  constexpr double kSufficientDecrease = 1e-4;  // c1 (N&W sec. 3.1)
  constexpr double kCurvature = 0.9;            // c2 for quasi-Newton directions (sec. 3.1)
  LbfgsSummary summary;
  V g{}, trial_x{}, trial_g{}, direction{};
  double f = 0.0;
  ++summary.evaluations;
  if (!objective(x->data(), &f, g.data())) return summary;
  summary.cost = f;
  std::array<V, kHistory> s_history{}, y_history{};
  std::array<double, kHistory> rho{}, alpha_k{};
  int stored = 0, newest = -1;
  auto max_norm = [](const V& v) {
    double m = 0.0;
    for (double e : v) m = std::max(m, std::abs(e));
    return m;
  };
  while (true) {
    if (max_norm(g) <= options.gradient_tolerance) {
      summary.end = LbfgsEnd::kGradientTolerance;
      return summary;
    }
    if (summary.iterations >= options.max_iterations) {
      summary.end = LbfgsEnd::kIterationLimit;
      return summary;
    }
    // Two-loop recursion (Alg. 7.4), H0 = (s'y / y'y) I from the newest pair (eq. 7.20).
    V q = g;
    for (int j = 0; j < stored; ++j) {
      const int i = (newest - j + kHistory) % kHistory;
      alpha_k[i] = rho[i] * Dot<N>(s_history[i], q);
      for (int k = 0; k < N; ++k) q[k] -= alpha_k[i] * y_history[i][k];
    }
    const double gamma = stored > 0 ? Dot<N>(s_history[newest], y_history[newest]) /
                                          Dot<N>(y_history[newest], y_history[newest])
                                    : 1.0;
    for (double& e : q) e *= gamma;
    for (int j = stored - 1; j >= 0; --j) {
      const int i = (newest - j + kHistory) % kHistory;
      const double beta = rho[i] * Dot<N>(y_history[i], q);
      for (int k = 0; k < N; ++k) q[k] += s_history[i][k] * (alpha_k[i] - beta);
    }
    for (int k = 0; k < N; ++k) direction[k] = -q[k];
    double slope0 = Dot<N>(direction, g);
    if (!(slope0 < 0.0)) {  // not a descent direction: restart from steepest descent
      stored = 0;
      for (int k = 0; k < N; ++k) direction[k] = -g[k];
      slope0 = Dot<N>(direction, g);
    }
    // First step of a fresh history: unit length in x (as scipy's L-BFGS-B); else 1.
    const double first_step = stored == 0 ? 1.0 / std::sqrt(Dot<N>(direction, direction)) : 1.0;

    // Weak-Wolfe line search: accept a step with sufficient decrease whose slope has risen to
    // c2 times the initial one; extrapolate (x4) while the slope is still steeper, interpolate
    // (cubic, safeguarded) inside [lo, hi] once a step fails the decrease condition.
    auto evaluate = [&](double step, Sample* sample) {
      for (int k = 0; k < N; ++k) trial_x[k] = (*x)[k] + step * direction[k];
      ++summary.evaluations;
      sample->step = step;
      double value = 0.0;
      if (!objective(trial_x.data(), &value, trial_g.data())) return false;
      sample->value = value;
      sample->slope = Dot<N>(trial_g, direction);
      return true;
    };
    Sample lo{0.0, f, slope0}, hi{}, current{};
    bool bracketed = false, accepted = false;
    double step = first_step;
    for (int trial = 0; trial < options.max_line_search_evaluations; ++trial) {
      const bool finite = evaluate(step, &current);
      if (!finite || current.value > f + kSufficientDecrease * step * slope0) {
        hi = current;
        if (!finite) hi.value = hi.slope = HUGE_VAL;  // the interpolation falls back to bisection
        bracketed = true;
      } else if (current.slope < kCurvature * slope0) {
        lo = current;
      } else {
        accepted = true;
        break;
      }
      step = bracketed
                 ? lbfgs_detail::CubicStep(lo.step, lo.value, lo.slope, hi.step, hi.value, hi.slope)
                 : 4.0 * step;
    }
    if (!accepted) {
      // Out of evaluations: keep the last step with sufficient decrease, if any.
      if (lo.step > 0.0 && lo.value < f) {
        evaluate(lo.step, &current);
      } else {
        summary.end = LbfgsEnd::kLineSearchFailed;
        return summary;
      }
    }
    // Accept: x += step d, record the curvature pair.
    const double previous_f = f;
    V s{}, y{};
    for (int k = 0; k < N; ++k) {
      s[k] = trial_x[k] - (*x)[k];
      y[k] = trial_g[k] - g[k];
    }
    *x = trial_x;
    g = trial_g;
    f = current.value;
    summary.cost = f;
    ++summary.iterations;
    const double sy = Dot<N>(s, y);
    if (sy > 1e-16 * Dot<N>(y, y)) {
      newest = (newest + 1) % kHistory;
      s_history[newest] = s;
      y_history[newest] = y;
      rho[newest] = 1.0 / sy;
      stored = std::min(stored + 1, kHistory);
    }
    if (stop(*x, f)) {
      summary.end = LbfgsEnd::kStopped;
      return summary;
    }
    if (std::abs(previous_f - f) <= options.function_tolerance * previous_f) {
      summary.end = LbfgsEnd::kFunctionTolerance;
      return summary;
    }
    if (std::sqrt(Dot<N>(s, s)) <=
        options.parameter_tolerance * (std::sqrt(Dot<N>(*x, *x)) + options.parameter_tolerance)) {
      summary.end = LbfgsEnd::kParameterTolerance;
      return summary;
    }
  }
}

}  // namespace rightsize
