#include "sim/fit/law_fitter.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <limits>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "sim/fit/hoffmann_objective.h"
#include "sim/fit/lbfgs.h"
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
  double cost = std::numeric_limits<double>::infinity();
  const HoffmannHuberGradient objective(points, huber_delta, 1.0);
  objective.Evaluate(p.data(), &cost, nullptr);
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

// An optimum that a start of the grid converged to: what the basin rule stops later starts at.
struct KnownOptimum {
  std::array<double, kChinchillaNumParams> log_params{};
  double cost = 0.0;  // the solver's objective there (sum or mean)
  int start = 0;      // grid index of the start that reached it
};

// The optima known to a block, sorted by cost, so the basin test looks only at those whose cost
// is within the relative tolerance of the iterate's.
class BasinRule {
 public:
  BasinRule(std::vector<KnownOptimum> known, const HoffmannFitOptions& options)
      : known_(std::move(known)), options_(options) {
    std::sort(known_.begin(), known_.end(),
              [](const KnownOptimum& l, const KnownOptimum& r) { return l.cost < r.cost; });
  }

  // The start whose optimum's basin holds (params, cost), or -1.
  int BasinOf(const std::array<double, kChinchillaNumParams>& params, double cost) const {
    const double tolerance = options_.basin_relative_cost;
    auto it = std::lower_bound(
        known_.begin(), known_.end(), cost / (1.0 + tolerance),
        [](const KnownOptimum& optimum, double value) { return optimum.cost < value; });
    for (; it != known_.end() && it->cost <= cost / (1.0 - tolerance); ++it) {
      if (Within(params, it->log_params, options_.basin_parameter_tolerance)) return it->start;
    }
    return -1;
  }

  bool empty() const { return known_.empty(); }

  static bool Within(const std::array<double, kChinchillaNumParams>& p,
                     const std::array<double, kChinchillaNumParams>& q, double tolerance) {
    for (int k = 0; k < kChinchillaNumParams; ++k)
      if (!(std::abs(p[static_cast<size_t>(k)] - q[static_cast<size_t>(k)]) <= tolerance))
        return false;
    return true;
  }

 private:
  std::vector<KnownOptimum> known_;
  const HoffmannFitOptions& options_;
};

HoffmannStart SolveLbfgs(const HoffmannHuberGradient& objective,
                         const std::array<double, kChinchillaNumParams>& start,
                         const HoffmannFitOptions& options, const BasinRule& basin) {
  LbfgsOptions lbfgs;
  lbfgs.max_iterations = options.max_iterations;
  lbfgs.function_tolerance = options.function_tolerance;
  lbfgs.gradient_tolerance = options.gradient_tolerance;
  lbfgs.parameter_tolerance = options.parameter_tolerance;
  HoffmannStart result;
  result.log_params = start;
  auto evaluate = [&](const double* p, double* cost, double* gradient) {
    return objective.Evaluate(p, cost, gradient);
  };
  auto stop = [&](const std::array<double, kChinchillaNumParams>& p, double cost) {
    if (basin.empty()) return false;
    result.stopped_in_basin_of = basin.BasinOf(p, cost);
    return result.stopped_in_basin_of >= 0;
  };
  const LbfgsSummary summary =
      MinimizeLbfgs<kChinchillaNumParams>(evaluate, stop, &result.log_params, lbfgs);
  result.iterations = summary.iterations;
  result.converged = LbfgsConverged(summary.end);
  return result;
}

double ObjectiveScale(const HoffmannFitOptions& options, size_t num_points) {
  return options.objective == HoffmannObjectiveKind::kHuberSum
             ? 1.0
             : 1.0 / static_cast<double>(num_points);
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
  const double scale = ObjectiveScale(options, points.size());
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

// One start with the per-thread objective, stopped by the basin rule.
HoffmannStart FitOneStart(const std::vector<LogLossObservation>& points,
                          const HoffmannHuberGradient& objective,
                          const std::array<double, kChinchillaNumParams>& start,
                          const HoffmannFitOptions& options, const BasinRule& basin) {
  HoffmannStart result = options.solver == HoffmannSolverKind::kLbfgs
                             ? SolveLbfgs(objective, start, options, basin)
                             : SolveTrustRegion(points, start, options);
  // The paper's objective is the sum, whichever scale the solver minimised.
  double cost = std::numeric_limits<double>::infinity();
  const bool finite =
      AllFinite(result.log_params) && objective.Evaluate(result.log_params.data(), &cost, nullptr);
  result.huber_sum = finite ? cost / objective.scale() : std::numeric_limits<double>::infinity();
  return result;
}

// Adds the optima that the block's starts converged to, in grid order, each unless it lies
// within the basin tolerance of one already known.
void AddOptima(const std::vector<HoffmannStart>& results, int begin, int end, double scale,
               const HoffmannFitOptions& options, std::vector<KnownOptimum>* known) {
  for (int i = begin; i < end; ++i) {
    const HoffmannStart& r = results[static_cast<size_t>(i)];
    if (!r.converged || r.stopped_in_basin_of >= 0 || !std::isfinite(r.huber_sum)) continue;
    const bool seen = std::any_of(known->begin(), known->end(), [&](const KnownOptimum& k) {
      return BasinRule::Within(k.log_params, r.log_params, options.basin_parameter_tolerance);
    });
    if (!seen) known->push_back({r.log_params, scale * r.huber_sum, i});
  }
}

std::vector<std::array<double, kChinchillaNumParams>> StartGrid(const HoffmannFitOptions& options) {
  std::vector<std::array<double, kChinchillaNumParams>> starts;
  for (double a : options.grid_a)
    for (double b : options.grid_b)
      for (double e : options.grid_e)
        for (double alpha : options.grid_alpha)
          for (double beta : options.grid_beta) starts.push_back({a, b, e, alpha, beta});
  return starts;
}

// Runs every start of the grid, block by block (the basin rule), on the options' threads.
// The basin rules of the grid's blocks, built in block order as the blocks finish: block b's
// rule holds the optima of blocks 0 .. b - 2 (one block of lag, so a slow start of block b - 1
// does not hold up block b). It depends only on the grid order, never on the threads.
class BasinRules {
 public:
  BasinRules(const std::vector<HoffmannStart>& results, int num_starts, int block, double scale,
             const HoffmannFitOptions& options)
      : results_(results),
        num_starts_(num_starts),
        block_(block),
        scale_(scale),
        options_(options),
        remaining_(static_cast<size_t>((num_starts + block - 1) / block)) {
    for (size_t b = 0; b < remaining_.size(); ++b)
      remaining_[b] = std::min(block, num_starts - static_cast<int>(b) * block);
    rules_.resize(remaining_.size());
  }

  // Block b's rule, waiting until the blocks it needs have finished.
  const BasinRule& For(int b) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (built_ <= b) {
      const int needs = built_ - 2;  // the block whose optima the next rule adds
      if (needs >= 0 && remaining_[static_cast<size_t>(needs)] > 0) {
        finished_.wait(lock);
        continue;
      }
      if (needs >= 0)
        AddOptima(results_, needs * block_, std::min(num_starts_, (needs + 1) * block_), scale_,
                  options_, &known_);
      rules_[static_cast<size_t>(built_)] = std::make_unique<BasinRule>(known_, options_);
      ++built_;
    }
    return *rules_[static_cast<size_t>(b)];
  }

  void Finished(int b) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (--remaining_[static_cast<size_t>(b)] == 0) finished_.notify_all();
  }

 private:
  const std::vector<HoffmannStart>& results_;
  const int num_starts_, block_;
  const double scale_;
  const HoffmannFitOptions& options_;
  std::mutex mutex_;
  std::condition_variable finished_;
  std::vector<int> remaining_;  // starts of each block not finished yet
  std::vector<std::unique_ptr<BasinRule>> rules_;
  std::vector<KnownOptimum> known_;  // optima of the blocks the last rule built covers
  int built_ = 0;                    // rules_[0 .. built_) are ready
};

// Runs every start of the grid on the options' threads, each with its block's basin rule.
std::vector<HoffmannStart> RunStarts(
    const std::vector<LogLossObservation>& observations,
    const std::vector<std::array<double, kChinchillaNumParams>>& starts,
    const HoffmannFitOptions& options) {
  const int num_starts = static_cast<int>(starts.size());
  const int num_threads = std::min(WorkerThreads(options.num_threads), num_starts);
  const double scale = ObjectiveScale(options, observations.size());
  const int block = options.stop_in_known_basin && options.solver == HoffmannSolverKind::kLbfgs
                        ? std::max(1, options.basin_block_starts)
                        : num_starts;
  // Each worker takes the next start index; results land in their own slot, so the result does
  // not depend on the threads.
  std::vector<HoffmannStart> results(starts.size());
  BasinRules rules(results, num_starts, block, scale, options);
  const HoffmannHuberGradient objective(observations, options.huber_delta, scale);
  std::atomic<int> next{0};
  std::atomic<int> done{0};
  std::mutex progress_mutex;
  auto worker = [&] {
    for (int i = next.fetch_add(1); i < num_starts; i = next.fetch_add(1)) {
      const BasinRule& basin = rules.For(i / block);
      results[static_cast<size_t>(i)] =
          FitOneStart(observations, objective, starts[static_cast<size_t>(i)], options, basin);
      rules.Finished(i / block);
      const int finished = done.fetch_add(1) + 1;
      if (options.progress) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        options.progress(finished, num_starts);
      }
    }
  };
  RunOnThreads(num_threads, worker);
  return results;
}

}  // namespace

HoffmannStart FitChinchillaFromStart(const std::vector<LogLossObservation>& points,
                                     const std::array<double, kChinchillaNumParams>& start,
                                     const HoffmannFitOptions& options) {
  const HoffmannHuberGradient objective(points, options.huber_delta,
                                        ObjectiveScale(options, points.size()));
  return FitOneStart(points, objective, start, options, BasinRule({}, options));
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
  const std::vector<std::array<double, kChinchillaNumParams>> starts = StartGrid(options);
  fit.num_starts = static_cast<int>(starts.size());
  if (starts.empty()) {
    fit.report = "empty starting grid";
    return fit;
  }
  const std::vector<HoffmannStart> results = RunStarts(observations, starts, options);

  // A start stopped by the basin rule is credited with the optimum it entered, which is among
  // the candidates already; only starts that ran to their own end compete.
  int best = -1;
  for (int i = 0; i < fit.num_starts; ++i) {
    if (results[i].stopped_in_basin_of >= 0) {
      ++fit.num_stopped_early;
      continue;
    }
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
  fit.best_start = best;
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
      "{} on the {} objective (delta {}), {} points, {} starts ({} converged, {} stopped in the "
      "basin of an earlier start's optimum); best start #{} "
      "Huber sum {:.6e}: E {:.4f}, A {:.1f}, alpha {:.4f}, B {:.1f}, beta {:.4f}{}",
      solver_name, objective_name, options.huber_delta, fit.n_points, fit.num_starts,
      fit.num_converged, fit.num_stopped_early, best, fit.best.huber_sum, c.e_nats, c.a, c.alpha,
      c.b, c.beta,
      !sane        ? "; UNUSABLE: an exponent is not positive or a coefficient overflowed"
      : fit.usable ? ""
                   : "; UNUSABLE: " + unidentified);
  return fit;
}

}  // namespace rightsize
