// End-to-end crossover studies: break-even against a hand calculation, the direction of price
// changes, bad study files, and reports that are complete or absent.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "sim/plan/crossover_runner.h"
#include "sim/report/crossover_report.h"
#include "sim/report/document.h"
#include "sim/util/error.h"
#include "sim/util/file_io.h"
#include "sim/util/output_path.h"
#include "sim/util/units.h"
#include "sim/validate/validation.h"

using namespace rightsize;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {
const std::string kFixtures = std::string(RIGHTSIZE_SOURCE_DIR) + "/tests/plan/fixtures/";
}

TEST_CASE("study break-even equals the hand calculation from the planned capacity and price") {
  const StudySpec study = LoadStudy(kFixtures + "api-vs-selfhosted.yaml", Catalog::Default());
  const CrossoverResult r = RunCrossover(study, Catalog::Default(), EfficiencyParams::Defaults());
  REQUIRE(r.candidates.size() == 2);
  const Candidate& small = r.candidates[0].candidate;
  REQUIRE(small.infeasible_reason.empty());
  REQUIRE(small.serving_options.size() == 1);
  const ServingCostModel& gpu = small.serving_options[0];
  const double price = Catalog::Default().PricesFor("h100-sxm5-80gb").front()->usd_per_hour;
  CHECK(gpu.usd_per_device_hour == price);
  // One replica covers the swept range (checked), so the small model costs a flat
  // 12 x 720 h x price; the API costs R x (1000 x $1 + 200 x $2) / 1e6 per month.
  REQUIRE(gpu.requests_per_s_per_replica * kSecondsPerMonth > study.sweep_max_requests_per_month);
  const double hand = 12 * 720 * price / (12 * (1000 * 1.0 + 200 * 2.0) / 1e6);
  REQUIRE(r.pairs.size() == 1);
  REQUIRE(r.pairs[0].break_even_requests_per_month.size() == 1);
  CHECK(r.pairs[0].break_even_requests_per_month[0] == Approx(hand).epsilon(1e-6));

  // A dearer GPU for the self-hosted model moves the break-even up by the same factor.
  Candidate small2 = small;
  small2.serving_options[0].usd_per_device_hour *= 1.5;
  const Candidate& large = r.candidates[1].candidate;
  const auto moved = BreakEvenTraffic(small2, large, {1000, 200}, 1e3, 1e8, 12, 0);
  REQUIRE(moved.size() == 1);
  CHECK(moved[0] == Approx(1.5 * hand).epsilon(1e-6));
}

TEST_CASE("a dearer price for the large model's hardware moves the break-even the right way") {
  // Large self-hosted Llama-3-70B on H100s vs small Qwen2.5-7B on an L4: raising the H100 price
  // raises the large model's cost, so the small model wins at least as widely.
  const StudySpec study = LoadStudy(kFixtures + "api-vs-selfhosted.yaml", Catalog::Default());
  const CrossoverResult r = RunCrossover(study, Catalog::Default(), EfficiencyParams::Defaults());
  const Candidate& small = r.candidates[0].candidate;
  Candidate large = small;  // a self-hosted "large" with a replica 4x dearer
  large.id = "large";
  large.quality = 82;
  for (auto& s : large.serving_options) s.devices_per_replica = 4;
  Candidate small_api = r.candidates[1].candidate;  // the API as the small model
  small_api.one_off_usd = 5000;
  auto break_even = [&](double scale) {
    Candidate l = large;
    for (auto& s : l.serving_options) s.usd_per_device_hour *= scale;
    return BreakEvenTraffic(small_api, l, {1000, 200}, 1e3, 1e9, 12, 0).at(0);
  };
  CHECK(break_even(1.25) > break_even(1.0));
}

TEST_CASE("the report is written whole, its PNGs render and it links only files that exist") {
  const StudySpec study = LoadStudy(kFixtures + "api-vs-selfhosted.yaml", Catalog::Default());
  const CrossoverResult r = RunCrossover(study, Catalog::Default(), EfficiencyParams::Defaults());
  const fs::path dir = fs::temp_directory_path() / "rightsize_study_report";
  fs::remove_all(dir);
  const auto files = WriteCrossoverReport(
      r, Catalog::Default(), EfficiencyParams::Defaults(),
      Validate(DefaultRunsDir(), Catalog::Default(), EfficiencyParams::Defaults()), "h",
      dir.string());
  CHECK(files.size() >= 12);
  for (const auto& f : files) {
    INFO(f);
    CHECK(fs::exists(dir / f));
    CHECK(fs::file_size(dir / f) > 0);
  }
  const std::string md = ReadTextFile((dir / "report.md").string());
  CHECK_THAT(md, Contains("cost_vs_traffic.png"));
  CHECK_THAT(md, Contains("## Sensitivity"));
  // The calibration parity figure, with its data and script beside it, on the study's hardware
  // (the shipped runs include H100 SXM5 points) or on all runs with the caption saying so.
  for (const char* f : {"calibration_parity.png", "calibration_parity.svg",
                        "calibration_parity.csv", "calibration_parity.gp"}) {
    CHECK(std::find(files.begin(), files.end(), f) != files.end());
  }
  CHECK_THAT(md, Contains("(calibration_parity.png)"));
  CHECK_THAT(md, Contains("The study's hardware:") && Contains("on h100-sxm5-80gb"));
  CHECK_THAT(md, !Contains("scaling_law"));  // measured scores: no law to draw
  fs::remove_all(dir);
}

TEST_CASE(
    "P(small wins) comes with its Monte Carlo error, and draws continue until it is 1 point") {
  // The law-quality example's small model wins in about a third of the draws: 400 draws leave an
  // error of 2.4 points, so more blocks are drawn.
  const StudySpec study = LoadStudy(
      std::string(RIGHTSIZE_SOURCE_DIR) + "/examples/law-quality-study.yaml", Catalog::Default());
  const CrossoverResult r = RunCrossover(study, Catalog::Default(), EfficiencyParams::Defaults());
  REQUIRE(r.pairs.size() == 1);
  const PairResult& pair = r.pairs[0];
  REQUIRE(pair.p_small_wins_at_plan > 0.1);
  REQUIRE(pair.p_small_wins_at_plan < 0.9);
  const double n = r.monte_carlo_draws;
  CHECK(n > 400);
  CHECK(pair.p_small_wins_se <= 0.01);
  // Binomial error of the estimate (with one win and one loss added, which moves it little here).
  const double p = pair.p_small_wins_at_plan;
  CHECK(pair.p_small_wins_se == Approx(std::sqrt(p * (1 - p) / n)).epsilon(0.01));
  CHECK(pair.verdict.find(fmt::format("+- {:.1f}", 100 * pair.p_small_wins_se)) !=
        std::string::npos);
}

TEST_CASE("a bad study file is an error with file:line: key and leaves no report behind") {
  CHECK_THROWS_WITH(
      LoadStudy(kFixtures + "bad-study.yaml", Catalog::Default()),
      Contains(
          "bad-study.yaml:6: traffic.requests_per_month: value -3 is outside the valid range"));
  const fs::path dir = fs::temp_directory_path() / "rightsize_bad_report";
  fs::remove_all(dir);
  CHECK_THROWS_AS(
      WriteFolderAtomically(
          dir.string(),
          [&](const std::string&) { LoadStudy(kFixtures + "bad-study.yaml", Catalog::Default()); }),
      InputError);
  CHECK_FALSE(fs::exists(dir));
}

TEST_CASE("ten-fold monthly growth: more replicas than an int holds, totals equal the hand sum",
          "[heavy]") {
  // Before costs were doubles, replicas were cast to int and multiplied as ints: this input gave
  // negative dollars and flipped the verdict.
  YAML::Node root = YAML::LoadFile(kFixtures + "api-vs-selfhosted.yaml");
  root["monthly_growth"] = 10.0;
  const StudySpec study = LoadStudy(root, kFixtures + "api-vs-selfhosted.yaml", Catalog::Default());
  const CrossoverResult r = RunCrossover(study, Catalog::Default(), EfficiencyParams::Defaults());
  REQUIRE(r.candidates[0].candidate.serving_options.size() == 1);
  const ServingCostModel& gpu = r.candidates[0].candidate.serving_options[0];
  double small_hand = 0.0, api_hand = 0.0, most_replicas = 0.0;
  double traffic = study.requests_per_month;
  for (int month = 0; month < 12; ++month) {
    const double replicas = std::ceil(traffic / kSecondsPerMonth / gpu.requests_per_s_per_replica);
    most_replicas = std::max(most_replicas, replicas);
    small_hand += replicas * gpu.usd_per_device_hour * kSecondsPerMonth / kSecondsPerHour;
    api_hand += traffic * (1000 * 1.0 + 200 * 2.0) / 1e6;
    traffic *= 11.0;
  }
  CHECK(most_replicas > 2147483647.0);
  CHECK(r.candidates[0].usd_at_plan == Approx(small_hand).epsilon(1e-9));
  CHECK(r.candidates[1].usd_at_plan == Approx(api_hand).epsilon(1e-9));
  REQUIRE(r.pairs.size() == 1);
  CHECK(r.pairs[0].small_wins_at_plan == (small_hand < api_hand));

  // The default study with the same growth: finite positive totals, and Phi-3 stays cheaper.
  YAML::Node def =
      YAML::LoadFile(std::string(RIGHTSIZE_SOURCE_DIR) + "/examples/default-study.yaml");
  def["monthly_growth"] = 10.0;
  const CrossoverResult d = RunCrossover(LoadStudy(def, "default-study.yaml", Catalog::Default()),
                                         Catalog::Default(), EfficiencyParams::Defaults());
  for (const auto& c : d.candidates) {
    INFO(c.spec.name);
    CHECK(std::isfinite(c.usd_at_plan));
    CHECK(c.usd_at_plan > 0);
  }
  CHECK(d.candidates[0].usd_at_plan < d.candidates[1].usd_at_plan);
  CHECK(d.pairs[0].small_wins_at_plan);
}

TEST_CASE("growth that would carry traffic past what the costs can hold is a study error") {
  YAML::Node root = YAML::LoadFile(kFixtures + "api-vs-selfhosted.yaml");
  root["monthly_growth"] = 10.0;
  root["horizon_months"] = 60;
  CHECK_THROWS_WITH(LoadStudy(root, "growth.yaml", Catalog::Default()),
                    Contains("growth.yaml: monthly_growth: traffic would grow to"));
}

TEST_CASE("equal totals are a tie, not a win for the large model") {
  const CrossoverResult r =
      RunCrossover(LoadStudy(kFixtures + "zero-price-study.yaml", Catalog::Default()),
                   Catalog::Default(), EfficiencyParams::Defaults());
  REQUIRE(r.pairs.size() == 1);
  CHECK(r.candidates[0].usd_at_plan == 0.0);
  CHECK(r.candidates[1].usd_at_plan == 0.0);
  CHECK_FALSE(r.pairs[0].small_wins_at_plan);
  CHECK_THAT(r.pairs[0].verdict, Contains("TIES: costs the same"));
  CHECK_THAT(r.pairs[0].verdict, Contains("Verdict: tie (equal cost"));
  CHECK_THAT(r.pairs[0].verdict, !Contains("large is cheaper"));
}

TEST_CASE("an unknown id inside a study names the study's file and line") {
  CHECK_THROWS_WITH(
      LoadStudy(kFixtures + "unknown-ids-study.yaml", Catalog::Default()),
      Contains(
          "unknown-ids-study.yaml:19: candidates[0].hardware: unknown hardware id 'h100-sxm'"));
}
