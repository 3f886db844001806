// Every Ceres functor of rightsize lives here, each with a static Create(). The functors call the
// templated forward models (sim/quality/scaling_laws.h, and the latency model for calibration)
// so prediction and fitting share one formula.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include <ceres/ceres.h>

#include "sim/cost/efficiency_params.h"
#include "sim/cost/latency.h"
#include "sim/fit/simulated_measure.h"
#include "sim/quality/scaling_laws.h"

namespace rightsize {

// ---- Scaling-law residuals ----

// False for a NaN / infinite value (for a Jet: its value part). A residual functor returning
// false makes Ceres reject the step quietly instead of logging the block and failing the solve;
// far-off starts of exponential forms (Zhang, Kumar) overflow on their first steps.
template <typename T>
bool IsFiniteValue(const T& value) {
  using std::isfinite;
  return isfinite(value);
}

// One (log N, log D, log L) observation of a training run.
struct LogLossObservation {
  double log_n = 0.0;     // log of parameters
  double log_d = 0.0;     // log of training tokens
  double log_loss = 0.0;  // log of loss (nats/token)
};

// Huber loss of Hoffmann et al. 2022 (App. D.2): 0.5 r^2 for |r| <= delta, else
// delta (|r| - delta / 2). Templated so the same function serves values and Jets.
template <typename T>
T HuberLoss(const T& r, double delta) {
  using std::abs;
  const T abs_r = abs(r);
  if (abs_r <= T(delta)) return 0.5 * r * r;
  return delta * (abs_r - 0.5 * delta);
}

// Hoffmann et al. 2022, App. D.2, eq. (3)-(4): the scalar objective
//   sum_i Huber_delta(LSE(a - alpha log N_i, b - beta log D_i, e) - log L_i)
// minimised by L-BFGS over {a, b, e, alpha, beta}. scale multiplies the sum: 1 for the paper's
// sum, 1/n for the mean that Besiroglu et al. 2024 (sec. 2) show stops the optimiser early.
class HoffmannHuberObjective {
 public:
  HoffmannHuberObjective(const std::vector<LogLossObservation>* points, double huber_delta,
                         double scale)
      : points_(points), huber_delta_(huber_delta), scale_(scale) {}

  template <typename T>
  bool operator()(const T* p, T* cost) const {
    T sum(0.0);
    for (const LogLossObservation& point : *points_) {
      sum +=
          HuberLoss(ChinchillaLogLoss(p, point.log_n, point.log_d) - point.log_loss, huber_delta_);
    }
    *cost = scale_ * sum;
    return true;
  }

  static ceres::FirstOrderFunction* Create(const std::vector<LogLossObservation>* points,
                                           double huber_delta, double scale) {
    return new ceres::AutoDiffFirstOrderFunction<HoffmannHuberObjective, kChinchillaNumParams>(
        new HoffmannHuberObjective(points, huber_delta, scale));
  }

 private:
  const std::vector<LogLossObservation>* points_;  // not owned; outlives the problem
  double huber_delta_;
  double scale_;
};

// The same model as a least-squares residual r = LSE(...) - log L for the trust-region solver;
// with ceres::HuberLoss(delta) the Ceres cost 0.5 rho(r^2) equals the Huber loss above exactly,
// so both solvers minimise the same objective.
struct ChinchillaLogResidual {
  explicit ChinchillaLogResidual(const LogLossObservation& point) : point_(point) {}

  template <typename T>
  bool operator()(const T* p, T* residual) const {
    residual[0] = ChinchillaLogLoss(p, point_.log_n, point_.log_d) - point_.log_loss;
    return true;
  }

  static ceres::CostFunction* Create(const LogLossObservation& point) {
    return new ceres::AutoDiffCostFunction<ChinchillaLogResidual, 1, kChinchillaNumParams>(
        new ChinchillaLogResidual(point));
  }

  LogLossObservation point_;
};

// Kaplan et al. 2020, eq. 1.1 / 1.2 in log space: r = alpha (log X_c - log X) - log L.
struct KaplanLogResidual {
  KaplanLogResidual(double log_x, double log_loss) : log_x_(log_x), log_loss_(log_loss) {}

  template <typename T>
  bool operator()(const T* p, T* residual) const {
    residual[0] = KaplanLogLoss(p, log_x_) - log_loss_;
    return IsFiniteValue(residual[0]);
  }

  static ceres::CostFunction* Create(double log_x, double log_loss) {
    return new ceres::AutoDiffCostFunction<KaplanLogResidual, 1, 2>(
        new KaplanLogResidual(log_x, log_loss));
  }

  double log_x_;
  double log_loss_;
};

// Gadre et al. 2024, eq. 4 on the loss scale (their scipy curve_fit minimises squared loss
// error): r = L(N, M) - L.
struct GadreLossResidual {
  GadreLossResidual(double n_params, double token_multiplier, double loss_nats)
      : n_params_(n_params), token_multiplier_(token_multiplier), loss_nats_(loss_nats) {}

  template <typename T>
  bool operator()(const T* p, T* residual) const {
    residual[0] = GadreLoss(p, n_params_, token_multiplier_) - loss_nats_;
    return IsFiniteValue(residual[0]);
  }

  static ceres::CostFunction* Create(double n_params, double token_multiplier, double loss_nats) {
    return new ceres::AutoDiffCostFunction<GadreLossResidual, 1, 4>(
        new GadreLossResidual(n_params, token_multiplier, loss_nats));
  }

  double n_params_;
  double token_multiplier_;
  double loss_nats_;
};

// Gadre et al. 2024, eq. 5: r = epsilon - k exp(-gamma L) - Err.
struct GadreErrorResidual {
  GadreErrorResidual(double loss_nats, double top1_error)
      : loss_nats_(loss_nats), top1_error_(top1_error) {}

  template <typename T>
  bool operator()(const T* p, T* residual) const {
    residual[0] = GadreTopOneError(p, T(loss_nats_)) - top1_error_;
    return IsFiniteValue(residual[0]);
  }

  static ceres::CostFunction* Create(double loss_nats, double top1_error) {
    return new ceres::AutoDiffCostFunction<GadreErrorResidual, 1, 3>(
        new GadreErrorResidual(loss_nats, top1_error));
  }

  double loss_nats_;
  double top1_error_;
};

// Sigmoid accuracy map with a fixed random-guess floor: r = acc(x) - accuracy.
struct SigmoidAccuracyResidual {
  SigmoidAccuracyResidual(double x, double accuracy, double floor_accuracy)
      : x_(x), accuracy_(accuracy), floor_accuracy_(floor_accuracy) {}

  template <typename T>
  bool operator()(const T* p, T* residual) const {
    residual[0] = SigmoidAccuracy(p, T(x_), floor_accuracy_) - accuracy_;
    return IsFiniteValue(residual[0]);
  }

  static ceres::CostFunction* Create(double x, double accuracy, double floor_accuracy) {
    return new ceres::AutoDiffCostFunction<SigmoidAccuracyResidual, 1, 3>(
        new SigmoidAccuracyResidual(x, accuracy, floor_accuracy));
  }

  double x_;
  double accuracy_;
  double floor_accuracy_;
};

// Hernandez et al. 2021, eq. 1.1 in log space: r = log k + alpha log D_F + beta log N - log D_T.
struct TransferLogResidual {
  TransferLogResidual(double finetune_tokens, double n_params, double effective_tokens)
      : finetune_tokens_(finetune_tokens),
        n_params_(n_params),
        log_effective_tokens_(std::log(effective_tokens)) {}

  template <typename T>
  bool operator()(const T* p, T* residual) const {
    residual[0] =
        LogEffectiveDataTransferred(p, finetune_tokens_, n_params_) - log_effective_tokens_;
    return IsFiniteValue(residual[0]);
  }

  static ceres::CostFunction* Create(double finetune_tokens, double n_params,
                                     double effective_tokens) {
    return new ceres::AutoDiffCostFunction<TransferLogResidual, 1, 3>(
        new TransferLogResidual(finetune_tokens, n_params, effective_tokens));
  }

  double finetune_tokens_;
  double n_params_;
  double log_effective_tokens_;
};

// Zhang et al. 2024, eq. 1: r = A / X^alpha / D_f^beta + E - L.
struct FinetuneLossResidual {
  FinetuneLossResidual(double scaled_factor, double finetune_tokens, double loss_nats)
      : scaled_factor_(scaled_factor), finetune_tokens_(finetune_tokens), loss_nats_(loss_nats) {}

  template <typename T>
  bool operator()(const T* p, T* residual) const {
    residual[0] = FinetuneLoss(p, scaled_factor_, finetune_tokens_) - loss_nats_;
    return IsFiniteValue(residual[0]);
  }

  static ceres::CostFunction* Create(double scaled_factor, double finetune_tokens,
                                     double loss_nats) {
    return new ceres::AutoDiffCostFunction<FinetuneLossResidual, 1, 4>(
        new FinetuneLossResidual(scaled_factor, finetune_tokens, loss_nats));
  }

  double scaled_factor_;
  double finetune_tokens_;
  double loss_nats_;
};

// Kumar et al. 2024, eq. 3 in log space (the penalty spans decades):
// r = log delta_PTQ(N, D, P) - log observed delta.
struct PtqLogResidual {
  PtqLogResidual(double n_params, double d_tokens, double post_bits, double loss_increase_nats)
      : n_params_(n_params),
        d_tokens_(d_tokens),
        post_bits_(post_bits),
        log_loss_increase_(std::log(loss_increase_nats)) {}

  template <typename T>
  bool operator()(const T* p, T* residual) const {
    using std::log;
    residual[0] = log(PtqLossPenalty(p, n_params_, d_tokens_, post_bits_)) - log_loss_increase_;
    return IsFiniteValue(residual[0]);
  }

  static ceres::CostFunction* Create(double n_params, double d_tokens, double post_bits,
                                     double loss_increase_nats) {
    return new ceres::AutoDiffCostFunction<PtqLogResidual, 1, 4>(
        new PtqLogResidual(n_params, d_tokens, post_bits, loss_increase_nats));
  }

  double n_params_;
  double d_tokens_;
  double post_bits_;
  double log_loss_increase_;
};

// ---- Latency calibration residuals ----

// log(PredictStepTime_s(ops, rates, params) / measured_s) for one measured interval: a relative
// error, so short kernels and long prefills weigh alike. The forward model is the one in
// sim/cost/latency.h, evaluated with ceres::Jet.
struct LatencyLogRatioResidual {
  LatencyLogRatioResidual(const std::vector<OpCost>* ops, const DeviceRates& rates,
                          double measured_s)
      : ops_(ops), rates_(rates), log_measured_(std::log(measured_s)) {}

  template <typename T>
  bool operator()(const T* params, T* residual) const {
    using std::log;
    residual[0] = log(PredictStepTime_s(*ops_, rates_, params)) - T(log_measured_);
    return true;
  }

  // ops must outlive the cost function (the calibrator keeps its points alive during the fit).
  static ceres::CostFunction* Create(const std::vector<OpCost>* ops, const DeviceRates& rates,
                                     double measured_s) {
    return new ceres::AutoDiffCostFunction<LatencyLogRatioResidual, 1,
                                           EfficiencyParams::kNumParams>(
        new LatencyLogRatioResidual(ops, rates, measured_s));
  }

  const std::vector<OpCost>* ops_;
  DeviceRates rates_;
  double log_measured_;
};

// The same log ratio for a figure only a simulation predicts (sim/fit/calibrator.h,
// SimulatedMeasure), which no Jet can run through: central differences (SimulatedDifferenceStep)
// in each parameter the solve varies (`varied`: free and read by the simulation). The other columns
// are zero without a simulation: the solver never moves a held parameter, and one the simulation
// does not read has no effect. Each simulation is the cost here, so none is spent on them.
class SimulatedLogRatioCost : public ceres::SizedCostFunction<1, EfficiencyParams::kNumParams> {
 public:
  using Mask = std::array<bool, EfficiencyParams::kNumParams>;

  // simulated must outlive the cost function (the calibrator keeps its points alive).
  SimulatedLogRatioCost(const SimulatedMeasure* simulated, double measured_s, const Mask& varied)
      : simulated_(simulated), log_measured_(std::log(measured_s)), varied_(varied) {}

  bool Evaluate(double const* const* parameters, double* residuals,
                double** jacobians) const override {
    EfficiencyParams at;
    std::copy(parameters[0], parameters[0] + EfficiencyParams::kNumParams, at.values.begin());
    double log_predicted = 0.0;
    if (!LogPredicted(at, &log_predicted)) return false;
    residuals[0] = log_predicted - log_measured_;
    if (jacobians == nullptr || jacobians[0] == nullptr) return true;
    for (size_t i = 0; i < at.values.size(); ++i) {
      jacobians[0][i] = 0.0;
      if (!varied_[i]) continue;
      const double x = at.values[i];
      const double h = SimulatedDifferenceStep(x);
      double up = 0.0, down = 0.0;
      at.values[i] = x + h;
      const bool up_ok = LogPredicted(at, &up);
      at.values[i] = x - h;
      const bool down_ok = LogPredicted(at, &down);
      at.values[i] = x;
      if (!up_ok || !down_ok) return false;
      jacobians[0][i] = (up - down) / (2 * h);
    }
    return true;
  }

 private:
  bool LogPredicted(const EfficiencyParams& at, double* log_predicted_s) const {
    const double predicted_s = simulated_->PredictS(at);
    if (!(predicted_s > 0) || !std::isfinite(predicted_s)) return false;
    *log_predicted_s = std::log(predicted_s);
    return true;
  }

  const SimulatedMeasure* simulated_;
  double log_measured_;
  Mask varied_;
};

// Gaussian prior on one efficiency parameter in log space: (log p_i - log prior_i) / sigma.
struct LogPriorResidual {
  LogPriorResidual(int index, double prior, double sigma_log)
      : index_(index), log_prior_(std::log(prior)), sigma_log_(sigma_log) {}

  template <typename T>
  bool operator()(const T* params, T* residual) const {
    using std::log;
    residual[0] = (log(params[index_]) - T(log_prior_)) / T(sigma_log_);
    return true;
  }

  static ceres::CostFunction* Create(int index, double prior, double sigma_log) {
    return new ceres::AutoDiffCostFunction<LogPriorResidual, 1, EfficiencyParams::kNumParams>(
        new LogPriorResidual(index, prior, sigma_log));
  }

  int index_;
  double log_prior_;
  double sigma_log_;
};

}  // namespace rightsize
