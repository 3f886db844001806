// Golden tests: data generated from known coefficients (with noise) must be fitted back.
#include <cmath>
#include <random>

#include "tests/quality/catch_with_ceres.h"

#include "sim/fit/law_fitter.h"
#include "sim/quality/law_spec.h"

namespace rightsize {
namespace {

double Rel(double fitted, double truth) { return std::abs(fitted - truth) / std::abs(truth); }

TEST_CASE("Chinchilla: synthetic data from known coefficients is fitted back", "[quality][fit]") {
  // Truth: Hoffmann et al.'s published values; 5% loss-scale noise would swamp E, 0.3% is the
  // scatter of the Epoch points about their fit.
  const ChinchillaCoefficients truth{1.69, 406.4, 410.7, 0.34, 0.28};
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 0.003);
  std::vector<LossPoint> points;
  for (double log10_n = 7.5; log10_n <= 10.5; log10_n += 0.25) {
    for (double tokens_per_param : {2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0}) {
      const double n = std::pow(10.0, log10_n);
      const double d = n * tokens_per_param;
      points.push_back({n, d, ChinchillaLoss(truth, n, d) * std::exp(noise(rng)), {}});
    }
  }
  // A reduced grid (2 values per axis, 32 starts) keeps this test fast; the full 4,500-start
  // grid runs once, on the Epoch data (law_chinchilla_epoch_test.cc).
  HoffmannFitOptions options;
  options.grid_a = {0, 10};
  options.grid_b = {0, 10};
  options.grid_e = {-1, 0.5};
  options.grid_alpha = {0.5, 1};
  options.grid_beta = {0.5, 1};
  const HoffmannFit fit = FitChinchillaHoffmann(points, options);
  INFO(fit.report);
  REQUIRE(fit.usable);
  CHECK(Rel(fit.coefficients.e_nats, truth.e_nats) < 0.02);
  CHECK(Rel(fit.coefficients.alpha, truth.alpha) < 0.05);
  CHECK(Rel(fit.coefficients.beta, truth.beta) < 0.05);
  // A and B trade off against the exponents; check the loss surface instead of A and B alone.
  for (double n : {1e8, 1e9, 1e10, 7e10}) {
    CHECK(Rel(ChinchillaLoss(fit.coefficients, n, 20 * n), ChinchillaLoss(truth, n, 20 * n)) <
          0.005);
  }
}

TEST_CASE("Other forms: noiseless synthetic data recovers the coefficients", "[quality][fit]") {
  struct Case {
    LawForm form;
    std::vector<double> truth;  // natural units, LawCoefficientNames order
    std::vector<std::array<double, 3>> xs;
    double floor = 0.0;
  };
  std::vector<std::array<double, 3>> n_only, n_m, loss_only, transfer_x, ft_x, ptq_x, sig_x;
  for (double log10 = 6.5; log10 <= 10.5; log10 += 0.5) n_only.push_back({std::pow(10, log10)});
  for (double n : {1e7, 8e7, 1.5e8, 4e8})
    for (double m : {5.0, 20.0, 80.0, 320.0}) n_m.push_back({n, m});
  for (double l = 2.0; l <= 5.0; l += 0.25) loss_only.push_back({l});
  for (double df : {1e5, 1e6, 1e7, 1e8})
    for (double n : {1e6, 1e7, 1e8}) transfer_x.push_back({df, n});
  for (double x : {1e9, 3e9, 8e9, 16e9})
    for (double df : {1e5, 1e6, 1e7}) ft_x.push_back({x, df});
  for (double n : {1e8, 1e9, 1e10})
    for (double tpp : {20.0, 100.0, 1000.0})
      for (double bits : {3.0, 4.0, 6.0, 8.0}) ptq_x.push_back({n, n * tpp, bits});
  for (double l = 1.8; l <= 4.0; l += 0.1) sig_x.push_back({l});
  const std::vector<Case> cases = {
      {LawForm::kKaplanN, {8.8e13, 0.076}, n_only},
      {LawForm::kKaplanD, {5.4e13, 0.095}, n_only},
      {LawForm::kGadreLoss, {350.0, 1500.0, 0.25, 1.9}, n_m},
      {LawForm::kGadreError, {0.85, 2.5, 0.45}, loss_only},
      {LawForm::kTransfer, {1.9e4, 0.18, 0.38}, transfer_x},
      {LawForm::kFinetune, {120.0, 0.12, 0.06, 1.1}, ft_x},
      {LawForm::kPtq, {0.07, 0.5, 0.5, 1.15}, ptq_x},
      {LawForm::kSigmoid, {-4.0, 2.8, 0.9, 0.25}, sig_x, 0.25},
  };
  for (const Case& c : cases) {
    std::vector<LawObservation> obs;
    for (const auto& x : c.xs) {
      LawObservation o;
      o.x = x;
      o.y = PredictObservation(c.form, c.truth, o);
      obs.push_back(o);
    }
    LawFitOptions options;
    options.sigmoid_floor = c.floor;
    const LawFit fit = FitLaw(c.form, obs, options);
    INFO(LawFormName(c.form) << ": " << fit.report);
    REQUIRE(fit.usable);
    for (size_t i = 0; i < c.truth.size(); ++i) {
      INFO(fit.names[i] << " fitted " << fit.values[i] << " truth " << c.truth[i]);
      CHECK(Rel(fit.values[i], c.truth[i]) < 1e-3);
    }
  }
}

TEST_CASE("Form selection by cross-validation prefers the generating form", "[quality][fit]") {
  // Data varying both N and D from a Chinchilla law: kaplan-n (N only) and kaplan-d (D only)
  // cannot explain it, so their held-out error is larger.
  const ChinchillaCoefficients truth{1.8, 480.0, 2100.0, 0.35, 0.37};
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0.0, 0.003);
  std::vector<LossPoint> points;
  for (double log10_n = 7.5; log10_n <= 10; log10_n += 0.5) {
    for (double tpp : {2.0, 10.0, 50.0, 250.0}) {
      const double n = std::pow(10.0, log10_n);
      points.push_back({n, n * tpp, ChinchillaLoss(truth, n, n * tpp) * std::exp(noise(rng)), {}});
    }
  }
  LawFitOptions options;
  options.hoffmann.grid_a = {0, 10};  // reduced grid: 5 folds x 32 starts stay fast
  options.hoffmann.grid_b = {0, 10};
  options.hoffmann.grid_e = {-1, 0.5};
  options.hoffmann.grid_alpha = {0.5, 1};
  options.hoffmann.grid_beta = {0.5, 1};
  const FormSelection selection = SelectLossLawForm(
      {LawForm::kKaplanN, LawForm::kKaplanD, LawForm::kChinchilla, LawForm::kGadreLoss}, points, 5,
      options);
  for (const auto& [form, rmse] : selection.cv_rmse) INFO(LawFormName(form) << " " << rmse);
  CHECK(selection.best == LawForm::kChinchilla);
  CHECK(selection.cv_rmse[0].second > 3 * selection.cv_rmse[2].second);
  CHECK(selection.cv_rmse[1].second > 3 * selection.cv_rmse[2].second);
}

TEST_CASE("A fit with too few points is an unusable result, not an exception", "[quality]") {
  std::vector<LawObservation> obs(2);
  obs[0].x = {1e8, 20, 0};
  obs[0].y = 3.0;
  obs[1].x = {1e9, 20, 0};
  obs[1].y = 2.5;
  const LawFit fit = FitLaw(LawForm::kGadreLoss, obs);
  CHECK_FALSE(fit.usable);
  CHECK(fit.report.find("cannot determine") != std::string::npos);
}

}  // namespace
}  // namespace rightsize
