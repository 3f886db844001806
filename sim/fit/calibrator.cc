#include "sim/fit/calibrator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <set>

#include <Eigen/Dense>
#include <ceres/ceres.h>
#include <fmt/format.h>

#include "sim/fit/residuals.h"
#include "sim/util/error.h"
#include "sim/util/file_io.h"
#include "sim/util/stats.h"

namespace rightsize {
namespace {

using P = EfficiencyParams;
constexpr int kN = P::kNumParams;

const char* Name(int i) { return P::kParamNames[static_cast<size_t>(i)]; }

// Owned by the problem (Problem takes ownership by default), one per fit.
ceres::LossFunction* MakeLoss(RobustLoss loss, double scale) {
  switch (loss) {
    case RobustLoss::kNone: return nullptr;
    case RobustLoss::kHuber: return new ceres::HuberLoss(scale);
    case RobustLoss::kSoftL1: return new ceres::SoftLOneLoss(scale);
    case RobustLoss::kCauchy: return new ceres::CauchyLoss(scale);
    case RobustLoss::kArctan: return new ceres::ArctanLoss(scale);
  }
  return nullptr;
}

double LogResidual(const CalibrationPoint& p, const double* params) {
  return std::log(PredictStepTime_s(p.ops, p.rates, params) / p.measured_s);
}

// Gradient of log(predicted time) w.r.t. the parameters, by the same Jet code the fit uses.
std::array<double, kN> LogGradient(const CalibrationPoint& p, const double* params) {
  using J = ceres::Jet<double, kN>;
  std::array<J, kN> x;
  for (int i = 0; i < kN; ++i) x[static_cast<size_t>(i)] = J(params[i], i);
  const J log_t = log(PredictStepTime_s(p.ops, p.rates, x.data()));
  std::array<double, kN> g{};
  for (int i = 0; i < kN; ++i) g[static_cast<size_t>(i)] = log_t.v[i];
  return g;
}

double RobustSigma(std::vector<double> residuals) {
  if (residuals.empty()) return 0.0;
  const double median = Quantile(residuals, 0.5);
  for (double& r : residuals) r = std::fabs(r - median);
  return 1.4826 * Quantile(residuals, 0.5);  // MAD -> sd for a normal
}

struct Solved {
  std::array<double, kN> x{};
  bool converged = false;
  std::string message;
};

// One Levenberg-Marquardt solve with the given free mask.
// x holds the start and receives the solution; it must outlive *keep_problem, which refers to it.
Solved Solve(const std::vector<const CalibrationPoint*>& points, const std::array<bool, kN>& free,
             const CalibratorOptions& o, std::array<double, kN>* x,
             std::unique_ptr<ceres::Problem>* keep_problem) {
  Solved s;
  auto problem = std::make_unique<ceres::Problem>();
  // One loss object shared by every residual block; Problem deletes each distinct pointer once.
  ceres::LossFunction* loss = MakeLoss(o.loss, o.loss_scale);
  for (const CalibrationPoint* p : points) {
    problem->AddResidualBlock(LatencyLogRatioResidual::Create(&p->ops, p->rates, p->measured_s),
                              loss, x->data());
  }
  if (o.use_priors) {
    for (int i = 0; i < kN; ++i) {
      if (!free[static_cast<size_t>(i)]) continue;
      problem->AddResidualBlock(
          LogPriorResidual::Create(i, o.prior.values[static_cast<size_t>(i)], o.prior_sigma_log),
          nullptr, x->data());
    }
  }
  std::vector<int> held;
  for (int i = 0; i < kN; ++i) {
    if (!free[static_cast<size_t>(i)]) held.push_back(i);
  }
  if (held.size() == static_cast<size_t>(kN)) {
    problem->SetParameterBlockConstant(x->data());
  } else if (!held.empty()) {
    problem->SetManifold(x->data(), new ceres::SubsetManifold(kN, held));
  }
  for (int i = 0; i < kN; ++i) {
    if (!free[static_cast<size_t>(i)]) continue;
    problem->SetParameterLowerBound(x->data(), i, P::kLowerBounds[static_cast<size_t>(i)]);
    problem->SetParameterUpperBound(x->data(), i, P::kUpperBounds[static_cast<size_t>(i)]);
  }
  ceres::Solver::Options so;
  so.linear_solver_type = ceres::DENSE_QR;
  so.max_num_iterations = o.max_iterations;
  so.num_threads = o.num_threads;
  // Relative cost change 1e-9: the log residuals are ~1e-2 and the data noise ~1e-2, so tighter
  // tolerances only add iterations that move parameters far below their standard errors.
  so.function_tolerance = 1e-9;
  so.gradient_tolerance = 1e-10;
  so.parameter_tolerance = 1e-9;
  so.logging_type = ceres::SILENT;
  ceres::Solver::Summary summary;
  ceres::Solve(so, problem.get(), &summary);
  s.converged = summary.IsSolutionUsable() && summary.termination_type == ceres::CONVERGENCE;
  s.message = summary.message;
  s.x = *x;
  if (keep_problem) *keep_problem = std::move(problem);
  return s;
}

// Columns of the log-scaled Jacobian d r_j / d log(theta_i) = theta_i x d r_j / d theta_i.
Eigen::MatrixXd ScaledJacobian(const std::vector<const CalibrationPoint*>& points,
                               const std::array<double, kN>& x) {
  Eigen::MatrixXd j(static_cast<Eigen::Index>(points.size()), kN);
  for (size_t r = 0; r < points.size(); ++r) {
    const auto g = LogGradient(*points[r], x.data());
    for (int i = 0; i < kN; ++i) {
      j(static_cast<Eigen::Index>(r), i) = g[static_cast<size_t>(i)] * x[static_cast<size_t>(i)];
    }
  }
  return j;
}

// The free parameter that dominates the weakest direction of J^T J, or -1 when every direction
// is pinned. A parameter the data does not touch at all has a zero column and is found first.
int LeastIdentified(const Eigen::MatrixXd& j, const std::array<bool, kN>& free, double threshold) {
  std::vector<int> idx;
  for (int i = 0; i < kN; ++i) {
    if (free[static_cast<size_t>(i)]) idx.push_back(i);
  }
  if (idx.empty()) return -1;
  const Eigen::Index n = static_cast<Eigen::Index>(idx.size());
  Eigen::MatrixXd jtj(n, n);
  for (Eigen::Index a = 0; a < n; ++a) {
    for (Eigen::Index b = 0; b < n; ++b) jtj(a, b) = j.col(idx[static_cast<size_t>(a)]).dot(j.col(idx[static_cast<size_t>(b)]));
  }
  const double largest_diag = jtj.diagonal().maxCoeff();
  for (Eigen::Index a = 0; a < n; ++a) {
    if (!(jtj(a, a) > threshold * largest_diag)) return idx[static_cast<size_t>(a)];
  }
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(jtj);
  const Eigen::VectorXd& values = eig.eigenvalues();  // ascending
  if (values(n - 1) <= 0 || values(0) > threshold * values(n - 1)) return -1;
  Eigen::Index worst = 0;
  eig.eigenvectors().col(0).cwiseAbs().maxCoeff(&worst);
  return idx[static_cast<size_t>(worst)];
}

}  // namespace

std::string ToString(RobustLoss loss) {
  switch (loss) {
    case RobustLoss::kNone: return "none";
    case RobustLoss::kHuber: return "huber";
    case RobustLoss::kSoftL1: return "soft_l1";
    case RobustLoss::kCauchy: return "cauchy";
    case RobustLoss::kArctan: return "arctan";
  }
  return "?";
}

RobustLoss ParseRobustLoss(const std::string& text) {
  for (RobustLoss l : {RobustLoss::kNone, RobustLoss::kHuber, RobustLoss::kSoftL1,
                       RobustLoss::kCauchy, RobustLoss::kArctan}) {
    if (ToString(l) == text) return l;
  }
  throw InputError({"", 0, "--loss"}, "unknown robust loss '" + text +
                                          "' (none, huber, soft_l1, cauchy, arctan)");
}

const GroupCalibration* CalibrationResult::Find(const std::string& group) const {
  for (const auto& g : groups) {
    if (g.group == group) return &g;
  }
  return nullptr;
}

Calibrator::Calibrator(CalibratorOptions options) : options_(std::move(options)) {
  RS_CHECK(options_.loss_scale > 0, "loss_scale must be > 0");
  RS_CHECK(options_.prior_sigma_log > 0, "prior_sigma_log must be > 0");
  RS_CHECK(options_.interval_level > 0 && options_.interval_level < 1, "interval_level in (0, 1)");
  RS_CHECK(options_.max_iterations >= 1 && options_.num_threads >= 1, "iterations and threads >= 1");
  std::string why;
  RS_CHECK(Validate(options_.prior, &why), "prior: " + why);
  for (int i : options_.fixed) RS_CHECK(i >= 0 && i < kN, "fixed parameter index out of range");
  for (int i : options_.shared) RS_CHECK(i >= 0 && i < kN, "shared parameter index out of range");
}

GroupCalibration Calibrator::FitGroup(const std::string& group,
                                      const std::vector<const CalibrationPoint*>& points) const {
  const CalibratorOptions& o = options_;
  GroupCalibration g;
  g.group = group;
  g.n_points = static_cast<int>(points.size());
  g.params = o.prior;
  g.free.fill(true);
  for (int i : o.fixed) g.free[static_cast<size_t>(i)] = false;

  std::array<double, kN> x = o.prior.values;  // the problem's parameter block
  std::unique_ptr<ceres::Problem> problem;
  Solved solved;
  // Parameters the data does not touch at all (no collectives -> link parameters, no attention
  // ops -> attention efficiency) are found before solving, so they cost no extra solve.
  if (!o.use_priors) {
    const Eigen::MatrixXd j0 = ScaledJacobian(points, x);
    const double largest = j0.colwise().squaredNorm().maxCoeff();
    for (int i = 0; i < kN; ++i) {
      if (g.free[static_cast<size_t>(i)] && !(j0.col(i).squaredNorm() > 1e-20 * largest)) {
        g.free[static_cast<size_t>(i)] = false;
        g.unidentified.push_back(Name(i));
      }
    }
  }
  // Fit, find the direction the data cannot see, hold its parameter at the prior, refit. The
  // loop ends because each pass frees one fewer parameter.
  for (int pass = 0; pass <= kN; ++pass) {
    problem.reset();
    solved = Solve(points, g.free, o, &x, &problem);
    const Eigen::MatrixXd j = ScaledJacobian(points, solved.x);
    const int weak = o.use_priors ? -1 : LeastIdentified(j, g.free, o.identifiability_threshold);
    if (weak < 0) break;
    g.free[static_cast<size_t>(weak)] = false;
    g.unidentified.push_back(Name(weak));
    // Held where this fit put it: along a direction the data cannot see the fit is equally good
    // anywhere, and the fitted value keeps the determined combination (e.g. the sum of two
    // collinear overheads) intact; for a parameter the data never touches it is the prior.
  }
  g.params.values = solved.x;
  g.converged = solved.converged;

  std::vector<double> residuals, ape;
  double sum_sq = 0.0;
  for (const CalibrationPoint* p : points) {
    const double r = LogResidual(*p, solved.x.data());
    residuals.push_back(r);
    ape.push_back(std::fabs(std::expm1(r)));
    sum_sq += r * r;
  }
  g.rel_rms = points.empty() ? 0.0 : std::sqrt(sum_sq / static_cast<double>(points.size()));
  g.sigma_log = RobustSigma(residuals);
  g.median_ape = Quantile(ape, 0.5);

  int n_free = 0;
  for (int i = 0; i < kN; ++i) {
    if (!g.free[static_cast<size_t>(i)]) continue;
    ++n_free;
    const double v = g.params.values[static_cast<size_t>(i)];
    const double lo = P::kLowerBounds[static_cast<size_t>(i)], hi = P::kUpperBounds[static_cast<size_t>(i)];
    if (v <= lo + 1e-9 * std::max(1.0, std::fabs(lo)) || v >= hi - 1e-9 * std::max(1.0, std::fabs(hi))) {
      g.at_bound.push_back(Name(i));
    }
  }

  // Standard errors: ceres::Covariance of the (robustified) problem at the optimum, scaled by the
  // robust residual variance. DENSE_SVD copes with the near-singular directions that remain.
  bool covariance_ok = false;
  if (n_free > 0 && problem) {
    ceres::Covariance::Options co;
    co.algorithm_type = ceres::DENSE_SVD;
    co.null_space_rank = -1;
    co.min_reciprocal_condition_number = 1e-14;
    ceres::Covariance covariance(co);
    std::vector<std::pair<const double*, const double*>> blocks;
    std::vector<double*> parameter_blocks;
    problem->GetParameterBlocks(&parameter_blocks);
    if (!parameter_blocks.empty()) {
      blocks.emplace_back(parameter_blocks[0], parameter_blocks[0]);
      if (covariance.Compute(blocks, problem.get())) {
        std::array<double, kN * kN> c{};
        covariance.GetCovarianceBlock(parameter_blocks[0], parameter_blocks[0], c.data());
        const double s2 = g.sigma_log * g.sigma_log;
        for (int a = 0; a < kN; ++a) {
          for (int b = 0; b < kN; ++b) {
            const bool both = g.free[static_cast<size_t>(a)] && g.free[static_cast<size_t>(b)];
            g.covariance[static_cast<size_t>(a * kN + b)] = both ? c[static_cast<size_t>(a * kN + b)] * s2 : 0.0;
          }
          g.std_error[static_cast<size_t>(a)] = std::sqrt(std::max(0.0, g.covariance[static_cast<size_t>(a * kN + a)]));
        }
        covariance_ok = true;
      }
    }
  }

  const bool enough = g.n_points > n_free;
  g.usable = g.converged && covariance_ok && enough && n_free > 0 && std::isfinite(g.rel_rms);
  std::string report = fmt::format("{}: {} points, {} of {} parameters fitted, median APE {:.1f}%, "
                                   "log-residual sigma {:.3f}.",
                                   group, g.n_points, n_free, kN, 100 * g.median_ape, g.sigma_log);
  if (!g.unidentified.empty()) {
    std::string names;
    for (const auto& n : g.unidentified) names += (names.empty() ? "" : ", ") + n;
    report += " The data cannot pin down " + names + " (held at the fitted or prior value; only their combination with the others is determined).";
  }
  if (!g.at_bound.empty()) {
    std::string names;
    for (const auto& n : g.at_bound) names += (names.empty() ? "" : ", ") + n;
    report += " On a bound: " + names + " (standard errors optimistic).";
  }
  if (!g.converged) report += " Solver did not converge: " + solved.message + ".";
  if (!covariance_ok && n_free > 0) report += " Covariance could not be computed.";
  if (!enough) report += " Too few points for the free parameters.";
  if (n_free == 0) report += " No parameter could be fitted.";
  g.report = report;
  return g;
}

CalibrationResult Calibrator::Fit(const std::vector<CalibrationPoint>& points) const {
  std::map<std::string, std::vector<const CalibrationPoint*>> by_group;
  for (const auto& p : points) {
    RS_CHECK(p.measured_s > 0 && std::isfinite(p.measured_s), "measured time must be > 0: " + p.where);
    by_group[p.group].push_back(&p);
  }
  CalibrationResult result;
  result.usable = !by_group.empty();
  // Shared parameters: one pooled fit of every point, then each group holds them at its values.
  std::optional<Calibrator> per_group;
  GroupCalibration pooled;
  if (!options_.shared.empty() && by_group.size() > 1) {
    std::vector<const CalibrationPoint*> all;
    for (const auto& p : points) all.push_back(&p);
    pooled = FitGroup("all groups", all);
    CalibratorOptions held = options_;
    held.shared.clear();
    for (int i : options_.shared) {
      held.prior.values[static_cast<size_t>(i)] = pooled.params.values[static_cast<size_t>(i)];
      held.fixed.push_back(i);
    }
    per_group.emplace(held);
    result.report += "shared parameters from " + pooled.report + "\n";
  }
  double sum_sq = 0.0;
  for (const auto& [group, members] : by_group) {
    GroupCalibration g = per_group ? per_group->FitGroup(group, members) : FitGroup(group, members);
    if (per_group) {
      std::string names;
      for (int a : options_.shared) {
        g.shared.push_back(Name(a));
        names += (names.empty() ? "" : ", ") + std::string(Name(a));
        if (!pooled.free[static_cast<size_t>(a)]) continue;  // the pooled fit could not pin it
        for (int b : options_.shared) {
          g.covariance[static_cast<size_t>(a * kN + b)] = pooled.Covariance(a, b);
        }
        g.std_error[static_cast<size_t>(a)] = pooled.std_error[static_cast<size_t>(a)];
      }
      const bool any_free = std::any_of(g.free.begin(), g.free.end(), [](bool f) { return f; });
      if (!any_free && pooled.usable) {
        // Nothing left to fit per group: the pooled fit determines it entirely, so the group
        // needed no solve of its own (drop what FitGroup said about that).
        for (const std::string said : {" No parameter could be fitted.", " Solver did not converge"}) {
          const size_t at = g.report.find(said);
          if (at != std::string::npos) g.report.erase(at, said.back() == '.' ? said.size() : std::string::npos);
        }
        g.converged = true;
        g.usable = std::isfinite(g.rel_rms);
      }
      g.report += fmt::format(" Shared with every group (fitted on all {} points): {}.", pooled.n_points, names);
      g.usable = g.usable && pooled.converged;
    }
    result.n_points += g.n_points;
    sum_sq += g.rel_rms * g.rel_rms * g.n_points;
    result.usable = result.usable && g.usable;
    result.report += g.report + "\n";
    result.groups.push_back(std::move(g));
  }
  result.rel_rms = result.n_points > 0 ? std::sqrt(sum_sq / result.n_points) : 0.0;
  if (by_group.empty()) result.report = "no points to fit\n";
  return result;
}

PredictionInterval PredictWithInterval(const GroupCalibration& fit, const CalibrationPoint& point,
                                       double level) {
  PredictionInterval out;
  const double* x = fit.params.values.data();
  out.predicted_s = PredictStepTime_s(point.ops, point.rates, x);
  const auto g = LogGradient(point, x);
  double var = fit.sigma_log * fit.sigma_log;
  for (int a = 0; a < kN; ++a) {
    for (int b = 0; b < kN; ++b) var += g[static_cast<size_t>(a)] * fit.Covariance(a, b) * g[static_cast<size_t>(b)];
  }
  const double half = NormalQuantileTwoSided(level) * std::sqrt(std::max(0.0, var));
  out.lower_s = out.predicted_s * std::exp(-half);
  out.upper_s = out.predicted_s * std::exp(half);
  return out;
}

namespace {

// Fits on train and scores test into report (accumulating).
void ScoreFold(const std::vector<CalibrationPoint>& train, const std::vector<const CalibrationPoint*>& test,
               const CalibratorOptions& options, CrossValidationReport* report, int* covered) {
  const CalibrationResult fit = Calibrator(options).Fit(train);
  for (const CalibrationPoint* p : test) {
    const GroupCalibration* g = fit.Find(p->group);
    if (g == nullptr || !g->usable) {
      ++report->n_unpredicted;
      continue;
    }
    const PredictionInterval pi = PredictWithInterval(*g, *p, options.interval_level);
    report->ape.push_back(std::fabs(pi.predicted_s - p->measured_s) / p->measured_s);
    *covered += p->measured_s >= pi.lower_s && p->measured_s <= pi.upper_s;
    ++report->n_predicted;
  }
}

void Finish(CrossValidationReport* r, int covered) {
  r->median_ape = Quantile(r->ape, 0.5);
  r->p90_ape = Quantile(r->ape, 0.9);
  r->coverage = r->n_predicted > 0 ? static_cast<double>(covered) / r->n_predicted : 0.0;
}

}  // namespace

CrossValidationReport KFoldCrossValidate(const std::vector<CalibrationPoint>& points,
                                         const CalibratorOptions& options, int k, uint64_t seed) {
  RS_CHECK(k >= 2, "k-fold needs k >= 2");
  CrossValidationReport r;
  r.scheme = fmt::format("{}-fold", k);
  r.folds = k;
  r.nominal = options.interval_level;
  std::vector<size_t> order(points.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  int covered = 0;
  for (int fold = 0; fold < k; ++fold) {
    std::vector<CalibrationPoint> train;
    std::vector<const CalibrationPoint*> test;
    for (size_t i = 0; i < order.size(); ++i) {
      if (static_cast<int>(i % static_cast<size_t>(k)) == fold) {
        test.push_back(&points[order[i]]);
      } else {
        train.push_back(points[order[i]]);
      }
    }
    ScoreFold(train, test, options, &r, &covered);
  }
  Finish(&r, covered);
  return r;
}

CrossValidationReport LeaveOneGroupOut(const std::vector<CalibrationPoint>& points,
                                       const CalibratorOptions& options) {
  CrossValidationReport r;
  r.scheme = "leave-one-group-out";
  r.nominal = options.interval_level;
  std::set<std::string> keys;
  for (const auto& p : points) keys.insert(p.fold_key);
  int covered = 0;
  for (const auto& key : keys) {
    std::vector<CalibrationPoint> train;
    std::vector<const CalibrationPoint*> test;
    for (const auto& p : points) {
      if (p.fold_key == key) {
        test.push_back(&p);
      } else {
        train.push_back(p);
      }
    }
    ScoreFold(train, test, options, &r, &covered);
    ++r.folds;
  }
  Finish(&r, covered);
  return r;
}

CrossValidationReport HoldOut(const std::vector<CalibrationPoint>& train,
                              const std::vector<CalibrationPoint>& test,
                              const CalibratorOptions& options) {
  CrossValidationReport r;
  r.scheme = "hold-out";
  r.folds = 1;
  r.nominal = options.interval_level;
  std::vector<const CalibrationPoint*> test_ptrs;
  for (const auto& p : test) test_ptrs.push_back(&p);
  int covered = 0;
  ScoreFold(train, test_ptrs, options, &r, &covered);
  Finish(&r, covered);
  return r;
}

SharingSelection SelectSharedParameters(const std::vector<CalibrationPoint>& points,
                                        const CalibratorOptions& options, int k, uint64_t seed) {
  std::set<std::string> groups;
  for (const auto& p : points) groups.insert(p.group);
  SharingSelection s;
  if (groups.size() < 2) return s;
  CalibratorOptions trial = options;
  trial.shared.clear();
  const CrossValidationReport base = KFoldCrossValidate(points, trial, k, seed);
  s.baseline_median_ape = base.median_ape;
  s.baseline_p90_ape = base.p90_ape;
  double median = base.median_ape, p90 = base.p90_ape;
  for (int i = 0; i < kN; ++i) {
    if (std::find(options.fixed.begin(), options.fixed.end(), i) != options.fixed.end()) continue;
    trial.shared = s.shared;
    trial.shared.push_back(i);
    const CrossValidationReport r = KFoldCrossValidate(points, trial, k, seed);
    SharingTrial t{i, r.median_ape, r.p90_ape, false};
    t.kept = r.n_unpredicted == base.n_unpredicted &&
             r.median_ape <= median * (1.0 + kSharingMedianTolerance) &&
             r.p90_ape <= p90 * (1.0 + kSharingP90Tolerance);
    if (t.kept) {
      s.shared.push_back(i);
      median = r.median_ape;
      p90 = r.p90_ape;
    }
    s.trials.push_back(t);
  }
  return s;
}

nlohmann::json GroupToJson(const GroupCalibration& g) {
  nlohmann::json j;
  j["group"] = g.group;
  j["usable"] = g.usable;
  j["converged"] = g.converged;
  nlohmann::json params, errors, free;
  nlohmann::json covariance = nlohmann::json::array();
  for (int a = 0; a < kN; ++a) {
    params[Name(a)] = g.params.values[static_cast<size_t>(a)];
    errors[Name(a)] = g.std_error[static_cast<size_t>(a)];
    free[Name(a)] = static_cast<bool>(g.free[static_cast<size_t>(a)]);
    nlohmann::json row = nlohmann::json::array();
    for (int b = 0; b < kN; ++b) row.push_back(g.Covariance(a, b));
    covariance.push_back(row);
  }
  j["params"] = params;
  j["std_error"] = errors;
  j["free"] = free;
  j["covariance"] = covariance;
  j["param_order"] = P::kParamNames;
  j["unidentified"] = g.unidentified;
  j["at_bound"] = g.at_bound;
  j["shared"] = g.shared;
  j["n_points"] = g.n_points;
  j["sigma_log"] = g.sigma_log;
  j["rel_rms"] = g.rel_rms;
  j["median_ape"] = g.median_ape;
  j["report"] = g.report;
  return j;
}

GroupCalibration GroupFromJson(const JsonValue& j) {
  const double kHuge = std::numeric_limits<double>::max();
  GroupCalibration g;
  g.group = j.RequiredString("group");
  g.usable = j.RequiredBool("usable");
  g.converged = j.OptionalBool("converged", g.usable);
  g.report = j.OptionalString("report", "");
  g.n_points = static_cast<int>(j.OptionalInt("n_points", 0, 0, std::numeric_limits<int>::max()));
  g.sigma_log = j.RequiredDouble("sigma_log", 0.0, kHuge);
  g.rel_rms = j.OptionalDouble("rel_rms", 0.0, 0.0, kHuge);
  g.median_ape = j.OptionalDouble("median_ape", 0.0, 0.0, kHuge);
  const JsonValue params = j.Child("params");
  const JsonValue std_error = j.Child("std_error");
  const JsonValue free = j.Child("free");
  const std::vector<JsonValue> covariance = j.Child("covariance").Elements();
  if (covariance.size() != static_cast<size_t>(kN)) {
    j.Child("covariance").Fail(fmt::format("expected {} rows, got {}", kN, covariance.size()));
  }
  for (int a = 0; a < kN; ++a) {
    const auto ia = static_cast<size_t>(a);
    g.params.values[ia] = params.RequiredDouble(Name(a), -kHuge, kHuge);
    g.std_error[ia] = std_error.RequiredDouble(Name(a), 0.0, kHuge);
    g.free[ia] = free.RequiredBool(Name(a));
    const std::vector<JsonValue> row = covariance[ia].Elements();
    if (row.size() != static_cast<size_t>(kN)) {
      covariance[ia].Fail(fmt::format("expected {} entries, got {}", kN, row.size()));
    }
    for (int b = 0; b < kN; ++b) g.covariance[static_cast<size_t>(a * kN + b)] = row[static_cast<size_t>(b)].AsDouble(-kHuge, kHuge);
  }
  g.unidentified = j.OptionalStringList("unidentified");
  g.at_bound = j.OptionalStringList("at_bound");
  g.shared = j.OptionalStringList("shared");
  std::string why;
  if (!Validate(g.params, &why)) throw InputError(params.Where(), why);
  return g;
}

JsonDocument ReadCalibrationDocument(const std::string& path) {
  JsonDocument doc = JsonDocument::Load(path);
  const JsonValue root = doc.Root();
  if (!root.IsObject()) root.Fail("expected a JSON object (a file written by `rightsize calibrate`)");
  if (!root.Has("schema_version") || !root.Child("schema_version").IsNumber() ||
      root.Child("schema_version").json() != kCalibrationSchemaVersion) {
    throw InputError(root.Where("schema_version"),
                     fmt::format("expected schema_version {} (a file written by `rightsize calibrate`)",
                                 kCalibrationSchemaVersion));
  }
  const std::vector<JsonValue> groups = root.Child("groups").Elements();
  if (groups.empty()) throw InputError(root.Where("groups"), "no fitted groups");
  for (const JsonValue& g : groups) {
    if (!g.IsObject()) g.Fail("expected a calibration group object, got " + g.Preview());
    g.RequiredString("group");
  }
  return doc;
}

std::vector<std::string> CalibrationGroupNames(const JsonDocument& doc) {
  std::vector<std::string> names;
  for (const JsonValue& g : doc.Root().Child("groups").Elements()) names.push_back(g.RequiredString("group"));
  return names;
}

GroupCalibration CalibrationGroupOf(const JsonDocument& doc, const std::string& group) {
  const JsonValue root = doc.Root();
  std::vector<std::string> names;
  std::vector<JsonValue> matches;
  for (const JsonValue& entry : root.Child("groups").Elements()) {
    const std::string name = entry.RequiredString("group");
    names.push_back(name);
    const bool exact = name == group;
    const bool hardware = !group.empty() && name.rfind(group + "/", 0) == 0;
    if (group.empty() || exact || hardware) matches.push_back(entry);
    if (exact) {
      matches = {entry};
      break;
    }
  }
  std::string listed;
  for (const auto& n : names) listed += (listed.empty() ? "" : ", ") + n;
  if (matches.empty()) {
    throw InputError(root.Where("groups"), "no group '" + group + "' (groups: " + listed + ")");
  }
  if (matches.size() > 1) {
    throw InputError(root.Where("groups"), "'" + group + "' matches several groups; name one of: " + listed);
  }
  GroupCalibration g = GroupFromJson(matches.front());
  if (!g.usable) {
    throw InputError({doc.file(), matches.front().Where().line, "groups." + g.group},
                     "this group's fit is not usable: " + g.report);
  }
  return g;
}

GroupCalibration LoadCalibrationGroup(const std::string& path, const std::string& group) {
  return CalibrationGroupOf(ReadCalibrationDocument(path), group);
}

EfficiencyParams LoadCalibration(const std::string& path, const std::string& group) {
  return LoadCalibrationGroup(path, group).params;
}

}  // namespace rightsize
