#include "sim/fit/law_fitter.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <mutex>

#include <fmt/format.h>

#include "sim/util/parallel.h"

namespace rightsize {

std::vector<LogLossObservation> ToLogObservations(const std::vector<LossPoint>& points) {
  std::vector<LogLossObservation> out;
  out.reserve(points.size());
  for (const LossPoint& point : points) {
    out.push_back({std::log(point.n_params), std::log(point.d_tokens), std::log(point.loss_nats)});
  }
  return out;
}

double HoffmannHuberSum(const std::vector<LogLossObservation>& points,
                        const std::array<double, kChinchillaNumParams>& p, double huber_delta) {
  double cost = 0.0;
  HoffmannHuberObjective objective(&points, huber_delta, 1.0);
  objective(p.data(), &cost);
  return cost;
}

ChinchillaCoefficients CoefficientsFromLogParams(
    const std::array<double, kChinchillaNumParams>& p) {
  ChinchillaCoefficients c;
  c.a = std::exp(p[0]);
  c.b = std::exp(p[1]);
  c.e_nats = std::exp(p[2]);
  c.alpha = p[3];
  c.beta = p[4];
  return c;
}

namespace {

HoffmannStart SolveLbfgs(const std::vector<LogLossObservation>& points,
                         const std::array<double, kChinchillaNumParams>& start,
                         const HoffmannFitOptions& options) {
  const double scale = options.objective == HoffmannObjectiveKind::kHuberSum
                           ? 1.0
                           : 1.0 / static_cast<double>(points.size());
  ceres::GradientProblem problem(
      HoffmannHuberObjective::Create(&points, options.huber_delta, scale));
  ceres::GradientProblemSolver::Options solver_options;
  solver_options.line_search_direction_type = ceres::LBFGS;
  solver_options.max_num_iterations = options.max_iterations;
  solver_options.function_tolerance = options.function_tolerance;
  solver_options.gradient_tolerance = options.gradient_tolerance;
  solver_options.parameter_tolerance = options.parameter_tolerance;
  solver_options.logging_type = ceres::SILENT;
  // With delta = 1e-3 most residuals sit in the Huber loss's linear regime, where the cubic
  // interpolation of the line search degenerates (and glog warns on every start); bisection
  // reaches the same optimum on the Epoch data in the same time.
  solver_options.line_search_interpolation_type = ceres::BISECTION;
  ceres::GradientProblemSolver::Summary summary;
  HoffmannStart result;
  result.log_params = start;
  ceres::Solve(solver_options, problem, result.log_params.data(), &summary);
  result.iterations = static_cast<int>(summary.iterations.size());
  result.converged = summary.termination_type == ceres::CONVERGENCE;
  return result;
}

HoffmannStart SolveTrustRegion(const std::vector<LogLossObservation>& points,
                               const std::array<double, kChinchillaNumParams>& start,
                               const HoffmannFitOptions& options) {
  HoffmannStart result;
  result.log_params = start;
  ceres::Problem::Options problem_options;
  // One shared loss object; the problem must not delete it once per residual block.
  problem_options.loss_function_ownership = ceres::DO_NOT_TAKE_OWNERSHIP;
  ceres::Problem problem(problem_options);
  // Ceres minimises 0.5 sum rho(r^2); with HuberLoss(delta) that is exactly the sum of Huber
  // losses of App. D.2. The mean variant scales every term by 1/n.
  ceres::HuberLoss huber(options.huber_delta);
  const double scale = options.objective == HoffmannObjectiveKind::kHuberSum
                           ? 1.0
                           : 1.0 / static_cast<double>(points.size());
  ceres::ScaledLoss scaled(&huber, scale, ceres::DO_NOT_TAKE_OWNERSHIP);
  for (const LogLossObservation& point : points) {
    problem.AddResidualBlock(ChinchillaLogResidual::Create(point), &scaled,
                             result.log_params.data());
  }
  ceres::Solver::Options solver_options;
  solver_options.linear_solver_type = ceres::DENSE_QR;
  solver_options.max_num_iterations = options.max_iterations;
  solver_options.function_tolerance = options.function_tolerance;
  solver_options.gradient_tolerance = options.gradient_tolerance;
  solver_options.parameter_tolerance = options.parameter_tolerance;
  solver_options.logging_type = ceres::SILENT;
  solver_options.num_threads = 1;
  ceres::Solver::Summary summary;
  ceres::Solve(solver_options, &problem, &summary);
  result.iterations = static_cast<int>(summary.iterations.size());
  result.converged = summary.termination_type == ceres::CONVERGENCE;
  return result;
}

bool AllFinite(const std::array<double, kChinchillaNumParams>& p) {
  return std::all_of(p.begin(), p.end(), [](double v) { return std::isfinite(v); });
}

}  // namespace

HoffmannStart FitChinchillaFromStart(const std::vector<LogLossObservation>& points,
                                     const std::array<double, kChinchillaNumParams>& start,
                                     const HoffmannFitOptions& options) {
  HoffmannStart result = options.solver == HoffmannSolverKind::kLbfgs
                             ? SolveLbfgs(points, start, options)
                             : SolveTrustRegion(points, start, options);
  result.huber_sum = AllFinite(result.log_params)
                         ? HoffmannHuberSum(points, result.log_params, options.huber_delta)
                         : std::numeric_limits<double>::infinity();
  if (!std::isfinite(result.huber_sum)) result.huber_sum = std::numeric_limits<double>::infinity();
  return result;
}

HoffmannFit FitChinchillaHoffmann(const std::vector<LossPoint>& points,
                                  const HoffmannFitOptions& options) {
  HoffmannFit fit;
  fit.n_points = static_cast<int>(points.size());
  if (points.size() < kChinchillaNumParams + 1) {
    fit.report = fmt::format("{} points: at least {} are needed to fit 5 coefficients",
                             points.size(), kChinchillaNumParams + 1);
    return fit;
  }
  const std::vector<LogLossObservation> observations = ToLogObservations(points);

  std::vector<std::array<double, kChinchillaNumParams>> starts;
  for (double a : options.grid_a)
    for (double b : options.grid_b)
      for (double e : options.grid_e)
        for (double alpha : options.grid_alpha)
          for (double beta : options.grid_beta) starts.push_back({a, b, e, alpha, beta});
  fit.num_starts = static_cast<int>(starts.size());
  if (starts.empty()) {
    fit.report = "empty starting grid";
    return fit;
  }

  const int num_threads = std::min(WorkerThreads(options.num_threads), fit.num_starts);

  // Each worker takes the next start index; results land in their own slot, so the choice of
  // the best start below is independent of the thread count and of scheduling.
  std::vector<HoffmannStart> results(starts.size());
  std::atomic<int> next{0};
  std::atomic<int> done{0};
  std::mutex progress_mutex;
  auto worker = [&] {
    for (int i = next.fetch_add(1); i < fit.num_starts; i = next.fetch_add(1)) {
      results[i] = FitChinchillaFromStart(observations, starts[i], options);
      const int finished = done.fetch_add(1) + 1;
      if (options.progress) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        options.progress(finished, fit.num_starts);
      }
    }
  };
  RunOnThreads(num_threads, worker);

  int best = -1;
  for (int i = 0; i < fit.num_starts; ++i) {
    if (results[i].converged) ++fit.num_converged;
    if (!std::isfinite(results[i].huber_sum)) continue;
    if (best < 0 || results[i].huber_sum < results[best].huber_sum) best = i;
  }
  const char* solver_name =
      options.solver == HoffmannSolverKind::kLbfgs ? "L-BFGS" : "Levenberg-Marquardt";
  const char* objective_name =
      options.objective == HoffmannObjectiveKind::kHuberSum ? "Huber sum" : "Huber mean";
  if (best < 0) {
    fit.report = fmt::format("{} on the {} objective: no start of {} ended at a finite value",
                             solver_name, objective_name, fit.num_starts);
    return fit;
  }
  fit.best = results[best];
  fit.coefficients = CoefficientsFromLogParams(fit.best.log_params);
  const ChinchillaCoefficients& c = fit.coefficients;
  const bool sane = c.alpha > 0.0 && c.beta > 0.0 && std::isfinite(c.a) && std::isfinite(c.b) &&
                    std::isfinite(c.e_nats);
  const std::string unidentified =
      sane ? IdentifiabilityProblem(LawForm::kChinchilla,
                                    ToObservations(points, LawForm::kChinchilla),
                                    {fit.best.log_params.begin(), fit.best.log_params.end()}, 0.0)
           : "";
  fit.usable = sane && unidentified.empty();
  fit.report = fmt::format(
      "{} on the {} objective (delta {}), {} points, {} starts ({} converged); best start #{} "
      "Huber sum {:.6e}: E {:.4f}, A {:.1f}, alpha {:.4f}, B {:.1f}, beta {:.4f}{}",
      solver_name, objective_name, options.huber_delta, fit.n_points, fit.num_starts,
      fit.num_converged, best, fit.best.huber_sum, c.e_nats, c.a, c.alpha, c.b, c.beta,
      !sane        ? "; UNUSABLE: an exponent is not positive or a coefficient overflowed"
      : fit.usable ? ""
                   : "; UNUSABLE: " + unidentified);
  return fit;
}

}  // namespace rightsize
