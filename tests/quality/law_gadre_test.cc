// Gadre et al. 2024: their over-training law fitted on their small runs predicts their held-out
// large runs (1.4B at M = 640, 6.9B at M = 20). The paper's default split (Table 2; repository
// scaling/shared.py fit_ds): train on RedPajama, evaluate C4 loss; fit on the four small models
// at M = 20 plus the 0.011B model at M = 320.
#include <cmath>
#include <utility>

#include "tests/quality/catch_with_ceres.h"

#include "sim/fit/law_fitter.h"
#include "tests/quality/quality_test_util.h"

namespace rightsize {
namespace {

const std::vector<GadreRun>& Runs() {
  static const std::vector<GadreRun> runs = LoadGadreRuns(
      testing::RepoPath("data/quality/gadre-overtraining-2024/models_losses_evals_flat.csv"));
  return runs;
}

const GadreRun& Find(const std::string& name) {
  for (const auto& run : Runs()) {
    if (run.name == name) return run;
  }
  FAIL("run " << name << " not in the data");
  return Runs().front();
}

bool IsSmall(const GadreRun& run) {
  return run.model_config == "d=96_l=8_h=4" || run.model_config == "d=512_l=8_h=4" ||
         run.model_config == "d=576_l=24_h=8" || run.model_config == "d=1024_l=24_h=8";
}

std::vector<GadreRun> LossTrainingRuns() {
  std::vector<GadreRun> train;
  for (const auto& run : Runs()) {
    if (run.dataset != "rpj") continue;
    if ((IsSmall(run) && run.token_multiplier == 20.0) ||
        (run.model_config == "d=96_l=8_h=4" && run.token_multiplier == 320.0)) {
      train.push_back(run);
    }
  }
  return train;
}

LawObservation LossObservation(const GadreRun& run) {
  LawObservation o;
  o.x = {run.n_params, run.token_multiplier, 0};
  o.y = run.loss_c4_val_nats;
  o.where = run.where;
  return o;
}

TEST_CASE("Gadre loss law predicts the held-out 1.4B (M=640) and 6.9B (M=20) runs within 2%",
          "[quality][fit]") {
  CHECK(Runs().size() == 104);
  const std::vector<GadreRun> train = LossTrainingRuns();
  REQUIRE(train.size() == 5);
  std::vector<LawObservation> obs;
  for (const auto& run : train) obs.push_back(LossObservation(run));
  const LawFit fit = FitLaw(LawForm::kGadreLoss, obs);
  INFO(fit.report);
  REQUIRE(fit.usable);
  // The relative errors the paper's repository notebook prints for the same split
  // (mlfoundations/scaling @a003c49; data/quality/gadre-overtraining-2024/PROVENANCE.md): the
  // refit must reproduce them, not merely land within a few percent.
  const std::pair<const char*, double> held_out[] = {{"rpj-open_lm_1b-32.0", 0.007103},
                                                     {"rpj-open_lm_7b-1.0", 0.007320}};
  for (const auto& [name, published_error] : held_out) {
    const GadreRun& run = Find(name);
    const double predicted =
        PredictObservation(LawForm::kGadreLoss, fit.values, LossObservation(run));
    const double error = std::abs(predicted - run.loss_c4_val_nats) / run.loss_c4_val_nats;
    WARN(name << " (N " << run.n_params << ", M " << run.token_multiplier << "): C4 loss "
              << run.loss_c4_val_nats << ", predicted " << predicted << ", relative error "
              << 100 * error << "%");
    CHECK(error == Approx(published_error).margin(1e-4));
  }
}

TEST_CASE("Gadre loss -> top-1 error law chains to the held-out 6.9B run", "[quality][fit]") {
  // Eq. 5 is fitted on the loss-law runs plus the 1.4B model at M = 20 (fit_ds add_1b), on the
  // 17-task error average; the 6.9B run is held out.
  std::vector<GadreRun> train = LossTrainingRuns();
  train.push_back(Find("rpj-open_lm_1b-1.0"));
  std::vector<LawObservation> loss_obs;
  std::vector<LawObservation> error_obs;
  for (const auto& run : train) {
    if (run.model_config != "open_lm_1b") loss_obs.push_back(LossObservation(run));
    LawObservation o;
    o.x = {run.loss_c4_val_nats, 0, 0};
    o.y = run.err_avg17;
    error_obs.push_back(o);
  }
  const LawFit loss_fit = FitLaw(LawForm::kGadreLoss, loss_obs);
  const LawFit error_fit = FitLaw(LawForm::kGadreError, error_obs);
  INFO(error_fit.report);
  REQUIRE(error_fit.usable);
  const GadreRun& big = Find("rpj-open_lm_7b-1.0");
  const double loss =
      PredictObservation(LawForm::kGadreLoss, loss_fit.values, LossObservation(big));
  LawObservation at_loss;
  at_loss.x = {loss, 0, 0};
  const double error = PredictObservation(LawForm::kGadreError, error_fit.values, at_loss);
  const double relative = std::abs(error - big.err_avg17) / big.err_avg17;
  WARN("6.9B 17-task top-1 error " << big.err_avg17 << ", chained prediction " << error
                                   << ", relative error " << 100 * relative << "%");
  CHECK(relative < 0.05);
}

}  // namespace
}  // namespace rightsize
