// Compute-optimal vs inference-aware sizing (Hoffmann et al. 2022 eq. 4; Sardana & Frankle
// 2024) on Epoch's Chinchilla fit, read from models/laws, and the worked examples of Sardana et
// al. 2024 reproduced from the paper's own coefficients (data/quality/sardana-2024-worked-
// examples.csv: every expected number there is the paper's or its authors' repository's).
#include <cmath>
#include <optional>
#include <string>

#include "tests/quality/catch_with_ceres.h"

#include "sim/quality/law_spec.h"
#include "sim/quality/sizing.h"
#include "sim/util/csv.h"
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
  CHECK_THROWS_AS(ComputeOptimalForLoss(law, law.e_nats), InputError);
}

TEST_CASE("The equal-quality compute-optimal model inverts the frontier's loss",
          "[quality][sizing]") {
  const ChinchillaCoefficients law = EpochChinchilla();
  for (double n : {1e8, 7e9, 70e9, 1e12}) {
    const SizingPoint frontier = ComputeOptimalForParams(law, n);
    const SizingPoint same = ComputeOptimalForLoss(law, frontier.loss_nats);
    CHECK(same.n_params == Approx(n).epsilon(1e-9));
    CHECK(same.d_train_tokens == Approx(frontier.d_train_tokens).epsilon(1e-9));
  }
}

// What Sardana et al. 2024 compare: the Chinchilla-style model of the example's quality (named by
// its size, or by the loss it reaches) against the lifetime-FLOP optimum at the same loss.
struct SardanaComparison {
  SizingPoint chinchilla;
  std::optional<SizingPoint> aware;  // absent when the example gives no inference demand
  double chinchilla_lifetime_flops = 0.0;
};

SardanaComparison CompareAsSardana(const ChinchillaCoefficients& law, const CsvTable& table,
                                   const CsvRow& row) {
  SardanaComparison out;
  const std::optional<double> params = table.MaybeNumber(row, "chinchilla_params");
  out.chinchilla = params ? ComputeOptimalForParams(law, *params)
                          : ComputeOptimalForLoss(law, table.Number(row, "target_loss_nats"));
  const std::optional<double> inference = table.MaybeNumber(row, "inference_tokens");
  if (!inference) return out;
  out.aware = InferenceAwareOptimumFlops(law, out.chinchilla.loss_nats, *inference);
  out.chinchilla_lifetime_flops = out.chinchilla.train_flops + kInferenceFlopsPerParamToken *
                                                                   out.chinchilla.n_params *
                                                                   *inference;
  return out;
}

// Each figure the example states, ours beside it, within 2% (the lifetime-FLOP ratio is 1 minus
// the stated saving: "17%" is 0.83 +- 0.005 as printed).
void CheckAgainstPaper(const CsvTable& table, const CsvRow& row, const std::string& column,
                       double ours, double tolerance = 0.02) {
  const std::optional<double> paper = table.MaybeNumber(row, column);
  if (!paper) return;
  INFO(table.Cell(row, "example") << " " << column << ": paper " << *paper << ", ours " << ours
                                  << " (" << table.Cell(row, "where") << ")");
  CHECK(std::abs(ours / *paper - 1.0) < tolerance);
}

TEST_CASE("Sardana et al. 2024 worked examples reproduced within 2% from the paper's coefficients",
          "[quality][sizing][paper]") {
  const ChinchillaCoefficients law =
      ToChinchilla(LoadLawYaml(testing::RepoPath("models/laws/chinchilla-sardana-2024.yaml")));
  const CsvTable table =
      CsvTable::Load(testing::RepoPath("data/quality/sardana-2024-worked-examples.csv"));
  REQUIRE(table.rows().size() == 6);
  int figures_checked = 0;
  for (const CsvRow& row : table.rows()) {
    const SardanaComparison c = CompareAsSardana(law, table, row);
    CheckAgainstPaper(table, row, "chinchilla_train_tokens", c.chinchilla.d_train_tokens);
    // The loss is printed to seven figures: hold it to the printed precision.
    CheckAgainstPaper(table, row, "chinchilla_loss_nats", c.chinchilla.loss_nats, 1e-6);
    figures_checked += table.MaybeNumber(row, "chinchilla_train_tokens").has_value();
    figures_checked += table.MaybeNumber(row, "chinchilla_loss_nats").has_value();
    if (!c.aware) continue;
    const SizingPoint& aware = *c.aware;
    const struct {
      const char* column;
      double ours;
    } figures[] = {
        {"optimal_params", aware.n_params},
        {"optimal_train_tokens", aware.d_train_tokens},
        {"train_tokens_ratio", aware.d_train_tokens / c.chinchilla.d_train_tokens},
        {"params_ratio", aware.n_params / c.chinchilla.n_params},
        {"lifetime_flops_ratio", aware.total_flops / c.chinchilla_lifetime_flops},
        {"flops_saved", c.chinchilla_lifetime_flops - aware.total_flops},
    };
    for (const auto& f : figures) {
      CheckAgainstPaper(table, row, f.column, f.ours);
      figures_checked += table.MaybeNumber(row, f.column).has_value();
    }
    WARN(table.Cell(row, "example")
         << ": Chinchilla-style N " << c.chinchilla.n_params / 1e9 << "B on "
         << c.chinchilla.d_train_tokens / 1e12 << "T tokens (loss " << c.chinchilla.loss_nats
         << ") -> inference-aware N " << aware.n_params / 1e9 << "B on "
         << aware.d_train_tokens / 1e12 << "T tokens, lifetime FLOPs x"
         << aware.total_flops / c.chinchilla_lifetime_flops);
  }
  CHECK(figures_checked == 19);
}

TEST_CASE("Sardana et al.'s Fig. 1 needs their unrounded exponents", "[quality][sizing][paper]") {
  // With the rounded 0.34 / 0.28 the same 13B, 2T-token example saves far less than the 1.7e22
  // FLOPs the paper states: the example pins the coefficients, not only the method.
  const ChinchillaCoefficients rounded =
      ToChinchilla(LoadLawYaml(testing::RepoPath("models/laws/chinchilla-hoffmann-2022.yaml")));
  const SizingPoint chinchilla = ComputeOptimalForParams(rounded, 13e9);
  const SizingPoint aware = InferenceAwareOptimumFlops(rounded, chinchilla.loss_nats, 2e12);
  const double saved = chinchilla.train_flops +
                       kInferenceFlopsPerParamToken * chinchilla.n_params * 2e12 -
                       aware.total_flops;
  CHECK(std::abs(saved / 1.7e22 - 1.0) > 0.2);
}

}  // namespace
}  // namespace rightsize
