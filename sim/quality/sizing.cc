#include "sim/quality/sizing.h"

#include <cmath>
#include <functional>
#include <limits>

#include <fmt/format.h>

#include "sim/util/error.h"

namespace rightsize {
namespace {

void CheckLaw(const ChinchillaCoefficients& law) {
  if (!(law.a > 0 && law.b > 0 && law.alpha > 0 && law.beta > 0 && law.e_nats >= 0)) {
    throw InputError({"", 0, "law"},
                     fmt::format("sizing needs A, B, alpha, beta > 0 and E >= 0 (got A {}, B {}, "
                                 "alpha {}, beta {}, E {})",
                                 law.a, law.b, law.alpha, law.beta, law.e_nats));
  }
}

SizingPoint MakePoint(const ChinchillaCoefficients& law, double n, double d,
                      const InferenceDemand& demand, const UsdPerFlop& usd) {
  SizingPoint p;
  p.n_params = n;
  p.d_train_tokens = d;
  p.loss_nats = ChinchillaLoss(law, n, d);
  p.train_flops = kTrainFlopsPerParamToken * n * d;
  p.inference_flops = kInferenceFlopsPerParamToken * n * demand.total_tokens();
  p.total_flops = p.train_flops + p.inference_flops;
  p.total_usd = usd.train * p.train_flops +
                usd.prefill * kInferenceFlopsPerParamToken * n * demand.prefill_tokens +
                usd.decode * kInferenceFlopsPerParamToken * n * demand.decode_tokens;
  return p;
}

// Minimises a function of x = log N on (x_low, x_low + span): a coarse scan finds the bracket
// (the objective is unimodal in log N: it diverges at the smallest feasible N, where D -> inf,
// and grows linearly in N at large N), golden-section search refines it.
double MinimiseLogN(const std::function<double(double)>& cost, double x_low, double span) {
  constexpr int kScan = 400;
  double best_x = x_low + span;
  double best_cost = std::numeric_limits<double>::infinity();
  for (int i = 1; i <= kScan; ++i) {
    const double x = x_low + span * i / kScan;
    const double c = cost(x);
    if (c < best_cost) {
      best_cost = c;
      best_x = x;
    }
  }
  double lo = std::max(x_low, best_x - span / kScan);
  double hi = best_x + span / kScan;
  const double kInvPhi = (std::sqrt(5.0) - 1.0) / 2.0;
  double x1 = hi - kInvPhi * (hi - lo);
  double x2 = lo + kInvPhi * (hi - lo);
  double c1 = cost(x1);
  double c2 = cost(x2);
  for (int it = 0; it < 200 && hi - lo > 1e-12; ++it) {
    if (c1 < c2) {
      hi = x2;
      x2 = x1;
      c2 = c1;
      x1 = hi - kInvPhi * (hi - lo);
      c1 = cost(x1);
    } else {
      lo = x1;
      x1 = x2;
      c1 = c2;
      x2 = lo + kInvPhi * (hi - lo);
      c2 = cost(x2);
    }
  }
  return 0.5 * (lo + hi);
}

SizingPoint Optimise(const ChinchillaCoefficients& law, double target_loss_nats,
                     const InferenceDemand& demand, const UsdPerFlop& usd, bool in_usd) {
  CheckLaw(law);
  if (!(target_loss_nats > law.e_nats) || !std::isfinite(target_loss_nats)) {
    throw InputError({"", 0, "target-loss"},
                     fmt::format("target loss {} is not above the law's irreducible loss E = {}",
                                 target_loss_nats, law.e_nats));
  }
  if (!(demand.prefill_tokens >= 0 && demand.decode_tokens >= 0)) {
    throw InputError({"", 0, "inference-tokens"}, "inference tokens must be >= 0");
  }
  // Smallest N that can reach the target with infinite data: A / N^alpha = target - E.
  const double x_min = std::log(law.a / (target_loss_nats - law.e_nats)) / law.alpha;
  auto cost = [&](double x) {
    const double n = std::exp(x);
    const double d = TokensForLoss(law, n, target_loss_nats);
    if (!std::isfinite(d)) return std::numeric_limits<double>::infinity();
    const SizingPoint p = MakePoint(law, n, d, demand, usd);
    return in_usd ? p.total_usd : p.total_flops;
  };
  // 30 e-folds above the smallest feasible N covers every useful model size.
  const double x = MinimiseLogN(cost, x_min, 30.0);
  const double n = std::exp(x);
  return MakePoint(law, n, TokensForLoss(law, n, target_loss_nats), demand, usd);
}

}  // namespace

SizingPoint ComputeOptimal(const ChinchillaCoefficients& law, double train_flops) {
  CheckLaw(law);
  const double sum = law.alpha + law.beta;
  const double g = std::pow(law.alpha * law.a / (law.beta * law.b), 1.0 / sum);
  const double c6 = train_flops / kTrainFlopsPerParamToken;
  const double n = g * std::pow(c6, law.beta / sum);
  const double d = std::pow(c6, law.alpha / sum) / g;
  return MakePoint(law, n, d, {}, {});
}

SizingPoint ComputeOptimalForParams(const ChinchillaCoefficients& law, double n_params) {
  CheckLaw(law);
  const double sum = law.alpha + law.beta;
  const double g = std::pow(law.alpha * law.a / (law.beta * law.b), 1.0 / sum);
  // Invert N = G (C/6)^(beta/sum).
  const double c6 = std::pow(n_params / g, sum / law.beta);
  return ComputeOptimal(law, kTrainFlopsPerParamToken * c6);
}

SizingPoint ComputeOptimalForLoss(const ChinchillaCoefficients& law, double target_loss_nats) {
  CheckLaw(law);
  if (!(target_loss_nats > law.e_nats) || !std::isfinite(target_loss_nats)) {
    throw InputError({"", 0, "target-loss"},
                     fmt::format("target loss {} is not above the law's irreducible loss E = {}",
                                 target_loss_nats, law.e_nats));
  }
  // Along the frontier both N and D grow with C, so the loss falls monotonically in N toward E:
  // bisect on log N between one parameter and a size whose frontier loss is below the target.
  double log_lo = 0.0;
  double log_hi = std::log(1e12);
  while (ComputeOptimalForParams(law, std::exp(log_hi)).loss_nats > target_loss_nats) {
    log_hi += std::log(1e3);
    if (log_hi > std::log(1e300)) {
      throw InputError({"", 0, "target-loss"},
                       fmt::format("target loss {} is too close to E = {} for any model size",
                                   target_loss_nats, law.e_nats));
    }
  }
  for (int it = 0; it < 200 && log_hi - log_lo > 1e-13; ++it) {
    const double mid = 0.5 * (log_lo + log_hi);
    if (ComputeOptimalForParams(law, std::exp(mid)).loss_nats > target_loss_nats) {
      log_lo = mid;
    } else {
      log_hi = mid;
    }
  }
  return ComputeOptimalForParams(law, std::exp(0.5 * (log_lo + log_hi)));
}

double TokensForLoss(const ChinchillaCoefficients& law, double n_params, double target_loss_nats) {
  const double room = target_loss_nats - law.e_nats - law.a / std::pow(n_params, law.alpha);
  if (!(room > 0.0)) return std::numeric_limits<double>::infinity();
  return std::pow(law.b / room, 1.0 / law.beta);
}

SizingPoint InferenceAwareOptimumFlops(const ChinchillaCoefficients& law, double target_loss_nats,
                                       double inference_tokens) {
  InferenceDemand demand;
  demand.decode_tokens = inference_tokens;
  return Optimise(law, target_loss_nats, demand, {}, false);
}

SizingPoint InferenceAwareOptimumUsd(const ChinchillaCoefficients& law, double target_loss_nats,
                                     const InferenceDemand& demand, const UsdPerFlop& usd) {
  if (!(usd.train >= 0 && usd.prefill >= 0 && usd.decode >= 0)) {
    throw InputError({"", 0, "usd-per-flop"}, "$/FLOP values must be >= 0");
  }
  return Optimise(law, target_loss_nats, demand, usd, true);
}

}  // namespace rightsize
