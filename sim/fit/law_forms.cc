// FitLaw for every form, cross-validation and form selection.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <random>

#include <fmt/format.h>
#include <Eigen/SVD>

#include "sim/fit/law_fitter.h"

namespace rightsize {
namespace {

int NumInternalParams(LawForm form) {
  switch (form) {
    case LawForm::kChinchilla:
      return kChinchillaNumParams;
    case LawForm::kKaplanN:
    case LawForm::kKaplanD:
      return 2;
    case LawForm::kGadreError:
    case LawForm::kSigmoid:
    case LawForm::kTransfer:
      return 3;
    case LawForm::kGadreLoss:
    case LawForm::kFinetune:
    case LawForm::kPtq:
      return 4;
  }
  return 0;
}

// Internal (fitting) block -> natural coefficients in LawCoefficientNames order.
std::vector<double> ToNatural(LawForm form, const std::vector<double>& p, double floor) {
  switch (form) {
    case LawForm::kChinchilla:
      return {std::exp(p[2]), std::exp(p[0]), p[3], std::exp(p[1]), p[4]};
    case LawForm::kKaplanN:
    case LawForm::kKaplanD:
      return {std::exp(p[0]), p[1]};
    case LawForm::kGadreLoss:
    case LawForm::kGadreError:
      return p;
    case LawForm::kSigmoid:
      return {p[0], p[1], p[2], floor};
    case LawForm::kTransfer:
      return {std::exp(p[0]), p[1], p[2]};
    case LawForm::kFinetune:
      return {std::exp(p[0]), p[1], p[2], p[3]};
    case LawForm::kPtq:
      return {std::exp(p[0]), p[1], p[2], p[3]};
  }
  return {};
}

std::vector<double> ToInternal(LawForm form, const std::vector<double>& v) {
  switch (form) {
    case LawForm::kChinchilla:
      return {std::log(v[1]), std::log(v[3]), std::log(v[0]), v[2], v[4]};
    case LawForm::kKaplanN:
    case LawForm::kKaplanD:
      return {std::log(v[0]), v[1]};
    case LawForm::kGadreLoss:
    case LawForm::kGadreError:
      return v;
    case LawForm::kSigmoid:
      return {v[0], v[1], v[2]};
    case LawForm::kTransfer:
      return {std::log(v[0]), v[1], v[2]};
    case LawForm::kFinetune:
    case LawForm::kPtq:
      return {std::log(v[0]), v[1], v[2], v[3]};
  }
  return {};
}

std::vector<std::vector<double>> Cartesian(const std::vector<std::vector<double>>& axes) {
  std::vector<std::vector<double>> out = {{}};
  for (const auto& axis : axes) {
    std::vector<std::vector<double>> next;
    for (const auto& prefix : out) {
      for (double v : axis) {
        auto row = prefix;
        row.push_back(v);
        next.push_back(row);
      }
    }
    out = std::move(next);
  }
  return out;
}

// Starting grids: Gadre's are those of their repository (scaling/laws.py); the others span the
// published ranges of each coefficient.
std::vector<std::vector<double>> Starts(LawForm form, const std::vector<LawObservation>& obs) {
  double x_min = std::numeric_limits<double>::infinity();
  double x_max = -x_min;
  double y_min = x_min;
  double y_max = -x_min;
  for (const auto& o : obs) {
    x_min = std::min(x_min, o.x[0]);
    x_max = std::max(x_max, o.x[0]);
    y_min = std::min(y_min, o.y);
    y_max = std::max(y_max, o.y);
  }
  switch (form) {
    case LawForm::kChinchilla:
      return {};
    case LawForm::kKaplanN:
    case LawForm::kKaplanD:
      return Cartesian({{std::log(1e10), std::log(1e13), std::log(1e16)}, {0.05, 0.1, 0.3}});
    case LawForm::kGadreLoss:
      return Cartesian({{1e2, 3e2, 1e3, 3e3}, {1e2, 3e2, 1e3, 3e3}, {0.1, 0.3}, {0, 1, 2, 10}});
    case LawForm::kGadreError:
      return Cartesian({{0.5, 0.8, 1.0}, {1, 10, 100}, {0.5, 1, 2}});
    case LawForm::kSigmoid:
      return Cartesian(
          {{-10, -3, -1, 1, 3, 10}, {x_min, 0.5 * (x_min + x_max), x_max}, {y_max, 1.0}});
    case LawForm::kTransfer:
      return Cartesian({{0, 10}, {0.2, 0.5}, {0.2, 0.5}});
    case LawForm::kFinetune:
      return Cartesian({{0, 5, 10}, {0.05, 0.3, 1}, {0.05, 0.3, 1}, {0, 0.5 * y_min}});
    case LawForm::kPtq:
      return Cartesian({{-5, 0, 5}, {0.2, 0.5}, {0.2, 0.5}, {0.5, 1, 2}});
  }
  return {};
}

ceres::CostFunction* MakeResidual(LawForm form, const LawObservation& o, double floor) {
  switch (form) {
    case LawForm::kKaplanN:
    case LawForm::kKaplanD:
      return KaplanLogResidual::Create(std::log(o.x[0]), std::log(o.y));
    case LawForm::kGadreLoss:
      return GadreLossResidual::Create(o.x[0], o.x[1], o.y);
    case LawForm::kGadreError:
      return GadreErrorResidual::Create(o.x[0], o.y);
    case LawForm::kSigmoid:
      return SigmoidAccuracyResidual::Create(o.x[0], o.y, floor);
    case LawForm::kTransfer:
      return TransferLogResidual::Create(o.x[0], o.x[1], o.y);
    case LawForm::kFinetune:
      return FinetuneLossResidual::Create(o.x[0], o.x[1], o.y);
    case LawForm::kPtq:
      return PtqLogResidual::Create(o.x[0], o.x[1], o.x[2], o.y);
    case LawForm::kChinchilla:
      break;
  }
  RS_CHECK(false, "no residual for this form");
  return nullptr;
}

void CheckObservations(LawForm form, const std::vector<LawObservation>& obs,
                       const LawFitOptions& options) {
  const bool log_y = form == LawForm::kKaplanN || form == LawForm::kKaplanD ||
                     form == LawForm::kTransfer || form == LawForm::kPtq ||
                     form == LawForm::kChinchilla;
  const int num_x = form == LawForm::kPtq ? 3
                    : (form == LawForm::kKaplanN || form == LawForm::kKaplanD ||
                       form == LawForm::kGadreError || form == LawForm::kSigmoid)
                        ? 1
                        : 2;
  const bool positive_x = form != LawForm::kSigmoid;
  for (const auto& o : obs) {
    for (int i = 0; i < num_x; ++i) {
      if (!std::isfinite(o.x[i]) || (positive_x && !(o.x[i] > 0.0))) {
        throw InputError(o.where, fmt::format("input {} must be finite{}, got {}", i + 1,
                                              positive_x ? " and > 0" : "", o.x[i]));
      }
    }
    if (!std::isfinite(o.y) || (log_y && !(o.y > 0.0))) {
      throw InputError(
          o.where, fmt::format("target must be finite{}, got {}", log_y ? " and > 0" : "", o.y));
    }
  }
  if (form == LawForm::kSigmoid && !(options.sigmoid_floor >= 0 && options.sigmoid_floor < 1)) {
    throw InputError({"", 0, "floor"}, "sigmoid floor must be in [0, 1)");
  }
}

// What each input x[i] of a form is (LawObservation), for messages.
std::vector<std::string> InputNames(LawForm form) {
  switch (form) {
    case LawForm::kChinchilla:
      return {"N", "D"};
    case LawForm::kKaplanN:
      return {"N"};
    case LawForm::kKaplanD:
      return {"D"};
    case LawForm::kGadreLoss:
      return {"N", "M = D / N"};
    case LawForm::kGadreError:
      return {"loss"};
    case LawForm::kSigmoid:
      return {"x"};
    case LawForm::kTransfer:
      return {"D_F", "N"};
    case LawForm::kFinetune:
      return {"X", "D_f"};
    case LawForm::kPtq:
      return {"N", "D", "bits"};
  }
  return {};
}

// Names of the internal (fitted) parameters, in their order (ToNatural's inverse).
std::vector<std::string> InternalNames(LawForm form) {
  std::vector<std::string> names = LawCoefficientNames(form);
  if (form == LawForm::kChinchilla) return {names[1], names[3], names[0], names[2], names[4]};
  names.resize(static_cast<size_t>(NumInternalParams(form)));
  return names;
}

std::unique_ptr<ceres::CostFunction> ResidualOf(LawForm form, const LawObservation& o,
                                                double floor) {
  if (form == LawForm::kChinchilla) {
    return std::unique_ptr<ceres::CostFunction>(
        ChinchillaLogResidual::Create({std::log(o.x[0]), std::log(o.x[1]), std::log(o.y)}));
  }
  return std::unique_ptr<ceres::CostFunction>(MakeResidual(form, o, floor));
}

}  // namespace

std::string IdentifiabilityProblem(LawForm form, const std::vector<LawObservation>& obs,
                                   const std::vector<double>& internal, double sigmoid_floor) {
  const int num_params = NumInternalParams(form);
  if (static_cast<int>(obs.size()) < num_params) {
    return fmt::format("{} points cannot determine the {} coefficients of {}", obs.size(),
                       num_params, LawFormName(form));
  }
  // An input that never changes cannot separate the terms that act through it.
  const std::vector<std::string> inputs = InputNames(form);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const bool spread = std::any_of(obs.begin(), obs.end(), [&](const LawObservation& o) {
      return o.x[i] != obs.front().x[i];
    });
    if (!spread) {
      return fmt::format(
          "no spread in {}: every point has {} = {:g}, so the coefficients acting through it "
          "cannot "
          "be identified",
          inputs[i], inputs[i], obs.front().x[i]);
    }
  }
  // Local identifiability: the residuals' Jacobian at the fit must have full column rank (else
  // the Gauss-Newton covariance (J^T J)^-1 is singular and some combination of coefficients is
  // free). Columns are scaled to unit length so the test does not depend on the coefficients'
  // units; the rank is read from the singular values.
  const std::vector<std::string> names = InternalNames(form);
  Eigen::MatrixXd jacobian(static_cast<Eigen::Index>(obs.size()), num_params);
  std::vector<double> row(static_cast<size_t>(num_params));
  for (size_t i = 0; i < obs.size(); ++i) {
    const std::unique_ptr<ceres::CostFunction> residual = ResidualOf(form, obs[i], sigmoid_floor);
    const double* parameters[] = {internal.data()};
    double* jacobians[] = {row.data()};
    double value = 0.0;
    if (!residual->Evaluate(parameters, &value, jacobians) ||
        !std::all_of(row.begin(), row.end(), [](double v) { return std::isfinite(v); })) {
      return fmt::format("the fit's derivatives are not finite at {}", obs[i].where.ToString());
    }
    for (int k = 0; k < num_params; ++k)
      jacobian(static_cast<Eigen::Index>(i), k) = row[static_cast<size_t>(k)];
  }
  for (int k = 0; k < num_params; ++k) {
    const double norm = jacobian.col(k).norm();
    if (!(norm > 0)) {
      return fmt::format(
          "coefficient {} has no effect on the fitted points, so they cannot identify it",
          names[static_cast<size_t>(k)]);
    }
    jacobian.col(k) /= norm;
  }
  const Eigen::VectorXd singular = Eigen::JacobiSVD<Eigen::MatrixXd>(jacobian).singularValues();
  const double ratio = singular.minCoeff() / singular.maxCoeff();
  if (!(ratio >= kMinIdentifiableSingularRatio)) {
    return fmt::format(
        "the points cannot identify every coefficient: the Jacobian at the fit is rank-deficient "
        "(smallest / largest singular value {:.1e} < {:.0e}; the covariance is singular)",
        ratio, kMinIdentifiableSingularRatio);
  }
  return "";
}

std::vector<LawObservation> ToObservations(const std::vector<LossPoint>& points, LawForm form) {
  std::vector<LawObservation> out;
  for (const LossPoint& p : points) {
    LawObservation o;
    o.where = p.where;
    o.y = p.loss_nats;
    switch (form) {
      case LawForm::kKaplanN:
        o.x = {p.n_params, 0, 0};
        break;
      case LawForm::kKaplanD:
        o.x = {p.d_tokens, 0, 0};
        break;
      case LawForm::kGadreLoss:
        o.x = {p.n_params, p.d_tokens / p.n_params, 0};
        break;
      default:
        o.x = {p.n_params, p.d_tokens, 0};
        break;
    }
    out.push_back(o);
  }
  return out;
}

double PredictObservation(LawForm form, const std::vector<double>& values,
                          const LawObservation& o) {
  const std::vector<double> p = ToInternal(form, values);
  switch (form) {
    case LawForm::kChinchilla:
      return std::exp(ChinchillaLogLoss(p.data(), std::log(o.x[0]), std::log(o.x[1])));
    case LawForm::kKaplanN:
    case LawForm::kKaplanD:
      return std::exp(KaplanLogLoss(p.data(), std::log(o.x[0])));
    case LawForm::kGadreLoss:
      return GadreLoss(p.data(), o.x[0], o.x[1]);
    case LawForm::kGadreError:
      return GadreTopOneError(p.data(), o.x[0]);
    case LawForm::kSigmoid:
      return SigmoidAccuracy(p.data(), o.x[0], values[3]);
    case LawForm::kTransfer:
      return std::exp(LogEffectiveDataTransferred(p.data(), o.x[0], o.x[1]));
    case LawForm::kFinetune:
      return FinetuneLoss(p.data(), o.x[0], o.x[1]);
    case LawForm::kPtq:
      return PtqLossPenalty(p.data(), o.x[0], o.x[1], o.x[2]);
  }
  return 0.0;
}

LawFit FitLaw(LawForm form, const std::vector<LawObservation>& obs, const LawFitOptions& options) {
  CheckObservations(form, obs, options);
  LawFit fit;
  fit.form = form;
  fit.names = LawCoefficientNames(form);
  fit.n_points = static_cast<int>(obs.size());
  if (fit.n_points < NumInternalParams(form)) {
    fit.report = IdentifiabilityProblem(form, obs, {}, options.sigmoid_floor);
    return fit;
  }
  if (form == LawForm::kChinchilla) {
    std::vector<LossPoint> points;
    for (const auto& o : obs) points.push_back({o.x[0], o.x[1], o.y, o.where});
    const HoffmannFit h = FitChinchillaHoffmann(points, options.hoffmann);
    fit.usable = h.usable;
    fit.report = h.report;
    fit.objective = h.best.huber_sum;
    fit.values = {h.coefficients.e_nats, h.coefficients.a, h.coefficients.alpha, h.coefficients.b,
                  h.coefficients.beta};
  } else {
    double best_cost = std::numeric_limits<double>::infinity();
    std::vector<double> best;
    int num_starts = 0;
    bool best_converged = false;
    for (std::vector<double> p : Starts(form, obs)) {
      ++num_starts;
      ceres::Problem problem;
      for (const auto& o : obs) {
        problem.AddResidualBlock(MakeResidual(form, o, options.sigmoid_floor), nullptr, p.data());
      }
      ceres::Solver::Options solver_options;
      solver_options.linear_solver_type = ceres::DENSE_QR;
      solver_options.max_num_iterations = options.max_iterations;
      solver_options.function_tolerance = 1e-12;
      solver_options.gradient_tolerance = 1e-14;
      solver_options.parameter_tolerance = 1e-12;
      solver_options.logging_type = ceres::SILENT;
      ceres::Solver::Summary summary;
      ceres::Solve(solver_options, &problem, &summary);
      const bool finite =
          std::all_of(p.begin(), p.end(), [](double v) { return std::isfinite(v); });
      if (finite && std::isfinite(summary.final_cost) && summary.final_cost < best_cost) {
        best_cost = summary.final_cost;
        best = p;
        best_converged = summary.termination_type == ceres::CONVERGENCE;
      }
    }
    if (best.empty()) {
      fit.report =
          fmt::format("{}: no start of {} ended at a finite cost", LawFormName(form), num_starts);
      return fit;
    }
    fit.objective = best_cost;
    fit.values = ToNatural(form, best, options.sigmoid_floor);
    const bool finite = std::all_of(fit.values.begin(), fit.values.end(),
                                    [](double v) { return std::isfinite(v); });
    const std::string unidentified =
        finite ? IdentifiabilityProblem(form, obs, best, options.sigmoid_floor) : "";
    fit.usable = finite && unidentified.empty();
    fit.report = fmt::format("{}: Levenberg-Marquardt from {} starts, best 0.5 SSR {:.6e}{}{}",
                             LawFormName(form), num_starts, best_cost,
                             best_converged ? "" : " (best start hit the iteration limit)",
                             !finite      ? "; UNUSABLE: a coefficient is not finite"
                             : fit.usable ? ""
                                          : "; UNUSABLE: " + unidentified);
  }
  double sse = 0.0;
  for (const auto& o : obs) {
    const double r = PredictObservation(form, fit.values, o) - o.y;
    sse += r * r;
  }
  fit.rmse = std::sqrt(sse / static_cast<double>(obs.size()));
  return fit;
}

Law ToLaw(const LawFit& fit, const std::string& id) {
  Law law;
  law.id = id;
  law.form = fit.form;
  for (size_t i = 0; i < fit.names.size() && i < fit.values.size(); ++i) {
    law.coefficients[fit.names[i]] = fit.values[i];
  }
  for (const auto& [name, absent] : LawOptionalCoefficients(fit.form))
    law.coefficients.emplace(name, absent);
  return law;
}

double CrossValidatedRmse(LawForm form, const std::vector<LawObservation>& obs, int folds,
                          const LawFitOptions& options, uint64_t seed) {
  RS_CHECK(folds >= 2 && folds <= static_cast<int>(obs.size()), "folds must be in [2, n]");
  std::vector<int> order(obs.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  double sse = 0.0;
  int count = 0;
  for (int f = 0; f < folds; ++f) {
    std::vector<LawObservation> train;
    std::vector<LawObservation> test;
    for (size_t i = 0; i < order.size(); ++i) {
      (static_cast<int>(i) % folds == f ? test : train).push_back(obs[order[i]]);
    }
    const LawFit fit = FitLaw(form, train, options);
    if (!fit.usable) return std::numeric_limits<double>::infinity();
    for (const auto& o : test) {
      const double r = PredictObservation(form, fit.values, o) - o.y;
      sse += r * r;
      ++count;
    }
  }
  return std::sqrt(sse / count);
}

FormSelection SelectLossLawForm(const std::vector<LawForm>& candidates,
                                const std::vector<LossPoint>& points, int folds,
                                const LawFitOptions& options, uint64_t seed) {
  RS_CHECK(!candidates.empty(), "no candidate forms");
  FormSelection selection;
  double best = std::numeric_limits<double>::infinity();
  for (LawForm form : candidates) {
    const double rmse =
        CrossValidatedRmse(form, ToObservations(points, form), folds, options, seed);
    selection.cv_rmse.push_back({form, rmse});
    if (rmse < best) {
      best = rmse;
      selection.best = form;
    }
  }
  return selection;
}

}  // namespace rightsize
