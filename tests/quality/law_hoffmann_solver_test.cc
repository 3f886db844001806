// The pieces of the fast App. D.2 fit: the analytic gradient (held to automatic differentiation
// of the templated objective), the vector exp / log it uses (held to the C library), the L-BFGS
// minimiser (on Rosenbrock's function, whose minimum is known), and the path rule (the
// early-stopped grid reports the optimum of the grid run to convergence, whatever the threads,
// on the Epoch data and on synthetic data from known coefficients).
#include <array>
#include <cmath>
#include <memory>
#include <random>

#include "tests/quality/catch_with_ceres.h"

#include "sim/fit/hoffmann_objective.h"
#include "sim/fit/law_fitter.h"
#include "sim/fit/lbfgs.h"
#include "tests/quality/quality_test_util.h"

namespace rightsize {
namespace {

using testing::EpochPoints;

// Objective and gradient by Ceres' automatic differentiation of HoffmannHuberObjective.
double AutoDiff(const std::vector<LogLossObservation>& points, const std::array<double, 5>& p,
                double scale, std::array<double, 5>* gradient) {
  std::unique_ptr<ceres::FirstOrderFunction> reference(
      HoffmannHuberObjective::Create(&points, 1e-3, scale));
  double cost = 0.0;
  REQUIRE(reference->Evaluate(p.data(), &cost, gradient->data()));
  return cost;
}

TEST_CASE("Analytic gradient of the App. D.2 objective equals automatic differentiation",
          "[quality][fit]") {
  const std::vector<LogLossObservation> points = ToLogObservations(EpochPoints());
  std::vector<std::array<double, 5>> at = {
      {6.17, 7.67, 0.597, 0.347, 0.367},  // near the optimum
      {0, 0, -1, 0, 0},                   // corners of the App. D.2 grid
      {25, 25, 1, 2, 2},
      {5, 20, 0.5, 1.5, 0.5},
      {25, 0, -1, -40, 0.3},  // a term of e^900: the overflow-safe (shifted) path
  };
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int i = 0; i < 20; ++i) {
    at.push_back({25 * uniform(rng), 25 * uniform(rng), -1 + 2 * uniform(rng), 2 * uniform(rng),
                  2 * uniform(rng)});
  }
  for (double scale : {1.0, 1.0 / 240}) {
    const HoffmannHuberGradient analytic(points, 1e-3, scale);
    for (const auto& p : at) {
      std::array<double, 5> expected{}, gradient{};
      const double expected_cost = AutoDiff(points, p, scale, &expected);
      double cost = 0.0;
      REQUIRE(analytic.Evaluate(p.data(), &cost, gradient.data()));
      INFO("p = " << p[0] << ", " << p[1] << ", " << p[2] << ", " << p[3] << ", " << p[4]);
      CHECK(std::abs(cost - expected_cost) <= 1e-12 * expected_cost);
      double largest = 0.0;
      for (double g : expected) largest = std::max(largest, std::abs(g));
      for (int k = 0; k < 5; ++k) CHECK(std::abs(gradient[k] - expected[k]) <= 1e-10 * largest);
    }
  }
}

TEST_CASE("Vector exp and log agree with the C library to a few ulp", "[quality][fit]") {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> exponent(-708.0, 708.0);
  std::uniform_real_distribution<double> log10_x(-300.0, 300.0);
  double worst_exp = 0.0, worst_log = 0.0;
  for (int trial = 0; trial < 20000; ++trial) {
    double x[8], y[8], out[8];
    for (int k = 0; k < 8; ++k) {
      x[k] = trial < 10000 ? exponent(rng) : exponent(rng) / 700.0;  // wide, then near 0
      y[k] = trial < 10000 ? std::pow(10.0, log10_x(rng)) : 0.5 + exponent(rng) / 708.0 + 0.51;
    }
    VectorExp8(x, out);
    for (int k = 0; k < 8; ++k)
      worst_exp = std::max(worst_exp, std::abs(out[k] - std::exp(x[k])) / std::exp(x[k]));
    VectorLog8(y, out);
    for (int k = 0; k < 8; ++k) {
      const double truth = std::log(y[k]);
      // Absolute near log = 0 (y near 1), where a relative error is meaningless.
      worst_log = std::max(worst_log, std::abs(out[k] - truth) / std::max(1.0, std::abs(truth)));
    }
  }
  WARN("largest relative error: exp " << worst_exp << ", log " << worst_log);
  CHECK(worst_exp < 1e-15);
  CHECK(worst_log < 1e-15);
}

TEST_CASE("L-BFGS finds the minimum of Rosenbrock's function", "[quality][fit]") {
  // f = 100 (y - x^2)^2 + (1 - x)^2: minimum 0 at (1, 1), from N&W's start (-1.2, 1).
  auto rosenbrock = [](const double* p, double* f, double* g) {
    const double a = p[1] - p[0] * p[0], b = 1.0 - p[0];
    *f = 100.0 * a * a + b * b;
    g[0] = -400.0 * a * p[0] - 2.0 * b;
    g[1] = 200.0 * a;
    return true;
  };
  std::array<double, 2> x = {-1.2, 1.0};
  LbfgsOptions options;
  options.function_tolerance = 1e-15;
  options.gradient_tolerance = 1e-9;
  const LbfgsSummary summary = MinimizeLbfgs<2>(
      rosenbrock, [](const std::array<double, 2>&, double) { return false; }, &x, options);
  INFO("iterations " << summary.iterations << ", evaluations " << summary.evaluations);
  CHECK(LbfgsConverged(summary.end));
  CHECK(std::abs(x[0] - 1.0) < 1e-6);
  CHECK(std::abs(x[1] - 1.0) < 1e-6);
  CHECK(summary.cost < 1e-12);
  CHECK(summary.iterations < 100);
}

double Relative(double a, double b) { return std::abs(a - b) / std::abs(b); }

TEST_CASE("Path rule: the early-stopped grid reports the optimum of every start run to the end",
          "[quality][fit][heavy]") {
  HoffmannFitOptions every_start;
  every_start.stop_on_known_path = false;
  const HoffmannFit full = FitChinchillaHoffmann(EpochPoints(), every_start);
  HoffmannFitOptions early;
  early.num_threads = 1;
  const HoffmannFit one_thread = FitChinchillaHoffmann(EpochPoints(), early);
  early.num_threads = 2;
  const HoffmannFit two_threads = FitChinchillaHoffmann(EpochPoints(), early);
  INFO("every start: " << full.report);
  INFO("early stop: " << two_threads.report);
  REQUIRE(full.usable);
  REQUIRE(two_threads.usable);
  CHECK(full.num_stopped_early == 0);
  CHECK(two_threads.num_stopped_early > full.num_starts / 2);
  // The same optimum: the Huber sum to 1e-9, every coefficient to 4 digits and better.
  CHECK(Relative(two_threads.best.huber_sum, full.best.huber_sum) < 1e-9);
  const ChinchillaCoefficients& a = two_threads.coefficients;
  const ChinchillaCoefficients& b = full.coefficients;
  CHECK(Relative(a.e_nats, b.e_nats) < 1e-5);
  CHECK(Relative(a.alpha, b.alpha) < 1e-5);
  CHECK(Relative(a.beta, b.beta) < 1e-5);
  CHECK(Relative(a.a, b.a) < 1e-4);
  CHECK(Relative(a.b, b.b) < 1e-4);
  // Which starts stop depends only on the grid order, not on the threads: identical results.
  CHECK(one_thread.best_start == two_threads.best_start);
  CHECK(one_thread.num_stopped_early == two_threads.num_stopped_early);
  CHECK(one_thread.best.log_params == two_threads.best.log_params);
}

TEST_CASE("Path rule: on data from known coefficients, the same best fit as every start to its end",
          "[quality][fit][heavy]") {
  // Epoch-like coefficients, 0.3 % loss-scale noise (the scatter of the Epoch points), N from
  // 10^7.5 to 10^10.5 and 2 to 200 tokens per parameter.
  const ChinchillaCoefficients truth{1.8, 480.0, 2100.0, 0.35, 0.37};
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(0.0, 0.003);
  std::vector<LossPoint> points;
  for (double log10_n = 7.5; log10_n <= 10.5; log10_n += 0.25) {
    for (double tokens_per_param : {2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0}) {
      const double n = std::pow(10.0, log10_n);
      const double d = n * tokens_per_param;
      points.push_back({n, d, ChinchillaLoss(truth, n, d) * std::exp(noise(rng)), {}});
    }
  }
  HoffmannFitOptions every_start;
  every_start.stop_on_known_path = false;
  const HoffmannFit full = FitChinchillaHoffmann(points, every_start);
  const HoffmannFit early = FitChinchillaHoffmann(points, HoffmannFitOptions{});
  INFO("every start: " << full.report);
  INFO("path rule: " << early.report);
  REQUIRE(full.usable);
  REQUIRE(early.usable);
  // The optimum is the truth, to within what the noise allows.
  CHECK(Relative(full.coefficients.e_nats, truth.e_nats) < 0.02);
  CHECK(Relative(full.coefficients.alpha, truth.alpha) < 0.05);
  CHECK(Relative(full.coefficients.beta, truth.beta) < 0.05);
  // The path rule finds the same optimum, from a start that ran to its end...
  CHECK(Relative(early.best.huber_sum, full.best.huber_sum) < 1e-9);
  CHECK(Relative(early.coefficients.e_nats, full.coefficients.e_nats) < 1e-5);
  CHECK(Relative(early.coefficients.alpha, full.coefficients.alpha) < 1e-5);
  CHECK(Relative(early.coefficients.beta, full.coefficients.beta) < 1e-5);
  CHECK(Relative(early.coefficients.a, full.coefficients.a) < 1e-4);
  CHECK(Relative(early.coefficients.b, full.coefficients.b) < 1e-4);
  CHECK(early.best.joined_path_of == -1);
  CHECK(early.best.converged);
  // ... and stops a good part of the starts, saving a good part of the iterations.
  CHECK(full.num_stopped_early == 0);
  CHECK(early.num_stopped_early > early.num_starts / 3);
  CHECK(early.total_iterations < full.total_iterations * 2 / 3);
  CHECK(early.num_converged + early.num_stopped_early <= early.num_starts);
}

}  // namespace
}  // namespace rightsize
