#include "sim/fit/law_fitter.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <limits>
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

// A cell of the path rule's tiling of log-space {a, b, e, alpha, beta}, and one step of a
// start's path: the cell its iterate fell in and the solver's cost there.
using PathCell = std::array<int32_t, kChinchillaNumParams>;
struct PathStep {
  PathCell cell{};
  double cost = 0.0;
};

// The cells that recorded paths visited, each with the lowest cost of a visit and the start
// whose end that path is credited with (HoffmannFitOptions::stop_on_known_path): an
// open-addressing hash table (linear probing, at most half full), read by every worker at every
// step and written only between epochs.
class PathRule {
 public:
  explicit PathRule(double cell_size) : inverse_size_(1.0 / cell_size) {}

  // False when a coordinate has no cell (not finite, or beyond +-2^30 cells).
  bool CellOf(const std::array<double, kChinchillaNumParams>& p, PathCell* cell) const {
    constexpr double kLimit = 1073741824.0;  // 2^30
    for (int k = 0; k < kChinchillaNumParams; ++k) {
      const double scaled = std::floor(p[static_cast<size_t>(k)] * inverse_size_);
      if (!(std::abs(scaled) < kLimit)) return false;
      (*cell)[static_cast<size_t>(k)] = static_cast<int32_t>(scaled);
    }
    return true;
  }

  // The start credited with a path that visited `cell` at a cost not above `cost`, or -1.
  int JoinedPathOf(const PathCell& cell, double cost) const {
    if (size_ == 0) return -1;
    const Slot& slot = slots_[Find(cell)];
    return slot.end_of >= 0 && cost >= slot.cost ? slot.end_of : -1;
  }

  // Adds a path credited with start end_of's end; a cell keeps its lowest-cost visit (the
  // earlier one on a tie).
  void Record(const std::vector<PathStep>& path, int end_of) {
    for (const PathStep& step : path) {
      if (2 * (size_ + 1) > slots_.size()) Grow();
      Slot& slot = slots_[Find(step.cell)];
      if (slot.end_of < 0) {
        slot = Slot{step.cell, step.cost, end_of};
        ++size_;
      } else if (step.cost < slot.cost) {
        slot.cost = step.cost;
        slot.end_of = end_of;
      }
    }
  }

  bool empty() const { return size_ == 0; }

 private:
  struct Slot {
    PathCell cell{};
    double cost = 0.0;
    int end_of = -1;  // -1: empty
  };

  // The coordinates folded by multiplication, then MurmurHash3's 64-bit finaliser, so the low
  // bits that pick the slot depend on every coordinate.
  static uint64_t Hash(const PathCell& cell) {
    uint64_t h = 0;
    for (int32_t c : cell) h = (h ^ static_cast<uint32_t>(c)) * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 33);
  }

  // The slot holding `cell`, or the empty slot where it would go.
  size_t Find(const PathCell& cell) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = Hash(cell) & mask;; i = (i + 1) & mask)
      if (slots_[i].end_of < 0 || slots_[i].cell == cell) return i;
  }

  void Grow() {
    std::vector<Slot> old(std::max<size_t>(1024, 2 * slots_.size()));
    old.swap(slots_);
    for (const Slot& slot : old)
      if (slot.end_of >= 0) slots_[Find(slot.cell)] = slot;
  }

  double inverse_size_;
  std::vector<Slot> slots_;  // a power of two in size
  size_t size_ = 0;          // occupied slots
};

HoffmannStart SolveLbfgs(const HoffmannHuberGradient& objective,
                         const std::array<double, kChinchillaNumParams>& start,
                         const HoffmannFitOptions& options, const PathRule& rule,
                         std::vector<PathStep>* path) {
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
  // After every accepted step: record the step, stop if it joined a known path.
  auto stop = [&](const std::array<double, kChinchillaNumParams>& p, double cost) {
    if (path == nullptr) return false;
    PathStep step{{}, cost};
    if (!rule.CellOf(p, &step.cell)) return false;
    path->push_back(step);
    if (rule.empty()) return false;
    result.joined_path_of = rule.JoinedPathOf(step.cell, cost);
    return result.joined_path_of >= 0;
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

// One start with the shared objective; with `path`, its steps are recorded there and it is
// stopped by the path rule.
HoffmannStart FitOneStart(const std::vector<LogLossObservation>& points,
                          const HoffmannHuberGradient& objective,
                          const std::array<double, kChinchillaNumParams>& start,
                          const HoffmannFitOptions& options, const PathRule& rule,
                          std::vector<PathStep>* path) {
  HoffmannStart result = options.solver == HoffmannSolverKind::kLbfgs
                             ? SolveLbfgs(objective, start, options, rule, path)
                             : SolveTrustRegion(points, start, options);
  // The paper's objective is the sum, whichever scale the solver minimised.
  double cost = std::numeric_limits<double>::infinity();
  const bool finite =
      AllFinite(result.log_params) && objective.Evaluate(result.log_params.data(), &cost, nullptr);
  result.huber_sum = finite ? cost / objective.scale() : std::numeric_limits<double>::infinity();
  return result;
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

// Runs every start of the grid on the options' threads. With the path rule, epoch by epoch: a
// start of epoch k waits until the paths of epochs 0 .. k - 1 are in the rule; the start that
// finishes an epoch records its paths in grid order. Results land in their own slots, so the
// fit does not depend on the threads.
std::vector<HoffmannStart> RunStarts(
    const std::vector<LogLossObservation>& observations,
    const std::vector<std::array<double, kChinchillaNumParams>>& starts,
    const HoffmannFitOptions& options) {
  const int num_starts = static_cast<int>(starts.size());
  const int num_threads = std::min(WorkerThreads(options.num_threads), num_starts);
  const double scale = ObjectiveScale(options, observations.size());
  const bool follow_paths =
      options.stop_on_known_path && options.solver == HoffmannSolverKind::kLbfgs;
  const int epoch = follow_paths ? std::max(1, options.path_epoch_starts) : num_starts;
  const int num_epochs = (num_starts + epoch - 1) / epoch;
  std::vector<HoffmannStart> results(starts.size());
  std::vector<std::vector<PathStep>> paths(follow_paths ? starts.size() : 0);
  PathRule rule(options.path_cell_size);
  std::vector<int> remaining(static_cast<size_t>(num_epochs));
  for (int k = 0; k < num_epochs; ++k)
    remaining[static_cast<size_t>(k)] = std::min(epoch, num_starts - k * epoch);
  int recorded_epochs = 0;  // epochs whose paths are in `rule`
  std::mutex mutex;
  std::condition_variable recorded;
  // Called by the start that finishes epoch k, under the mutex: no start reads the rule then.
  auto record_epoch = [&](int k) {
    for (int i = k * epoch; i < std::min(num_starts, (k + 1) * epoch); ++i) {
      const HoffmannStart& r = results[static_cast<size_t>(i)];
      std::vector<PathStep>& path = paths[static_cast<size_t>(i)];
      if (r.joined_path_of >= 0)
        rule.Record(path, r.joined_path_of);
      else if (r.converged && std::isfinite(r.huber_sum))
        rule.Record(path, i);
      std::vector<PathStep>().swap(path);
    }
    recorded_epochs = k + 1;
  };
  const HoffmannHuberGradient objective(observations, options.huber_delta, scale);
  std::atomic<int> next{0};
  std::atomic<int> done{0};
  std::mutex progress_mutex;
  auto worker = [&] {
    for (int i = next.fetch_add(1); i < num_starts; i = next.fetch_add(1)) {
      const int k = i / epoch;
      if (follow_paths) {
        std::unique_lock<std::mutex> lock(mutex);
        recorded.wait(lock, [&] { return recorded_epochs >= k; });
      }
      results[static_cast<size_t>(i)] =
          FitOneStart(observations, objective, starts[static_cast<size_t>(i)], options, rule,
                      follow_paths ? &paths[static_cast<size_t>(i)] : nullptr);
      if (follow_paths) {
        std::lock_guard<std::mutex> lock(mutex);
        if (--remaining[static_cast<size_t>(k)] == 0) {
          record_epoch(k);
          recorded.notify_all();
        }
      }
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
  return FitOneStart(points, objective, start, options, PathRule(options.path_cell_size), nullptr);
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

  // A start stopped by the path rule is credited with the end of the path it joined, which is
  // among the candidates already; only starts that ran to their own end compete.
  int best = -1;
  for (int i = 0; i < fit.num_starts; ++i) {
    fit.total_iterations += results[i].iterations;
    if (results[i].joined_path_of >= 0) {
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
      "{} on the {} objective (delta {}), {} points, {} starts ({} converged, {} stopped on "
      "joining an earlier start's path); best start #{} "
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
