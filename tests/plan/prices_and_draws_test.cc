// Prices as buyers pay them and the Monte Carlo over prices and traffic: an owned device's hour
// from its parts, the study's price kinds (on demand by default, spot only for interruptible
// work), common random numbers across candidates, and traffic forecast draws against the closed
// form of a break-even.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include <yaml-cpp/yaml.h>

#include "sim/plan/crossover_runner.h"
#include "sim/spec/yaml_loaders.h"
#include "sim/util/error.h"
#include "sim/util/units.h"
#include "tests/error_of.h"
#include "tests/temp_file.h"

using namespace rightsize;
using Catch::Matchers::Contains;
using rightsize::testing::ErrorOf;

namespace {
const std::string kDrawFixtures = std::string(RIGHTSIZE_SOURCE_DIR) + "/tests/plan/fixtures/";

YAML::Node DrawFixture(const std::string& name) { return YAML::LoadFile(kDrawFixtures + name); }

StudySpec LoadDrawStudy(const YAML::Node& root) {
  return LoadStudy(root, kDrawFixtures + "api-vs-selfhosted.yaml", Catalog::Default());
}

// The standard normal CDF.
double StandardNormalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }
}  // namespace

TEST_CASE("an owned device's hour is purchase and host over its life plus power and colocation") {
  const std::string path = WriteTempFile("rightsize_prices", "owned.yaml", R"(id: owned-test
hardware: rtx-4090
kind: owned
owned:
  purchase_usd: 1600
  host_share_usd: 400
  depreciation_years: 2
  power_w: 500
  pue: 1.5
  electricity_usd_per_kwh: 0.2
  colocation_usd_per_month: 72
date: "2026-01"
source: test
)");
  const PriceSpec p = LoadPriceSpecYaml(path);
  // 2000 / (2 x 8760) + 0.5 kW x 1.5 x 0.2 + 72 / 720 = 0.114155 + 0.15 + 0.1.
  CHECK(p.usd_per_hour == Approx(2000.0 / 17520.0 + 0.15 + 0.1).epsilon(1e-12));
  REQUIRE(p.owned.has_value());
  CHECK(p.owned->pue == 1.5);
}

TEST_CASE("a price file with an unknown kind, or an owned one with usd_per_hour, names the key") {
  const std::string unknown = WriteTempFile("rightsize_prices", "unknown.yaml", R"(id: x
hardware: rtx-4090
usd_per_hour: 1
kind: purchase-amortised
date: "2026-01"
source: test
)");
  CHECK_THAT(ErrorOf([&] { LoadPriceSpecYaml(unknown); }),
             Contains("unknown.yaml:4: kind") && Contains("unknown price kind"));
  const std::string both = WriteTempFile("rightsize_prices", "both.yaml", R"(id: y
hardware: rtx-4090
usd_per_hour: 1
kind: owned
date: "2026-01"
source: test
)");
  CHECK_THAT(ErrorOf([&] { LoadPriceSpecYaml(both); }), Contains("both.yaml:3: usd_per_hour"));
}

TEST_CASE("a study prices on demand unless it lists kinds, and spot only for interruptible work") {
  YAML::Node root = DrawFixture("api-vs-selfhosted.yaml");
  const StudySpec plain = LoadDrawStudy(root);
  REQUIRE(plain.prices.kinds == std::vector<std::string>{kPriceOnDemand});
  const CrossoverResult r = RunCrossover(plain, Catalog::Default(), EfficiencyParams::Defaults());
  const double on_demand =
      Catalog::Default().PricesFor("h100-sxm5-80gb", {kPriceOnDemand}).front()->usd_per_hour;
  const double any = Catalog::Default().PricesFor("h100-sxm5-80gb").front()->usd_per_hour;
  REQUIRE(any < on_demand);  // the catalogue has a cheaper spot quote, which is not taken
  CHECK(r.candidates[0].candidate.serving_options.at(0).usd_per_device_hour == on_demand);

  root["prices"]["kinds"].push_back("cloud-spot");
  CHECK_THAT(ErrorOf([&] { LoadDrawStudy(root); }),
             Contains("prices") && Contains("kinds") && Contains("interruptible: true"));
  root["prices"]["interruptible"] = true;
  const CrossoverResult spot =
      RunCrossover(LoadDrawStudy(root), Catalog::Default(), EfficiencyParams::Defaults());
  CHECK(spot.candidates[0].candidate.serving_options.at(0).usd_per_device_hour == any);
}

TEST_CASE("common random numbers: candidates on one device pay the same drawn quote") {
  // Small on one H100, large on two, equal scores: whatever quote a draw takes, the small model
  // pays half. Drawn independently per candidate it would lose whenever it drew the dearer quote
  // and the large model the cheaper one.
  YAML::Node root = DrawFixture("api-vs-selfhosted.yaml");
  root["uncertainty"]["throughput_rel_sd"] = 0.0;
  YAML::Node large = root["candidates"][1];
  large.remove("api");
  large["model"] = "qwen2.5-7b";
  large["hardware"].push_back("h100-sxm5-80gb");
  large["tensor_parallel"].push_back(2);
  large["quality"]["score"] = 80;
  const auto quotes = Catalog::Default().PricesFor("h100-sxm5-80gb", {kPriceOnDemand});
  REQUIRE(quotes.size() >= 2);
  REQUIRE(quotes.back()->usd_per_hour > 2 * quotes.front()->usd_per_hour);
  const CrossoverResult r =
      RunCrossover(LoadDrawStudy(root), Catalog::Default(), EfficiencyParams::Defaults());
  REQUIRE(r.pairs.size() == 1);
  CHECK(r.pairs[0].p_small_wins_at_plan == 1.0);
  bool price_drawn = false;
  for (const DrawnInputEffect& d : r.pairs[0].drivers)
    price_drawn |= d.input == "price of h100-sxm5-80gb";
  CHECK(price_drawn);
}

TEST_CASE("traffic forecast draws: P(small wins) is the chance the traffic passes break-even") {
  // A self-hosted model on a device with one on-demand quote, one replica over the whole range,
  // against an API: the small model wins exactly when the drawn traffic exceeds the break-even,
  // so P = StandardNormalCdf(ln(plan / break-even) / sd).
  YAML::Node root = DrawFixture("api-vs-selfhosted.yaml");
  root["candidates"][0]["hardware"][0] = "a100-sxm4-80gb";
  REQUIRE(Catalog::Default().PricesFor("a100-sxm4-80gb", {kPriceOnDemand}).size() == 1);
  root["uncertainty"]["throughput_rel_sd"] = 0.0;
  const StudySpec nominal = LoadDrawStudy(root);
  const CrossoverResult first =
      RunCrossover(nominal, Catalog::Default(), EfficiencyParams::Defaults());
  REQUIRE(first.pairs.size() == 1);
  REQUIRE(first.pairs[0].break_even_requests_per_month.size() == 1);
  const double break_even = first.pairs[0].break_even_requests_per_month[0];
  const ServingCostModel& gpu = first.candidates[0].candidate.serving_options.at(0);
  REQUIRE(gpu.requests_per_s_per_replica * kSecondsPerMonth > 1e7);  // one replica throughout

  constexpr double kSd = 0.5, kLogRatio = 0.25;
  root["uncertainty"]["traffic_rel_sd"] = kSd;
  root["uncertainty"]["traffic_source"] = "test";
  root["traffic"]["requests_per_month"] = break_even * std::exp(kLogRatio);
  const CrossoverResult r =
      RunCrossover(LoadDrawStudy(root), Catalog::Default(), EfficiencyParams::Defaults());
  const PairResult& pair = r.pairs.at(0);
  const double expected = StandardNormalCdf(kLogRatio / kSd);  // 0.69
  CHECK(std::abs(pair.p_small_wins_at_plan - expected) <= 3 * pair.p_small_wins_se);
  REQUIRE_FALSE(pair.drivers.empty());
  CHECK(pair.drivers.front().input == "traffic forecast");
  CHECK(pair.drivers.front().p_win_low < pair.drivers.front().p_win_high);
}

TEST_CASE("without quality_tolerance the tolerance is the benchmark's between-evaluator spread") {
  const std::string def = std::string(RIGHTSIZE_SOURCE_DIR) + "/examples/default-study.yaml";
  const StudySpec s = LoadStudy(def, Catalog::Default());
  REQUIRE_FALSE(YAML::LoadFile(def)["quality_tolerance"]);
  double spread = 0;
  for (const CandidateSpec& c : s.candidates) spread = c.quality.benchmark_evaluator_spread;
  REQUIRE(spread > 0);
  CHECK(s.quality_tolerance == spread);
  CHECK_THAT(s.quality_tolerance_source, Contains("between-evaluator spread of MMLU"));

  YAML::Node given = DrawFixture("api-vs-selfhosted.yaml");
  given.remove("quality_tolerance");
  CHECK_THAT(ErrorOf([&] { LoadDrawStudy(given); }),
             Contains("quality_tolerance") && Contains("no default tolerance"));
}

TEST_CASE("scale-to-zero workers are billed while up: 1 - exp(-rT) of the time plus cold starts") {
  ServingCostModel s;
  s.label = "test serverless";
  s.hardware_id = "l4";
  s.requests_per_s_per_replica = 10;
  s.devices_per_replica = 1;
  s.usd_per_device_hour = 1.0;
  s.scale_to_zero = true;
  s.idle_timeout_s = 5;
  s.cold_start_s = 2;
  const double r = 0.1, down = std::exp(-r * 5);
  const ScaleToZeroLoad load = ScaleToZero(s, r);
  CHECK(load.cold_start_share == Approx(down).epsilon(1e-12));
  CHECK(load.up_share == Approx(1 - down + r * down * 2).epsilon(1e-12));
  CHECK(ServingUsdPerMonth(s, {1000, 200}, r) == Approx(720 * load.up_share).epsilon(1e-12));
  // More cold starts than the SLO allows: the option cannot serve this traffic.
  s.max_cold_start_share = 0.01;
  CHECK(std::isinf(ServingUsdPerMonth(s, {1000, 200}, r)));
  // Busy traffic keeps every worker up: the always-on cost.
  s.max_cold_start_share = 1;
  CHECK(ServingUsdPerMonth(s, {1000, 200}, 25.0) == Approx(3 * 720.0).epsilon(1e-6));
}

TEST_CASE("a serverless twin wins at low traffic only when the SLO tolerates its cold starts") {
  YAML::Node root = DrawFixture("api-vs-selfhosted.yaml");
  root.remove("slo");
  root["traffic"]["requests_per_month"] = 1e3;
  root["prices"]["kinds"].push_back(kPriceOnDemand);
  root["prices"]["kinds"].push_back(kPriceServerless);
  root["prices"]["serverless"]["idle_timeout_s"] = 60;
  root["prices"]["serverless"]["cold_start_s"] = 10;
  root["prices"]["serverless"]["source"] = "test";
  const StudySpec study = LoadDrawStudy(root);
  const CrossoverResult r = RunCrossover(study, Catalog::Default(), EfficiencyParams::Defaults());
  const Candidate& small = r.candidates.at(0).candidate;
  REQUIRE(small.serving_options.size() == 2);
  const ServingCostModel& twin = small.serving_options[1];
  CHECK(twin.scale_to_zero);
  CHECK(twin.usd_per_device_hour ==
        Catalog::Default().PricesFor("h100-sxm5-80gb", {kPriceServerless}).front()->usd_per_hour);
  const double rps = 1e3 / kSecondsPerMonth;
  const double down = std::exp(-rps * 60);
  const double hand = 720 * twin.usd_per_device_hour * (1 - down + rps * down * 10);
  CHECK(r.candidates[0].layout_at_plan == twin.label);
  CHECK(r.candidates[0].usd_at_plan == Approx(12 * hand).epsilon(1e-9));

  // A TTFT p99 of 1 s allows 1% of requests a 10 s cold start; nearly all meet one at this traffic.
  root["slo"]["ttft_p99_s"] = 1.0;
  const CrossoverResult strict =
      RunCrossover(LoadDrawStudy(root), Catalog::Default(), EfficiencyParams::Defaults());
  CHECK(strict.candidates[0].layout_at_plan != twin.label);
}

TEST_CASE("serverless needs an always-on kind beside it and its settings") {
  YAML::Node alone = DrawFixture("api-vs-selfhosted.yaml");
  alone["prices"]["kinds"].push_back(kPriceServerless);
  CHECK_THAT(ErrorOf([&] { LoadDrawStudy(alone); }),
             Contains("kinds") && Contains("always-on kind"));
  YAML::Node bare = DrawFixture("api-vs-selfhosted.yaml");
  bare["prices"]["kinds"].push_back(kPriceOnDemand);
  bare["prices"]["kinds"].push_back(kPriceServerless);
  CHECK_THAT(ErrorOf([&] { LoadDrawStudy(bare); }), Contains("serverless"));
}

TEST_CASE("a planned utilisation below 1 sizes replicas for that share of their SLO capacity") {
  YAML::Node root = DrawFixture("api-vs-selfhosted.yaml");
  const CrossoverResult full =
      RunCrossover(LoadDrawStudy(root), Catalog::Default(), EfficiencyParams::Defaults());
  root["uncertainty"]["utilisation"]["nominal"] = 0.5;
  root["uncertainty"]["utilisation"]["min"] = 0.4;
  root["uncertainty"]["utilisation"]["max"] = 0.9;
  root["uncertainty"]["utilisation"]["source"] = "test";
  const CrossoverResult half =
      RunCrossover(LoadDrawStudy(root), Catalog::Default(), EfficiencyParams::Defaults());
  CHECK(half.candidates[0].candidate.serving_options.at(0).requests_per_s_per_replica ==
        Approx(0.5 * full.candidates[0].candidate.serving_options.at(0).requests_per_s_per_replica)
            .epsilon(1e-12));
  bool drawn = false;
  for (const DrawnInputEffect& d : half.pairs.at(0).drivers) drawn |= d.input == "utilisation";
  CHECK(drawn);
  root["uncertainty"]["utilisation"]["min"] = 0.6;
  CHECK_THAT(ErrorOf([&] { LoadDrawStudy(root); }), Contains("min <= nominal <= max"));
}

TEST_CASE(
    "a packed option pays its weights' share of the device plus its load's share of the rest") {
  ServingCostModel s;
  s.requests_per_s_per_replica = 10;
  s.devices_per_replica = 2;
  s.usd_per_device_hour = 1.0;
  s.packed = true;
  s.resident_share = 0.25;
  CHECK(PackedReplicas(s, 0.0) == 0.25);                            // weights stay loaded
  CHECK(PackedReplicas(s, 4.0) == Approx(0.25 + 0.4 * 0.75));       // part of one replica
  CHECK(PackedReplicas(s, 10.0) == Approx(1.0));                    // exactly one, whole
  CHECK(PackedReplicas(s, 25.0) == Approx(2 + 0.25 + 0.5 * 0.75));  // two whole and a half
  CHECK(ServingUsdPerMonth(s, {1000, 200}, 4.0) ==
        Approx(720 * 2 * (0.25 + 0.4 * 0.75)).epsilon(1e-12));
}

TEST_CASE("with packed: true a layout below one replica of traffic pays a share of its device") {
  YAML::Node root = DrawFixture("api-vs-selfhosted.yaml");
  root["traffic"]["requests_per_month"] = 1e4;
  const CrossoverResult alone =
      RunCrossover(LoadDrawStudy(root), Catalog::Default(), EfficiencyParams::Defaults());
  root["prices"]["packed"] = true;
  const CrossoverResult packed =
      RunCrossover(LoadDrawStudy(root), Catalog::Default(), EfficiencyParams::Defaults());
  const Candidate& small = packed.candidates.at(0).candidate;
  REQUIRE(small.serving_options.size() == 2);
  const ServingCostModel& twin = small.serving_options[1];
  CHECK(twin.packed);
  // Qwen2.5-7B in bf16 on an 80 GB H100: 2 bytes x 7.61e9 parameters (the Qwen2.5-7B model card).
  const double weights_share =
      2.0 * 7.61e9 / Catalog::Default().Hardware("h100-sxm5-80gb").memory_bytes;
  CHECK(twin.resident_share == Approx(weights_share).epsilon(0.02));
  CHECK(packed.candidates[0].layout_at_plan == twin.label);
  const double load = 1e4 / kSecondsPerMonth / twin.requests_per_s_per_replica;
  CHECK(packed.candidates[0].usd_at_plan ==
        Approx(alone.candidates[0].usd_at_plan * (weights_share + load * (1 - weights_share)))
            .epsilon(0.02));
}
