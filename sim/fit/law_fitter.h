// Scaling-law fitting on Ceres.
//
// FitChinchillaHoffmann follows Hoffmann et al. 2022, App. D.2 exactly: log space with
// log-sum-exp, Huber loss (delta = 1e-3) on the SUM over points, L-BFGS, a grid of 4,500
// starting points (run in parallel, best kept). Besiroglu et al. 2024 (Epoch AI) replicate it on
// 240 digitised points and show that a MEAN objective makes the optimiser stop early; the
// objective is therefore an explicit option so the trap can be demonstrated.
//
// FitLaw fits the other forms (Kaplan, Gadre loss and error, sigmoid accuracy, transfer,
// fine-tuning, PTQ) by least squares from a small grid of starts. A fit that fails is a result:
// usable = false and report says why.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "sim/fit/residuals.h"
#include "sim/quality/law_data.h"
#include "sim/quality/law_spec.h"
#include "sim/quality/scaling_laws.h"

namespace rightsize {

enum class HoffmannObjectiveKind {
  kHuberSum,   // Hoffmann et al. 2022, App. D.2 (the paper's objective)
  kHuberMean,  // the sum divided by the number of points (Besiroglu et al. 2024, sec. 2)
};

enum class HoffmannSolverKind {
  kLbfgs,        // the paper's optimiser (ceres::GradientProblemSolver, L-BFGS)
  kTrustRegion,  // Levenberg-Marquardt on residuals with ceres::HuberLoss: same objective
};

struct HoffmannFitOptions {
  double huber_delta = 1e-3;  // Huber threshold on log-loss residuals (dimensionless), > 0
  HoffmannObjectiveKind objective = HoffmannObjectiveKind::kHuberSum;
  HoffmannSolverKind solver = HoffmannSolverKind::kLbfgs;
  // Starting grid of App. D.2: alpha, beta in {0, 0.5, ..., 2}, e in {-1, -0.5, ..., 1},
  // a, b in {0, 5, ..., 25}: 5 x 5 x 5 x 6 x 6 = 4,500 starts.
  std::vector<double> grid_a = {0, 5, 10, 15, 20, 25};
  std::vector<double> grid_b = {0, 5, 10, 15, 20, 25};
  std::vector<double> grid_e = {-1, -0.5, 0, 0.5, 1};
  std::vector<double> grid_alpha = {0, 0.5, 1, 1.5, 2};
  std::vector<double> grid_beta = {0, 0.5, 1, 1.5, 2};
  int num_threads = 0;        // worker threads, >= 0; 0 = std::thread::hardware_concurrency()
  int max_iterations = 1000;  // per start, > 0
  // Stopping rules. Ceres' function tolerance is relative (scale-free), its gradient tolerance
  // absolute, like scipy's L-BFGS-B pgtol (default 1e-5) that Besiroglu et al. 2024 used: an
  // absolute gradient test is what makes a 1/n-scaled (mean) objective stop early.
  double function_tolerance = 1e-9;   // relative cost change per iteration, > 0
  double gradient_tolerance = 1e-5;   // max-norm of the gradient, > 0
  double parameter_tolerance = 1e-8;  // relative step size, > 0
  // Early stop (the path rule): a start of the grid whose iterate, after an accepted step,
  // falls in a cell that an earlier start's path visited with a cost not above the iterate's is
  // stopped there and credited with that earlier start's end: it has joined a path that already
  // led to an optimum, which competes for the best. Cells tile log-space {a, b, e, alpha, beta}
  // with side path_cell_size; a stopped start's path up to its stop is recorded too, credited
  // to the same end. Only starts that ran to their own end compete for the best. The grid is cut
  // into epochs of path_epoch_starts (grid order); a start of epoch k sees the paths of epochs
  // 0 .. k - 1, so which starts stop, and the fit, do not depend on the thread count or on
  // scheduling. A heuristic like MLSL's clustering: a stopped start might have ended elsewhere
  // (docs/quality.md measures how often). Off: every start runs to its own end (the paper's
  // procedure verbatim). The tests check that both give the same optimum.
  bool stop_on_known_path = true;
  double path_cell_size = 0.1;  // dimensionless (log-space), > 0
  int path_epoch_starts = 32;   // > 0
  // Called from worker threads with (starts done, starts total); may be empty.
  std::function<void(int, int)> progress;
};

// One fitted start.
struct HoffmannStart {
  std::array<double, kChinchillaNumParams> log_params{};  // {a, b, e, alpha, beta}
  double huber_sum = 0.0;  // the paper's objective at the end point (always the SUM)
  int iterations = 0;
  bool converged = false;  // the solver met a tolerance (not the iteration limit)
  // >= 0: the start was stopped on joining the path of this grid start, which ran to its end
  // (the path rule of HoffmannFitOptions); -1: it ran to its own end.
  int joined_path_of = -1;
};

struct HoffmannFit {
  ChinchillaCoefficients coefficients;  // natural units: E, A, alpha, B, beta
  HoffmannStart best;                   // the start with the smallest Huber sum
  int num_starts = 0;
  int num_converged = 0;         // starts that ran to their end and met a tolerance
  int num_stopped_early = 0;     // starts stopped by the path rule
  int64_t total_iterations = 0;  // L-BFGS iterations of all starts
  int best_start = -1;           // grid index of `best`
  int n_points = 0;
  bool usable = false;
  std::string report;  // one paragraph: solver, objective, starts, why unusable if so
};

// Converts observations to the log form used by the objective (drops nothing).
std::vector<LogLossObservation> ToLogObservations(const std::vector<LossPoint>& points);

// The paper's objective, sum of Huber losses, at log-space parameters p = {a, b, e, alpha, beta}.
double HoffmannHuberSum(const std::vector<LogLossObservation>& points,
                        const std::array<double, kChinchillaNumParams>& p, double huber_delta);

// Fits from one start (used by the grid, by the bootstrap and by tests).
HoffmannStart FitChinchillaFromStart(const std::vector<LogLossObservation>& points,
                                     const std::array<double, kChinchillaNumParams>& start,
                                     const HoffmannFitOptions& options);

// The full App. D.2 procedure: every start of the grid, best Huber sum kept.
HoffmannFit FitChinchillaHoffmann(const std::vector<LossPoint>& points,
                                  const HoffmannFitOptions& options = {});

ChinchillaCoefficients CoefficientsFromLogParams(const std::array<double, kChinchillaNumParams>& p);

// ---- Every other form: least squares from a small grid of starts ----

// One observation for FitLaw. Meaning of x and y per form:
//   chinchilla  x = {N, D}, y = L          kaplan-n  x = {N}, y = L     kaplan-d  x = {D}, y = L
//   gadre       x = {N, M = D/N}, y = L    gadre-error x = {L}, y = top-1 error in [0, 1]
//   sigmoid     x = {loss or log10 C}, y = accuracy in [0, 1]
//   transfer    x = {D_F, N}, y = D_T      finetune  x = {X, D_f}, y = L
//   ptq         x = {N, D, bits}, y = loss increase delta_PTQ (nats/token, > 0)
struct LawObservation {
  std::array<double, 3> x{};
  double y = 0.0;
  SourceLocation where;
};

struct LawFitOptions {
  double sigmoid_floor = 0.0;   // random-guess accuracy of the task, in [0, 1) (sigmoid)
  HoffmannFitOptions hoffmann;  // used for the chinchilla form
  int max_iterations = 500;     // per start (Levenberg-Marquardt), > 0
};

struct LawFit {
  LawForm form = LawForm::kChinchilla;
  std::vector<std::string> names;  // LawCoefficientNames(form)
  std::vector<double> values;      // natural units, same order
  double objective = 0.0;          // the minimised cost (Huber sum for chinchilla, else 0.5 SSR)
  double rmse = 0.0;               // root-mean-square error of y on the fitted points
  int n_points = 0;
  bool usable = false;
  std::string report;
};

LawFit FitLaw(LawForm form, const std::vector<LawObservation>& observations,
              const LawFitOptions& options = {});

// A fit is usable only if its points identify every coefficient; below this ratio of the
// smallest to the largest singular value of the unit-column Jacobian, they do not (exactly
// dependent columns give ~1e-16; every fit in the tests and on the shipped data sets is above
// 2e-3).
inline constexpr double kMinIdentifiableSingularRatio = 1e-8;

// Why `observations` cannot identify the coefficients of `form` at the fitted internal
// parameters (the solver's: log-space where the form fits in log space), or "" when they can:
// fewer points than coefficients, an input with no spread (every point at the same N, say), or a
// rank-deficient Jacobian at the fit (a singular covariance).
std::string IdentifiabilityProblem(LawForm form, const std::vector<LawObservation>& observations,
                                   const std::vector<double>& internal_params,
                                   double sigmoid_floor);

// Predicted y of a fitted law at an observation's x (same meaning as above).
double PredictObservation(LawForm form, const std::vector<double>& values,
                          const LawObservation& observation);

Law ToLaw(const LawFit& fit, const std::string& id);

// k-fold cross-validated RMSE of y (folds by index modulo k after a seeded shuffle).
double CrossValidatedRmse(LawForm form, const std::vector<LawObservation>& observations, int folds,
                          const LawFitOptions& options, uint64_t seed = 1);

struct FormSelection {
  LawForm best = LawForm::kChinchilla;
  std::vector<std::pair<LawForm, double>> cv_rmse;  // every candidate, in the order given
};

// Form selection among loss laws over (N, D) (chinchilla, kaplan-n, kaplan-d, gadre) by k-fold
// cross-validated RMSE of the loss; every form sees the same folds. Smallest held-out RMSE wins.
FormSelection SelectLossLawForm(const std::vector<LawForm>& candidates,
                                const std::vector<LossPoint>& points, int folds,
                                const LawFitOptions& options, uint64_t seed = 1);

std::vector<LawObservation> ToObservations(const std::vector<LossPoint>& points, LawForm form);

}  // namespace rightsize
