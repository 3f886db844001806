// rightsize validate: the command runs over every dataset in data/runs, reports finite errors,
// and counts every row it does not compare.
#include <catch2/catch.hpp>

#include <cmath>

#include "sim/plan/validation.h"
#include "sim/spec/catalog.h"

using namespace rightsize;

TEST_CASE("validation compares rows of every dataset and accounts for every row") {
  const ValidationResult r = Validate(DefaultRunsDir(), Catalog::Default(), EfficiencyParams::Defaults());
  REQUIRE(r.datasets.size() == ValidationDatasets().size());
  int used_total = 0;
  for (const auto& d : r.datasets) {
    INFO(d.dataset);
    CHECK(d.rows > 0);
    int skipped = 0;
    for (const auto& [reason, n] : d.skipped) skipped += n;
    // Rows used + unmatched + skipped = rows (optimum-benchmark rows give two points each).
    CHECK(d.used / (d.dataset == "optimum-benchmark-running-llamas" ? 2 : 1) + d.unknown_model +
              d.unknown_hardware + skipped ==
          d.rows);
    // Every shipped dataset has rows the model can price (the README's table quotes each).
    CHECK(d.used > 0);
    CHECK(std::isfinite(d.median_ape));
    CHECK(std::isfinite(d.p90_ape));
    CHECK(d.p90_ape >= d.median_ape);
    used_total += d.used;
  }
  CHECK(used_total > 0);
  REQUIRE(r.points.size() == static_cast<size_t>(used_total));
  for (const auto& p : r.points) {
    CHECK(p.measured > 0);
    CHECK(std::isfinite(p.predicted));
    CHECK(p.predicted > 0);
  }
}

TEST_CASE("dataset model names map to catalogue ids") {
  const Catalog& c = Catalog::Default();
  const ModelSpec* m = MatchModel(c, "LLaMA 3 8B");
  REQUIRE(m);
  CHECK(m->id == "llama-3-8b");
  const ModelSpec* big = MatchModel(c, "LLAMA3_70B");
  REQUIRE(big);
  CHECK(big->id == "llama-3-70b");
  CHECK(MatchModel(c, "no-such-model-xyz") == nullptr);
}

TEST_CASE("Megatron-LM H100 weak scaling: every GPT row fits with 1F1B micro-batches and is predicted within 10% median") {
  const ValidationResult r = Validate(DefaultRunsDir(), Catalog::Default(), EfficiencyParams::Defaults(),
                                      {"megatron-lm-training-mfu"});
  REQUIRE(r.datasets.size() == 1);
  const DatasetSummary& d = r.datasets[0];
  CHECK(d.rows == 9);
  CHECK(d.used == 9);  // pipeline rows (PP 2-16) hold min(PP, micro-batches) micro-batches, not the whole batch
  CHECK(d.median_ape <= 0.10);
  CHECK(d.p90_ape <= 0.35);
}
