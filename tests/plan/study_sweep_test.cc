// Sweeps over study fields: every combination runs as its own study; the break-even of each
// matches the closed form of the API-vs-self-hosted fixture (tests/plan/study_test.cc).
#include <catch2/catch.hpp>

#include "sim/plan/study_sweep.h"
#include "sim/util/error.h"

using namespace rightsize;

namespace {
const std::string kApiVsSelfhostedStudy =
    std::string(RIGHTSIZE_SOURCE_DIR) + "/tests/plan/fixtures/api-vs-selfhosted.yaml";
}  // namespace

TEST_CASE("a --set argument splits on top-level commas only") {
  const StudyAxis a = ParseStudyAxis("candidates.small.hardware=[l4, a10g],[rtx-4090]");
  CHECK(a.path == "candidates.small.hardware");
  REQUIRE(a.values.size() == 2);
  CHECK(a.values[0] == "[l4, a10g]");
  CHECK(a.values[1] == "[rtx-4090]");
  CHECK_THROWS_AS(ParseStudyAxis("horizon_months"), InputError);
  CHECK_THROWS_AS(ParseStudyAxis("horizon_months=6,,12"), InputError);
}

TEST_CASE("sweeping the API's output price moves the break-even as the closed form says") {
  const StudySweepResult r =
      SweepStudy(kApiVsSelfhostedStudy,
                 {ParseStudyAxis("candidates.large.api.usd_per_million_output_tokens=2,4"),
                  ParseStudyAxis("traffic.requests_per_month=1e4,5e6")},
                 Catalog::Default(), EfficiencyParams::Defaults(), 2);
  REQUIRE(r.rows.size() == 2 * 2);  // one pair per study
  const double price =
      Catalog::Default().PricesFor("h100-sxm5-80gb", {kPriceOnDemand}).front()->usd_per_hour;
  for (const auto& row : r.rows) {
    INFO(row.values[0] << " " << row.values[1]);
    const double output_usd = std::stod(row.values[0]);
    // The self-hosted model costs a flat 12 x 720 h x price; the API R x (1000 x $1 + 200 x p) /
    // 1e6.
    const double hand = 12 * 720 * price / (12 * (1000 * 1.0 + 200 * output_usd) / 1e6);
    CHECK(row.break_even_requests_per_month == Approx(hand).epsilon(1e-6));
    // Below the break-even the API is cheaper; above it the self-hosted small model wins.
    CHECK(row.small_wins_at_plan == (std::stod(row.values[1]) > hand));
    CHECK(row.small == "small");
    CHECK(row.large == "large");
  }
}

TEST_CASE("a swept value the study does not accept is an error naming the study and the value") {
  auto run = [](const std::string& set) {
    return SweepStudy(kApiVsSelfhostedStudy, {ParseStudyAxis(set)}, Catalog::Default(),
                      EfficiencyParams::Defaults(), 1);
  };
  CHECK_THROWS_WITH(run("horizon_months=12,-3"), Catch::Matchers::Contains("horizon_months=-3") &&
                                                     Catch::Matchers::Contains("horizon_months"));
  CHECK_THROWS_WITH(run("traffic.requests_per_mnth=1e6"),
                    Catch::Matchers::Contains("requests_per_mnth"));
  CHECK_THROWS_WITH(run("candidates.nobody.model=qwen2.5-7b"),
                    Catch::Matchers::Contains("no candidate named 'nobody'"));
}
