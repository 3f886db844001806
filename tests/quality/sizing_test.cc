// Compute-optimal vs inference-aware sizing (Hoffmann et al. 2022 eq. 4; Sardana & Frankle
// 2024) on Epoch's Chinchilla fit, read from models/laws.
#include <cmath>

#include "tests/quality/catch_with_ceres.h"

#include "sim/quality/law_spec.h"
#include "sim/quality/sizing.h"
#include "tests/quality/quality_test_util.h"

namespace rightsize {
namespace {

ChinchillaCoefficients EpochChinchilla() {
  return ToChinchilla(LoadLawYaml(testing::RepoPath("models/laws/chinchilla-epoch-2024.yaml")));
}

TEST_CASE("Zero inference demand: the inference-aware optimum is the Chinchilla frontier",
          "[quality][sizing]") {
  const ChinchillaCoefficients law = EpochChinchilla();
  for (double n : {1e9, 7e9, 30e9, 70e9}) {
    const SizingPoint frontier = ComputeOptimalForParams(law, n);
    const SizingPoint numeric = InferenceAwareOptimumFlops(law, frontier.loss_nats, 0.0);
    INFO("N " << n << " frontier D " << frontier.d_train_tokens << " numeric N " << numeric.n_params
              << " D " << numeric.d_train_tokens);
    CHECK(std::abs(numeric.n_params / frontier.n_params - 1) < 1e-4);
    CHECK(std::abs(numeric.d_train_tokens / frontier.d_train_tokens - 1) < 1e-4);
    CHECK(std::abs(numeric.loss_nats - frontier.loss_nats) < 1e-9);
    // The closed form is the frontier: at the same compute no other split has lower loss.
    for (double f : {0.8, 0.95, 1.05, 1.25}) {
      CHECK(ChinchillaLoss(law, n * f, frontier.d_train_tokens / f) > frontier.loss_nats);
    }
  }
}

TEST_CASE("Large inference demand: smaller model trained longer, fewer lifetime FLOPs",
          "[quality][sizing]") {
  const ChinchillaCoefficients law = EpochChinchilla();
  const double target = ComputeOptimalForParams(law, 30e9).loss_nats;
  const SizingPoint chinchilla = InferenceAwareOptimumFlops(law, target, 0.0);
  double previous_n = chinchilla.n_params;
  for (double demand : {1e11, 1e12, 1e13, 1e14}) {
    const SizingPoint aware = InferenceAwareOptimumFlops(law, target, demand);
    CHECK(aware.n_params < previous_n);
    CHECK(aware.d_train_tokens > chinchilla.d_train_tokens);
    CHECK(std::abs(aware.loss_nats - target) < 1e-9);
    const double chinchilla_total =
        chinchilla.train_flops + kInferenceFlopsPerParamToken * chinchilla.n_params * demand;
    CHECK(aware.total_flops < chinchilla_total);
    previous_n = aware.n_params;
  }
  const SizingPoint aware = InferenceAwareOptimumFlops(law, target, 1e13);
  const double chinchilla_total =
      chinchilla.train_flops + kInferenceFlopsPerParamToken * chinchilla.n_params * 1e13;
  WARN("30B-quality target loss " << target << " nats at 1e13 inference tokens:\n"
                                  << "  compute-optimal  N " << chinchilla.n_params / 1e9 << "B, D "
                                  << chinchilla.d_train_tokens / 1e9 << "B tokens ("
                                  << chinchilla.tokens_per_param() << " tok/param), lifetime FLOPs "
                                  << chinchilla_total << "\n"
                                  << "  inference-aware  N " << aware.n_params / 1e9 << "B, D "
                                  << aware.d_train_tokens / 1e9 << "B tokens ("
                                  << aware.tokens_per_param() << " tok/param), lifetime FLOPs "
                                  << aware.total_flops << " ("
                                  << 100 * (1 - aware.total_flops / chinchilla_total) << "% less)");
}

TEST_CASE("Dollar optimum: cheap inference FLOPs move the optimum back toward Chinchilla",
          "[quality][sizing]") {
  const ChinchillaCoefficients law = EpochChinchilla();
  const double target = ComputeOptimalForParams(law, 30e9).loss_nats;
  InferenceDemand demand;
  demand.prefill_tokens = 0.5e13;
  demand.decode_tokens = 0.5e13;
  const SizingPoint equal = InferenceAwareOptimumUsd(law, target, demand, {1e-18, 1e-18, 1e-18});
  const SizingPoint flops = InferenceAwareOptimumFlops(law, target, 1e13);
  // Equal $/FLOP everywhere is the FLOP problem scaled.
  CHECK(std::abs(equal.n_params / flops.n_params - 1) < 1e-3);
  // Decode at 10x the $/FLOP of training (memory-bound) pushes toward a smaller model.
  const SizingPoint pricey_decode =
      InferenceAwareOptimumUsd(law, target, demand, {1e-18, 1e-18, 1e-17});
  CHECK(pricey_decode.n_params < equal.n_params);
  const SizingPoint cheap_inference =
      InferenceAwareOptimumUsd(law, target, demand, {1e-18, 1e-20, 1e-20});
  CHECK(cheap_inference.n_params > equal.n_params);
}

TEST_CASE("Unreachable target loss is an input error", "[quality][sizing]") {
  const ChinchillaCoefficients law = EpochChinchilla();
  CHECK_THROWS_AS(InferenceAwareOptimumFlops(law, law.e_nats - 0.01, 1e12), InputError);
}

}  // namespace
}  // namespace rightsize
