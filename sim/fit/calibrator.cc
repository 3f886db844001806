#include "sim/fit/calibrator.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <set>

#include <ceres/ceres.h>
#include <fmt/format.h>
#include <Eigen/Dense>

#include "sim/fit/family_transfer.h"
#include "sim/fit/residuals.h"
#include "sim/util/error.h"
#include "sim/util/file_io.h"
#include "sim/util/stats.h"
#include "sim/util/work_units.h"

namespace rightsize {
namespace {

using P = EfficiencyParams;

// Owned by the problem (Problem takes ownership by default), one per fit.
ceres::LossFunction* MakeLoss(RobustLoss loss, double scale) {
  switch (loss) {
    case RobustLoss::kNone:
      return nullptr;
    case RobustLoss::kHuber:
      return new ceres::HuberLoss(scale);
    case RobustLoss::kSoftL1:
      return new ceres::SoftLOneLoss(scale);
    case RobustLoss::kCauchy:
      return new ceres::CauchyLoss(scale);
    case RobustLoss::kArctan:
      return new ceres::ArctanLoss(scale);
  }
  return nullptr;
}

double LogResidual(const CalibrationPoint& p, const double* params) {
  return std::log(PredictPointS(p, params) / p.measured_s);
}

// Gradient of log(predicted time) w.r.t. the parameters, by the same Jet code the fit uses (by
// the central differences the fit uses for a simulated point).
std::array<double, P::kNumParams> LogGradient(const CalibrationPoint& p, const double* params) {
  if (p.simulated) {
    std::array<double, P::kNumParams> g{};
    EfficiencyParams at;
    std::copy(params, params + P::kNumParams, at.values.begin());
    for (size_t i = 0; i < at.values.size(); ++i) {
      if (!p.simulated->Reads(static_cast<int>(i))) continue;  // no effect: a zero derivative
      const double x = params[i];
      const double h = SimulatedDifferenceStep(x);
      at.values[i] = x + h;
      const double up = std::log(p.simulated->PredictS(at));
      at.values[i] = x - h;
      const double down = std::log(p.simulated->PredictS(at));
      at.values[i] = x;
      g[i] = std::isfinite(up - down) ? (up - down) / (2 * h) : 0.0;
    }
    return g;
  }
  using J = ceres::Jet<double, P::kNumParams>;
  std::array<J, P::kNumParams> x;
  for (int i = 0; i < P::kNumParams; ++i) x[static_cast<size_t>(i)] = J(params[i], i);
  const J log_t = log(PredictStepTime_s(p.ops, p.rates, x.data()));
  std::array<double, P::kNumParams> g{};
  for (int i = 0; i < P::kNumParams; ++i) g[static_cast<size_t>(i)] = log_t.v[i];
  return g;
}

double RobustSigma(std::vector<double> residuals) {
  if (residuals.empty()) return 0.0;
  const double median = Quantile(residuals, 0.5);
  for (double& r : residuals) r = std::fabs(r - median);
  return 1.4826 * Quantile(residuals, 0.5);  // MAD -> sd for a normal
}

struct Solved {
  std::array<double, P::kNumParams> x{};
  bool converged = false;
  std::string message;
};

double PriorSdLog(const CalibratorOptions& o, int i) {
  if (o.prior_sd_log) return (*o.prior_sd_log)[static_cast<size_t>(i)];
  return o.prior_sd_scale * P::kPriorSdLog[static_cast<size_t>(i)];
}

// The lower bound the solver uses: the model's, raised for a log prior on a parameter whose
// bound is 0 (log 0 is not finite). See kPriorFloorSd.
double SolverLowerBound(const CalibratorOptions& o, int i) {
  const double lo = P::kLowerBounds[static_cast<size_t>(i)];
  if (!o.use_priors) return lo;
  return std::max(
      lo, o.prior.values[static_cast<size_t>(i)] * std::exp(-kPriorFloorSd * PriorSdLog(o, i)));
}

// One Levenberg-Marquardt solve with the given free mask. noise_sigma_log weighs the priors
// against the data (CalibratorOptions::use_priors).
// x holds the start and receives the solution; it must outlive *keep_problem, which refers to it.
Solved Solve(const std::vector<const CalibrationPoint*>& points,
             const std::array<bool, P::kNumParams>& free, const CalibratorOptions& o,
             double noise_sigma_log, std::array<double, P::kNumParams>* x,
             std::unique_ptr<ceres::Problem>* keep_problem) {
  Solved s;
  auto problem = std::make_unique<ceres::Problem>();
  // One loss object shared by every residual block; Problem deletes each distinct pointer once.
  ceres::LossFunction* loss = MakeLoss(o.loss, o.loss_scale);
  for (const CalibrationPoint* p : points) {
    ceres::CostFunction* cost = nullptr;
    if (p->simulated) {
      SimulatedLogRatioCost::Mask varied = free;
      for (int i = 0; i < P::kNumParams; ++i) {
        varied[static_cast<size_t>(i)] = varied[static_cast<size_t>(i)] && p->simulated->Reads(i);
      }
      cost = new SimulatedLogRatioCost(p->simulated.get(), p->measured_s, varied);
    } else {
      cost = LatencyLogRatioResidual::Create(&p->ops, p->rates, p->measured_s);
    }
    problem->AddResidualBlock(cost, loss, x->data());
  }
  if (o.use_priors) {
    for (int i = 0; i < P::kNumParams; ++i) {
      if (!free[static_cast<size_t>(i)]) continue;
      // Data residuals are unscaled log ratios: dividing the prior's by noise / sd instead puts
      // both on the data's scale (the objective is noise^2 x the negative log posterior).
      problem->AddResidualBlock(LogPriorResidual::Create(i, o.prior.values[static_cast<size_t>(i)],
                                                         PriorSdLog(o, i) / noise_sigma_log),
                                nullptr, x->data());
    }
  }
  std::vector<int> held;
  for (int i = 0; i < P::kNumParams; ++i) {
    if (!free[static_cast<size_t>(i)]) held.push_back(i);
  }
  if (held.size() == static_cast<size_t>(P::kNumParams)) {
    problem->SetParameterBlockConstant(x->data());
  } else if (!held.empty()) {
    problem->SetManifold(x->data(), new ceres::SubsetManifold(P::kNumParams, held));
  }
  for (int i = 0; i < P::kNumParams; ++i) {
    if (!free[static_cast<size_t>(i)]) continue;
    double& xi = (*x)[static_cast<size_t>(i)];
    xi = std::max(xi, SolverLowerBound(o, i));  // a start on a raised floor's wrong side
    problem->SetParameterLowerBound(x->data(), i, SolverLowerBound(o, i));
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
  // A simulated point's prediction jumps by ~1e-3 (relative) when two events swap order: steps
  // below that scale only chase those jumps, at a simulation per point per parameter.
  const bool simulated = std::any_of(points.begin(), points.end(),
                                     [](const CalibrationPoint* p) { return p->simulated; });
  if (simulated) {
    so.function_tolerance = 1e-7;
    so.parameter_tolerance = 1e-6;
  }
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
                               const std::array<double, P::kNumParams>& x) {
  Eigen::MatrixXd j(static_cast<Eigen::Index>(points.size()), P::kNumParams);
  for (size_t r = 0; r < points.size(); ++r) {
    const auto g = LogGradient(*points[r], x.data());
    for (int i = 0; i < P::kNumParams; ++i) {
      j(static_cast<Eigen::Index>(r), i) = g[static_cast<size_t>(i)] * x[static_cast<size_t>(i)];
    }
  }
  return j;
}

// The free parameter that dominates the weakest direction of J^T J, or -1 when every direction
// is pinned. A parameter the data does not touch at all has a zero column and is found first.
int LeastIdentified(const Eigen::MatrixXd& j, const std::array<bool, P::kNumParams>& free,
                    double threshold) {
  std::vector<int> idx;
  for (int i = 0; i < P::kNumParams; ++i) {
    if (free[static_cast<size_t>(i)]) idx.push_back(i);
  }
  if (idx.empty()) return -1;
  const Eigen::Index n = static_cast<Eigen::Index>(idx.size());
  Eigen::MatrixXd jtj(n, n);
  for (Eigen::Index a = 0; a < n; ++a) {
    for (Eigen::Index b = 0; b < n; ++b)
      jtj(a, b) = j.col(idx[static_cast<size_t>(a)]).dot(j.col(idx[static_cast<size_t>(b)]));
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

// Posterior covariance of the parameters under the priors, computed in log(parameter) space
// where data and prior curvatures are comparable: C_log = (J^T W J / noise^2 + diag(1/sd^2))^-1
// over the free parameters, J = d log t / d log theta, W the robust loss's IRLS weights
// rho'(r^2) at the optimum (1 inside the Huber scale, scale/|r| beyond). Ceres' own covariance
// works in parameter units, where a 1e-6 s overhead and a 0.7 efficiency differ by 10^12 in
// curvature and its rank test drops the weakly determined directions, reporting them as exact.
// Returns the covariance in parameter units: C_ab = theta_a theta_b C_log_ab.
std::optional<std::array<double, P::kNumParams * P::kNumParams>> PosteriorCovariance(
    const std::vector<const CalibrationPoint*>& points, const std::array<double, P::kNumParams>& x,
    const std::array<bool, P::kNumParams>& free, const CalibratorOptions& o, double noise) {
  std::vector<int> idx;
  for (int i = 0; i < P::kNumParams; ++i) {
    if (free[static_cast<size_t>(i)]) idx.push_back(i);
  }
  if (idx.empty()) return std::nullopt;
  const Eigen::Index n = static_cast<Eigen::Index>(idx.size());
  std::unique_ptr<ceres::LossFunction> loss(MakeLoss(o.loss, o.loss_scale));
  Eigen::MatrixXd precision = Eigen::MatrixXd::Zero(n, n);
  for (const CalibrationPoint* p : points) {
    const auto g = LogGradient(*p, x.data());
    const double r = LogResidual(*p, x.data());
    double rho[3] = {r * r, 1.0, 0.0};
    if (loss) loss->Evaluate(r * r, rho);
    Eigen::VectorXd row(n);
    for (Eigen::Index a = 0; a < n; ++a) {
      const size_t k = static_cast<size_t>(idx[static_cast<size_t>(a)]);
      row(a) = g[k] * x[k];
    }
    precision.noalias() += (rho[1] / (noise * noise)) * row * row.transpose();
  }
  for (Eigen::Index a = 0; a < n; ++a) {
    const double sd = PriorSdLog(o, idx[static_cast<size_t>(a)]);
    precision(a, a) += 1.0 / (sd * sd);
  }
  const Eigen::LDLT<Eigen::MatrixXd> ldlt(precision);
  if (ldlt.info() != Eigen::Success) return std::nullopt;
  const Eigen::MatrixXd c_log = ldlt.solve(Eigen::MatrixXd::Identity(n, n));
  if (!c_log.allFinite()) return std::nullopt;
  std::array<double, P::kNumParams * P::kNumParams> c{};
  for (Eigen::Index a = 0; a < n; ++a) {
    for (Eigen::Index b = 0; b < n; ++b) {
      const size_t ia = static_cast<size_t>(idx[static_cast<size_t>(a)]);
      const size_t ib = static_cast<size_t>(idx[static_cast<size_t>(b)]);
      c[ia * P::kNumParams + ib] = x[ia] * x[ib] * c_log(a, b);
    }
  }
  return c;
}

}  // namespace

double PredictPointS(const CalibrationPoint& point, const double* params) {
  if (!point.simulated) return PredictStepTime_s(point.ops, point.rates, params);
  EfficiencyParams at;
  std::copy(params, params + P::kNumParams, at.values.begin());
  return point.simulated->PredictS(at);
}

std::string ToString(RobustLoss loss) {
  switch (loss) {
    case RobustLoss::kNone:
      return "none";
    case RobustLoss::kHuber:
      return "huber";
    case RobustLoss::kSoftL1:
      return "soft_l1";
    case RobustLoss::kCauchy:
      return "cauchy";
    case RobustLoss::kArctan:
      return "arctan";
  }
  return "?";
}

RobustLoss ParseRobustLoss(const std::string& text) {
  for (RobustLoss l : {RobustLoss::kNone, RobustLoss::kHuber, RobustLoss::kSoftL1,
                       RobustLoss::kCauchy, RobustLoss::kArctan}) {
    if (ToString(l) == text) return l;
  }
  throw InputError({"", 0, "--loss"},
                   "unknown robust loss '" + text + "' (none, huber, soft_l1, cauchy, arctan)");
}

std::string ToString(ParamSource source) {
  switch (source) {
    case ParamSource::kData:
      return "data";
    case ParamSource::kPrior:
      return "prior";
    case ParamSource::kHeld:
      return "held";
  }
  return "?";
}

std::string NoUsableGroupReason(const CalibrationResult& result) {
  if (result.groups.empty()) return "no group to fit";
  std::string why;
  for (const GroupCalibration& g : result.groups) {
    if (g.usable) return "";
    // The report's first sentence is the summary line; the reasons follow it.
    const size_t end = g.report.find(". ");
    const std::string reasons = end == std::string::npos ? g.report : g.report.substr(end + 2);
    why += (why.empty() ? "" : "; ") + g.group + ": " + reasons;
  }
  return "no usable calibration group (" + why + ")";
}

const GroupCalibration* CalibrationResult::Find(const std::string& group) const {
  for (const auto& g : groups) {
    if (g.group == group) return &g;
  }
  return nullptr;
}

const FamilyCalibration* CalibrationResult::FindFamily(const std::string& name) const {
  for (const auto& f : families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Calibrator::Calibrator(CalibratorOptions options) : options_(std::move(options)) {
  RS_CHECK(options_.loss_scale > 0, "loss_scale must be > 0");
  RS_CHECK(options_.prior_sd_scale > 0 && std::isfinite(options_.prior_sd_scale),
           "prior_sd_scale must be > 0");
  RS_CHECK(options_.interval_level > 0 && options_.interval_level < 1, "interval_level in (0, 1)");
  RS_CHECK(options_.max_iterations >= 1 && options_.num_threads >= 1,
           "iterations and threads >= 1");
  std::string why;
  RS_CHECK(Validate(options_.prior, &why), "prior: " + why);
  for (int i : options_.fixed)
    RS_CHECK(i >= 0 && i < P::kNumParams, "fixed parameter index out of range");
  if (options_.use_priors) {
    for (int i = 0; i < P::kNumParams; ++i) {
      const bool fixed =
          std::find(options_.fixed.begin(), options_.fixed.end(), i) != options_.fixed.end();
      RS_CHECK(fixed || options_.prior.values[static_cast<size_t>(i)] > 0,
               std::string("a log prior needs a positive default: ") + P::Name(i));
    }
  }
  for (int i : options_.shared)
    RS_CHECK(i >= 0 && i < P::kNumParams, "shared parameter index out of range");
}

namespace {

// Log residuals of every point at the parameters `at`.
std::vector<double> LogResiduals(const std::vector<const CalibrationPoint*>& points,
                                 const std::array<double, P::kNumParams>& at) {
  std::vector<double> residuals;
  for (const CalibrationPoint* p : points) residuals.push_back(LogResidual(*p, at.data()));
  return residuals;
}

// With priors: solves, re-estimating the noise that weighs the priors against the data.
Solved SolveWithPriors(const std::vector<const CalibrationPoint*>& points,
                       const std::array<bool, P::kNumParams>& free, const CalibratorOptions& o,
                       double* noise_io, std::array<double, P::kNumParams>* x,
                       std::unique_ptr<ceres::Problem>* problem) {
  double& noise = *noise_io;
  Solved solved;
  // The prior's weight depends on the noise, which the fit estimates: refit until the robust
  // residual scale settles (within 10%; three refits reach that on every shipped dataset).
  for (int pass = 0; pass < 4; ++pass) {
    problem->reset();
    solved = Solve(points, free, o, noise, x, problem);
    const double estimated =
        std::max(kMinNoiseSigmaLog, RobustSigma(LogResiduals(points, solved.x)));
    const bool settled = std::fabs(std::log(estimated / noise)) < std::log(1.1);
    noise = estimated;
    if (settled) break;
  }
  return solved;
}

// Without priors: solves, holding each parameter the data cannot see (g.free, g.unidentified).
Solved SolveHoldingUnidentified(const std::vector<const CalibrationPoint*>& points,
                                const CalibratorOptions& o, double noise,
                                std::array<double, P::kNumParams>* x_io,
                                std::unique_ptr<ceres::Problem>* problem, GroupCalibration* out) {
  GroupCalibration& g = *out;
  std::array<double, P::kNumParams>& x = *x_io;
  Solved solved;
  // Parameters the data does not touch at all (no collectives -> link parameters, no attention
  // ops -> attention efficiency) are found before solving, so they cost no extra solve.
  const Eigen::MatrixXd j0 = ScaledJacobian(points, x);
  const double largest = j0.colwise().squaredNorm().maxCoeff();
  for (int i = 0; i < P::kNumParams; ++i) {
    if (g.free[static_cast<size_t>(i)] && !(j0.col(i).squaredNorm() > 1e-20 * largest)) {
      g.free[static_cast<size_t>(i)] = false;
      g.unidentified.push_back(P::Name(i));
    }
  }
  // Fit, find the direction the data cannot see, hold its parameter at the prior, refit. The
  // loop ends because each pass frees one fewer parameter.
  for (int pass = 0; pass <= P::kNumParams; ++pass) {
    problem->reset();
    solved = Solve(points, g.free, o, noise, &x, problem);
    const Eigen::MatrixXd j = ScaledJacobian(points, solved.x);
    const int weak = LeastIdentified(j, g.free, o.identifiability_threshold);
    if (weak < 0) break;
    g.free[static_cast<size_t>(weak)] = false;
    g.unidentified.push_back(P::Name(weak));
    // Held where this fit put it: along a direction the data cannot see the fit is equally
    // good anywhere, and the fitted value keeps the determined combination (e.g. the sum of
    // two collinear overheads) intact; for a parameter the data never touches it is the prior.
  }
  return solved;
}

// Residual summaries of the fit: relative RMS, robust sigma and median APE.
void SummariseResiduals(const std::vector<const CalibrationPoint*>& points, GroupCalibration* out) {
  GroupCalibration& g = *out;
  const std::vector<double> residuals = LogResiduals(points, g.params.values);
  std::vector<double> ape;
  double sum_sq = 0.0;
  for (double r : residuals) {
    ape.push_back(std::fabs(std::expm1(r)));
    sum_sq += r * r;
  }
  g.rel_rms = points.empty() ? 0.0 : std::sqrt(sum_sq / static_cast<double>(points.size()));
  g.sigma_log = RobustSigma(residuals);
  g.median_ape = Quantile(ape, 0.5);
}

// Records the free parameters that ended on a solver bound, with why that matters; returns the
// number of free parameters.
int NoteBounds(const CalibratorOptions& o, GroupCalibration* out) {
  GroupCalibration& g = *out;
  int n_free = 0;
  for (int i = 0; i < P::kNumParams; ++i) {
    if (!g.free[static_cast<size_t>(i)]) continue;
    ++n_free;
    const double v = g.params.values[static_cast<size_t>(i)];
    const double lo = SolverLowerBound(o, i), hi = P::kUpperBounds[static_cast<size_t>(i)];
    const bool at_lower = v <= lo + 1e-9 * std::max(1.0, std::fabs(lo));
    const bool at_upper = v >= hi - 1e-9 * std::max(1.0, std::fabs(hi));
    if (!at_lower && !at_upper) continue;
    g.at_bound.push_back(P::Name(i));
    const bool raised_floor = at_lower && lo > P::kLowerBounds[static_cast<size_t>(i)];
    g.bound_notes.push_back(fmt::format(
        "{} = {:.4g} is on its {} bound{}: the data push it past what the model allows, so some "
        "cost the latency model lacks (or a wrong device, precision or workload in the log) is "
        "being absorbed here; predictions far from the fitted points may be off by more than "
        "the interval says.",
        P::Name(i), v, at_lower ? "lower" : "upper",
        raised_floor ? fmt::format(" ({:.0f} prior sd below the default {:.4g})", kPriorFloorSd,
                                   o.prior.values[static_cast<size_t>(i)])
                     : ""));
  }

  return n_free;
}

// Standard errors. With priors: the posterior covariance (PosteriorCovariance). Without:
// ceres::Covariance of the (robustified) problem at the optimum, scaled by the robust residual
// variance; DENSE_SVD copes with the near-singular directions that remain. False when it fails.
bool ComputeCovariance(const std::vector<const CalibrationPoint*>& points,
                       const CalibratorOptions& o, double noise, int n_free,
                       ceres::Problem* problem, GroupCalibration* out) {
  GroupCalibration& g = *out;
  bool covariance_ok = false;
  if (o.use_priors) {
    if (const auto c = PosteriorCovariance(points, g.params.values, g.free, o, noise)) {
      g.covariance = *c;
      for (int a = 0; a < P::kNumParams; ++a) {
        g.std_error[static_cast<size_t>(a)] =
            std::sqrt(std::max(0.0, g.covariance[static_cast<size_t>(a * P::kNumParams + a)]));
      }
      covariance_ok = true;
    }
  } else if (n_free > 0 && problem) {
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
      if (covariance.Compute(blocks, problem)) {
        std::array<double, P::kNumParams * P::kNumParams> c{};
        covariance.GetCovarianceBlock(parameter_blocks[0], parameter_blocks[0], c.data());
        const double s2 = g.sigma_log * g.sigma_log;
        for (int a = 0; a < P::kNumParams; ++a) {
          for (int b = 0; b < P::kNumParams; ++b) {
            const bool both = g.free[static_cast<size_t>(a)] && g.free[static_cast<size_t>(b)];
            g.covariance[static_cast<size_t>(a * P::kNumParams + b)] =
                both ? c[static_cast<size_t>(a * P::kNumParams + b)] * s2 : 0.0;
          }
          g.std_error[static_cast<size_t>(a)] =
              std::sqrt(std::max(0.0, g.covariance[static_cast<size_t>(a * P::kNumParams + a)]));
        }
        covariance_ok = true;
      }
    }
  }

  return covariance_ok;
}

// Where each parameter's value comes from (data, prior, held); the names the prior holds.
// Leverages at or above this are taken as this: a point the fit reproduces whatever it measured
// (as many free directions as points) says nothing about the noise, and 1 / sqrt(1 - h) would
// blow up.
constexpr double kMaxLeverage = 0.95;

// The residual scale of prediction intervals: the interval level's quantile of the studentized
// log residuals |r_i| / sqrt(1 - h_i), over that level's normal quantile. h_i = w_i g_i^T C g_i /
// s^2 is point i's leverage, the share of its own residual the fit absorbed (w_i the robust
// loss's weight, g_i = d log t / d params, C the parameter covariance at the residual scale s),
// so a studentized residual has the spread of a fresh point's: with many parameters on few
// points the raw residuals understate it. The empirical quantile rather than the MAD sets the
// width, so tails heavier than normal widen the interval to cover the level's share of points.
double IntervalSigmaLog(const std::vector<const CalibrationPoint*>& points,
                        const CalibratorOptions& o, bool covariance_ok, const GroupCalibration& g) {
  if (points.empty() || !covariance_ok) return g.sigma_log;
  std::unique_ptr<ceres::LossFunction> loss(MakeLoss(o.loss, o.loss_scale));
  const double s = std::max(kMinNoiseSigmaLog, g.sigma_log);  // the scale C was computed at
  std::vector<double> studentized;
  studentized.reserve(points.size());
  for (const CalibrationPoint* p : points) {
    const double r = LogResidual(*p, g.params.values.data());
    double rho[3] = {r * r, 1.0, 0.0};
    if (loss) loss->Evaluate(r * r, rho);
    const auto grad = LogGradient(*p, g.params.values.data());
    double gcg = 0.0;
    for (int a = 0; a < P::kNumParams; ++a) {
      for (int b = 0; b < P::kNumParams; ++b)
        gcg += grad[static_cast<size_t>(a)] * g.Covariance(a, b) * grad[static_cast<size_t>(b)];
    }
    const double leverage = std::clamp(rho[1] * gcg / (s * s), 0.0, kMaxLeverage);
    studentized.push_back(std::fabs(r) / std::sqrt(1.0 - leverage));
  }
  return Quantile(std::move(studentized), o.interval_level) /
         NormalQuantileTwoSided(o.interval_level);
}

std::vector<std::string> AttributeSources(const CalibratorOptions& o, bool covariance_ok,
                                          GroupCalibration* out) {
  GroupCalibration& g = *out;
  std::vector<std::string> prior_held;
  for (int i = 0; i < P::kNumParams; ++i) {
    const size_t k = static_cast<size_t>(i);
    if (!g.free[k]) {
      g.source[k] = ParamSource::kHeld;
    } else if (!o.use_priors) {
      g.source[k] = ParamSource::kData;
    } else {
      const double posterior_sd_log = g.std_error[k] / g.params.values[k];
      const bool moved = covariance_ok && posterior_sd_log < kDataMovedSdRatio * g.prior_sd_log[k];
      g.source[k] = moved ? ParamSource::kData : ParamSource::kPrior;
      if (!moved) prior_held.push_back(P::Name(i));
    }
  }
  if (o.use_priors) g.unidentified = prior_held;

  return prior_held;
}

}  // namespace

GroupCalibration Calibrator::FitGroup(const std::string& group,
                                      const std::vector<const CalibrationPoint*>& points) const {
  const CalibratorOptions& o = options_;
  GroupCalibration g;
  g.group = group;
  g.n_points = static_cast<int>(points.size());
  g.params = o.prior;
  g.free.fill(true);
  for (int i : o.fixed) g.free[static_cast<size_t>(i)] = false;
  for (int i = 0; i < P::kNumParams; ++i) {
    g.prior_value[static_cast<size_t>(i)] = o.prior.values[static_cast<size_t>(i)];
    g.prior_sd_log[static_cast<size_t>(i)] = o.use_priors ? PriorSdLog(o, i) : 0.0;
  }

  std::array<double, P::kNumParams> x = o.prior.values;  // the problem's parameter block
  std::unique_ptr<ceres::Problem> problem;
  double noise = std::max(kMinNoiseSigmaLog, o.loss_scale);  // weighs priors against the data
  const Solved solved = o.use_priors ? SolveWithPriors(points, g.free, o, &noise, &x, &problem)
                                     : SolveHoldingUnidentified(points, o, noise, &x, &problem, &g);
  g.params.values = solved.x;
  g.converged = solved.converged;
  SummariseResiduals(points, &g);
  const int n_free = NoteBounds(o, &g);
  const bool covariance_ok = ComputeCovariance(points, o, noise, n_free, problem.get(), &g);
  const std::vector<std::string> prior_held = AttributeSources(o, covariance_ok, &g);
  g.interval_sigma_log = IntervalSigmaLog(points, o, covariance_ok, g);

  // With priors every parameter is determined (by the data or its prior); the points must
  // outnumber those the data moved, and three are the fewest whose spread estimates the noise.
  const int n_moved =
      static_cast<int>(std::count(g.source.begin(), g.source.end(), ParamSource::kData));
  const bool enough = o.use_priors ? g.n_points >= 3 && g.n_points > n_moved : g.n_points > n_free;
  g.usable = g.converged && covariance_ok && enough && n_free > 0 && std::isfinite(g.rel_rms);
  std::string report = fmt::format(
      "{}: {} points, {} of {} parameters fitted, median APE {:.1f}%, "
      "log-residual sigma {:.3f}.",
      group, g.n_points, n_free, P::kNumParams, 100 * g.median_ape, g.sigma_log);
  auto joined = [](const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  };
  if (o.use_priors) {
    std::vector<std::string> moved;
    for (int i = 0; i < P::kNumParams; ++i) {
      if (g.source[static_cast<size_t>(i)] == ParamSource::kData) moved.push_back(P::Name(i));
    }
    if (!moved.empty())
      report += " Moved by the data (posterior sd < half the prior's): " + joined(moved) + ".";
    if (!prior_held.empty()) {
      report +=
          " Held by the prior (the data cannot pin them down; their prior spread is in the "
          "intervals): " +
          joined(prior_held) + ".";
    }
  } else if (!g.unidentified.empty()) {
    report += " The data cannot pin down " + joined(g.unidentified) +
              " (held at the fitted or prior value; only their combination with the others is "
              "determined).";
  }
  for (const std::string& note : g.bound_notes) report += " On a bound: " + note;
  if (!g.converged) report += " Solver did not converge: " + solved.message + ".";
  if (!covariance_ok && n_free > 0) report += " Covariance could not be computed.";
  if (!enough) report += " Too few points for the free parameters.";
  if (n_free == 0) report += " No parameter could be fitted.";
  g.report = report;
  return g;
}

namespace {

// The shuffle of the points into the folds that set the interval scales, and the most points of
// one group those folds use: a larger group contributes a random subset of this size, whose
// held-out residuals pin the level's quantile as well (2,000 residuals: the 90% quantile to about
// +-2% of its value) at a bounded cost; its folds' fits then see fewer of its points than the
// whole fit does, so its width errs a little wide.
constexpr uint64_t kIntervalFoldSeed = 20261202;
constexpr size_t kMaxIntervalFoldPoints = 2000;
// Held-out residuals a group needs for its own quantile; with fewer it keeps the studentized
// in-sample scale.
constexpr size_t kMinIntervalResiduals = 10;

// Each group's prediction-interval scale from held-out residuals: the points split into
// options.interval_folds folds (shuffled with a fixed seed), each fold predicted by a whole fit of
// the others (shared parameters refitted too), and per group the interval level's quantile of
// its absolute held-out log residuals over that level's normal quantile (a cross-validated,
// split-conformal width). The in-sample residuals, even studentized, understate what a point the
// fit has not seen misses by where the model is wrong in a structured way (a sweep's far end,
// another model's rows): on the llama.cpp table they gave 77% coverage of 5-fold held-out points
// at the 90% level. Groups absent from the result keep IntervalSigmaLog's scale.
std::map<std::string, double> IntervalScalesFromFolds(const std::vector<CalibrationPoint>& points,
                                                      const CalibratorOptions& options) {
  const size_t k = static_cast<size_t>(options.interval_folds);
  std::map<std::string, std::vector<size_t>> by_group;
  for (size_t i = 0; i < points.size(); ++i) by_group[points[i].group].push_back(i);
  std::mt19937_64 rng(kIntervalFoldSeed);
  std::vector<size_t> order;
  for (auto& [group, members] : by_group) {
    std::shuffle(members.begin(), members.end(), rng);
    if (members.size() > kMaxIntervalFoldPoints) members.resize(kMaxIntervalFoldPoints);
    order.insert(order.end(), members.begin(), members.end());
  }
  std::shuffle(order.begin(), order.end(), rng);
  CalibratorOptions inner = options;
  inner.interval_folds = 0;
  const Calibrator fitter(inner);
  std::map<std::string, std::vector<double>> held_out;
  for (size_t fold = 0; fold < k; ++fold) {
    std::vector<CalibrationPoint> train;
    std::vector<const CalibrationPoint*> test;
    for (size_t i = 0; i < order.size(); ++i) {
      if (i % k == fold) {
        test.push_back(&points[order[i]]);
      } else {
        train.push_back(points[order[i]]);
      }
    }
    const CalibrationResult fit = fitter.Fit(train);
    for (const CalibrationPoint* p : test) {
      const GroupCalibration* g = fit.Find(p->group);
      if (g == nullptr || !g->usable) continue;
      held_out[p->group].push_back(std::fabs(LogResidual(*p, g->params.values.data())));
    }
  }
  std::map<std::string, double> scales;
  for (auto& [group, residuals] : held_out) {
    if (residuals.size() < kMinIntervalResiduals) continue;
    scales[group] = Quantile(std::move(residuals), options.interval_level) /
                    NormalQuantileTwoSided(options.interval_level);
  }
  return scales;
}

}  // namespace

CalibrationResult Calibrator::Fit(const std::vector<CalibrationPoint>& points) const {
  if (options_.families) return FitWithFamilies(points, options_);
  std::map<std::string, std::vector<const CalibrationPoint*>> by_group;
  for (const auto& p : points) {
    RS_CHECK(p.measured_s > 0 && std::isfinite(p.measured_s),
             "measured time must be > 0: " + p.where);
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
  // The folds cost options_.interval_folds whole fits; only a group with enough points to
  // predict can use their residuals.
  const bool any_group_large = std::any_of(by_group.begin(), by_group.end(), [](const auto& entry) {
    return entry.second.size() >= kMinIntervalResiduals;
  });
  const std::map<std::string, double> interval_scales =
      options_.interval_folds >= 2 && any_group_large ? IntervalScalesFromFolds(points, options_)
                                                      : std::map<std::string, double>{};
  double sum_sq = 0.0;
  for (const auto& [group, members] : by_group) {
    GroupCalibration g = per_group ? per_group->FitGroup(group, members) : FitGroup(group, members);
    const auto scale = interval_scales.find(group);
    if (scale != interval_scales.end()) g.interval_sigma_log = scale->second;
    if (per_group) {
      std::string names;
      for (int a : options_.shared) {
        g.shared.push_back(P::Name(a));
        g.source[static_cast<size_t>(a)] = pooled.source[static_cast<size_t>(a)];
        g.prior_sd_log[static_cast<size_t>(a)] = pooled.prior_sd_log[static_cast<size_t>(a)];
        g.prior_value[static_cast<size_t>(a)] = pooled.prior_value[static_cast<size_t>(a)];
        names += (names.empty() ? "" : ", ") + std::string(P::Name(a));
        if (!pooled.free[static_cast<size_t>(a)]) continue;  // the pooled fit could not pin it
        for (int b : options_.shared) {
          g.covariance[static_cast<size_t>(a * P::kNumParams + b)] = pooled.Covariance(a, b);
        }
        g.std_error[static_cast<size_t>(a)] = pooled.std_error[static_cast<size_t>(a)];
      }
      const bool any_free = std::any_of(g.free.begin(), g.free.end(), [](bool f) { return f; });
      if (!any_free && pooled.usable) {
        // Nothing left to fit per group: the pooled fit determines it entirely, so the group
        // needed no solve of its own (drop what FitGroup said about that).
        for (const std::string said :
             {" No parameter could be fitted.", " Solver did not converge"}) {
          const size_t at = g.report.find(said);
          if (at != std::string::npos)
            g.report.erase(at, said.back() == '.' ? said.size() : std::string::npos);
        }
        g.converged = true;
        g.usable = std::isfinite(g.rel_rms);
      }
      g.report += fmt::format(" Shared with every group (fitted on all {} points): {}.",
                              pooled.n_points, names);
      if (options_.use_priors) {
        std::string held_names;
        g.unidentified.clear();
        for (int i = 0; i < P::kNumParams; ++i) {
          if (g.source[static_cast<size_t>(i)] != ParamSource::kPrior) continue;
          g.unidentified.push_back(P::Name(i));
          const bool shared =
              std::find(options_.shared.begin(), options_.shared.end(), i) != options_.shared.end();
          if (shared) held_names += (held_names.empty() ? "" : ", ") + std::string(P::Name(i));
        }
        if (!held_names.empty())
          g.report += " Of these, held by the prior in the pooled fit: " + held_names + ".";
      }
      g.usable = g.usable && pooled.converged;
    }
    if (g.usable) {
      g.report += scale != interval_scales.end()
                      ? fmt::format(
                            " Prediction intervals: held-out log-residual scale {:.3f} "
                            "({} folds).",
                            g.interval_sigma_log, options_.interval_folds)
                      : fmt::format(
                            " Prediction intervals: studentized in-sample log-residual "
                            "scale {:.3f}.",
                            g.interval_sigma_log);
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
  out.predicted_s = PredictPointS(point, x);
  const auto g = LogGradient(point, x);
  const double sigma = fit.interval_sigma_log > 0 ? fit.interval_sigma_log : fit.sigma_log;
  double var = sigma * sigma;
  for (int a = 0; a < P::kNumParams; ++a) {
    for (int b = 0; b < P::kNumParams; ++b)
      var += g[static_cast<size_t>(a)] * fit.Covariance(a, b) * g[static_cast<size_t>(b)];
  }
  const double half = NormalQuantileTwoSided(level) * std::sqrt(std::max(0.0, var));
  out.lower_s = out.predicted_s * std::exp(-half);
  out.upper_s = out.predicted_s * std::exp(half);
  return out;
}

std::string ParameterTable(const GroupCalibration& g) {
  std::string text;
  for (int i = 0; i < P::kNumParams; ++i) {
    const size_t k = static_cast<size_t>(i);
    const double v = g.params.values[k];
    std::string error =
        g.std_error[k] > 0 ? fmt::format("+- {:<10.3g}", g.std_error[k]) : fmt::format("{:13}", "");
    std::string prior = g.prior_sd_log[k] > 0 ? fmt::format("prior {:.3g} x/ e^{:.2g}",
                                                            g.prior_value[k], g.prior_sd_log[k])
                                              : std::string();
    std::string said;
    switch (g.source[k]) {
      case ParamSource::kData:
        said = "moved by the data";
        break;
      case ParamSource::kPrior:
        said = "held by the prior";
        break;
      case ParamSource::kHeld:
        said = "held, not fitted";
        break;
    }
    if (std::find(g.shared.begin(), g.shared.end(), P::Name(i)) != g.shared.end())
      said += " (shared by every group, pooled fit)";
    if (std::find(g.at_bound.begin(), g.at_bound.end(), P::Name(i)) != g.at_bound.end())
      said += "; AT A BOUND";
    text += fmt::format("  {:<22} {:12.5g} {} {:<26} {}\n", P::Name(i), v, error, prior, said);
  }
  return text;
}

namespace {

// What one held-out fold contributes to a CrossValidationReport.
struct FoldScore {
  int n_predicted = 0, n_unpredicted = 0, covered = 0;
  std::vector<double> ape;  // per predicted point, in test order
};

// Fits on train and scores test.
FoldScore ScoreFold(const std::vector<CalibrationPoint>& train,
                    const std::vector<const CalibrationPoint*>& test,
                    const CalibratorOptions& options) {
  FoldScore score;
  const CalibrationResult fit = Calibrator(options).Fit(train);
  for (const CalibrationPoint* p : test) {
    const GroupCalibration* g = fit.Find(p->group);
    if (g == nullptr) g = TransferFitFor(fit, *p);  // a device the fit never saw: its family
    if (g == nullptr || !g->usable) {
      ++score.n_unpredicted;
      continue;
    }
    const PredictionInterval pi = PredictWithInterval(*g, *p, options.interval_level);
    score.ape.push_back(std::fabs(pi.predicted_s - p->measured_s) / p->measured_s);
    score.covered += p->measured_s >= pi.lower_s && p->measured_s <= pi.upper_s;
    ++score.n_predicted;
  }
  return score;
}

// The points of one fold: the held-out ones and the rest.
struct FoldSplit {
  std::vector<CalibrationPoint> train;
  std::vector<const CalibrationPoint*> test;
};
using SplitFold = std::function<FoldSplit(size_t fold)>;

// Scores `folds` folds, one work unit each, through `runner` (every process gets every fold's
// score; null: this process, one fold after another), and adds them to `r` in fold order, so the
// report has the same bits wherever the folds ran. fold_medians (when given) receives each fold's
// median APE, in fold order (none when the fold predicted no point).
void ScoreFolds(size_t folds, const SplitFold& split, const CalibratorOptions& options,
                const UnitRunner* runner, CrossValidationReport* r,
                std::vector<std::optional<double>>* fold_medians = nullptr) {
  const LocalUnitRunner serial(1);
  const std::vector<std::string> bytes =
      (runner ? *runner : static_cast<const UnitRunner&>(serial))
          .RunEverywhere(folds, 1, [&](size_t begin, size_t end) {
            ByteWriter out;
            for (size_t f = begin; f < end; ++f) {
              const FoldSplit fold = split(f);
              const FoldScore score = ScoreFold(fold.train, fold.test, options);
              out.PutInt(score.n_predicted);
              out.PutInt(score.n_unpredicted);
              out.PutInt(score.covered);
              out.PutInt(static_cast<int64_t>(score.ape.size()));
              for (double ape : score.ape) out.PutDouble(ape);
            }
            return std::move(out.Bytes());
          });
  int covered = 0;
  for (const std::string& chunk : bytes) {
    ByteReader in(chunk);
    while (!in.AtEnd()) {
      r->n_predicted += static_cast<int>(in.Int());
      r->n_unpredicted += static_cast<int>(in.Int());
      covered += static_cast<int>(in.Int());
      std::vector<double> fold_ape;
      for (int64_t n = in.Int(); n > 0; --n) fold_ape.push_back(in.Double());
      r->ape.insert(r->ape.end(), fold_ape.begin(), fold_ape.end());
      if (fold_medians) {
        fold_medians->push_back(fold_ape.empty() ? std::nullopt
                                                 : std::optional<double>(Quantile(fold_ape, 0.5)));
      }
    }
  }
  r->median_ape = Quantile(r->ape, 0.5);
  r->p90_ape = Quantile(r->ape, 0.9);
  r->coverage = r->n_predicted > 0 ? static_cast<double>(covered) / r->n_predicted : 0.0;
}

}  // namespace

CrossValidationReport KFoldCrossValidate(const std::vector<CalibrationPoint>& points,
                                         const CalibratorOptions& options, int k, uint64_t seed,
                                         const UnitRunner* runner) {
  RS_CHECK(k >= 2, "k-fold needs k >= 2");
  CrossValidationReport r;
  r.scheme = fmt::format("{}-fold", k);
  r.folds = k;
  r.nominal = options.interval_level;
  std::vector<size_t> order(points.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  const auto split = [&](size_t fold) {
    FoldSplit s;
    for (size_t i = 0; i < order.size(); ++i) {
      if (i % static_cast<size_t>(k) == fold) {
        s.test.push_back(&points[order[i]]);
      } else {
        s.train.push_back(points[order[i]]);
      }
    }
    return s;
  };
  ScoreFolds(static_cast<size_t>(k), split, options, runner, &r);
  return r;
}

CrossValidationReport LeaveOneGroupOut(const std::vector<CalibrationPoint>& points,
                                       const CalibratorOptions& options, const UnitRunner* runner) {
  CrossValidationReport r;
  r.scheme = "leave-one-group-out";
  r.nominal = options.interval_level;
  std::set<std::string> key_set;
  for (const auto& p : points) key_set.insert(p.fold_key);
  const std::vector<std::string> keys(key_set.begin(), key_set.end());
  const auto split = [&](size_t fold) {
    FoldSplit s;
    for (const auto& p : points) {
      if (p.fold_key == keys[fold]) {
        s.test.push_back(&p);
      } else {
        s.train.push_back(p);
      }
    }
    return s;
  };
  std::vector<std::optional<double>> fold_medians;
  ScoreFolds(keys.size(), split, options, runner, &r, &fold_medians);
  r.folds = static_cast<int>(keys.size());
  for (size_t f = 0; f < keys.size() && f < fold_medians.size(); ++f) {
    if (fold_medians[f]) r.group_median_ape[keys[f]] = *fold_medians[f];
  }
  return r;
}

DeviceHoldOutReport LeaveOneDeviceOut(const std::vector<CalibrationPoint>& points,
                                      const CalibratorOptions& options, const UnitRunner* runner) {
  std::map<std::string, std::set<std::string>> devices;  // family -> its devices
  for (const auto& p : points) {
    if (!p.family.empty()) devices[p.family].insert(p.device);
  }
  CalibratorOptions o = options;
  o.families = true;
  DeviceHoldOutReport out;
  CrossValidationReport& all = out.overall;
  all.scheme = "leave-one-device-out";
  all.nominal = options.interval_level;
  double covered = 0.0;
  for (const auto& entry : devices) {
    const std::string& family = entry.first;  // a named copy: lambdas cannot capture bindings
    const auto& members = entry.second;
    if (members.size() < 2) continue;
    const std::vector<std::string> held(members.begin(), members.end());
    CrossValidationReport r;
    r.scheme = "leave-one-device-out " + family;
    r.nominal = options.interval_level;
    const auto split = [&](size_t fold) {
      FoldSplit s;
      for (const auto& p : points) {
        if (p.family == family && p.device == held[fold]) {
          s.test.push_back(&p);
        } else {
          s.train.push_back(p);
        }
      }
      return s;
    };
    ScoreFolds(held.size(), split, o, runner, &r);
    r.folds = static_cast<int>(held.size());
    // The scores come in fold order, each fold's in point order: slice them per device.
    size_t at = 0;
    for (const std::string& device : held) {
      const size_t n =
          static_cast<size_t>(std::count_if(points.begin(), points.end(), [&](const auto& p) {
            return p.family == family && p.device == device;
          }));
      if (r.n_unpredicted == 0 && at + n <= r.ape.size()) {
        out.device_median_ape[device] =
            Quantile(std::vector<double>(r.ape.begin() + static_cast<std::ptrdiff_t>(at),
                                         r.ape.begin() + static_cast<std::ptrdiff_t>(at + n)),
                     0.5);
      }
      at += n;
    }
    all.folds += r.folds;
    all.n_predicted += r.n_predicted;
    all.n_unpredicted += r.n_unpredicted;
    covered += r.coverage * r.n_predicted;
    all.ape.insert(all.ape.end(), r.ape.begin(), r.ape.end());
    out.devices[family] = held;
    out.by_family[family] = std::move(r);
  }
  all.median_ape = Quantile(all.ape, 0.5);
  all.p90_ape = Quantile(all.ape, 0.9);
  all.coverage = all.n_predicted > 0 ? covered / all.n_predicted : 0.0;
  return out;
}

CrossValidationReport HoldOut(const std::vector<CalibrationPoint>& train,
                              const std::vector<CalibrationPoint>& test,
                              const CalibratorOptions& options) {
  CrossValidationReport r;
  r.scheme = "hold-out";
  r.folds = 1;
  r.nominal = options.interval_level;
  const auto split = [&](size_t) {
    FoldSplit s{train, {}};
    for (const auto& p : test) s.test.push_back(&p);
    return s;
  };
  ScoreFolds(1, split, options, nullptr, &r);
  return r;
}

SharingSelection SelectSharedParameters(const std::vector<CalibrationPoint>& points,
                                        const CalibratorOptions& options, int k, uint64_t seed,
                                        const UnitRunner* runner) {
  std::set<std::string> groups;
  for (const auto& p : points) groups.insert(p.group);
  SharingSelection s;
  if (groups.size() < 2) return s;
  CalibratorOptions trial = options;
  trial.shared.clear();
  trial.interval_folds = 0;  // the selection compares held-out errors, not interval widths
  const CrossValidationReport base = KFoldCrossValidate(points, trial, k, seed, runner);
  s.baseline_median_ape = base.median_ape;
  s.baseline_p90_ape = base.p90_ape;
  double median = base.median_ape, p90 = base.p90_ape;
  for (int i = 0; i < P::kNumParams; ++i) {
    if (std::find(options.fixed.begin(), options.fixed.end(), i) != options.fixed.end()) continue;
    trial.shared = s.shared;
    trial.shared.push_back(i);
    const CrossValidationReport r = KFoldCrossValidate(points, trial, k, seed, runner);
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

}  // namespace rightsize
