// `rightsize serve`'s questions: only the keys docs/serve.md lists, only the studies, candidates,
// calibrations and price kinds the server was started with; errors are one line naming the key.
#include <catch2/catch.hpp>

#include <algorithm>

#include "sim/app/whatif.h"
#include "sim/util/error.h"
#include "tests/error_of.h"

using namespace rightsize;
using rightsize::testing::ErrorOf;

namespace {
const std::string kDefaultStudy =
    std::string(RIGHTSIZE_SOURCE_DIR) + "/examples/default-study.yaml";
}  // namespace

TEST_CASE("a what-if question is read strictly") {
  const app::WhatIfQuestion q = app::ParseWhatIfQuestion(
      R"({"requests_per_month": 3e7, "price_kind": "cloud-spot", "slo": {"ttft_p99_s": 0.5},)"
      R"( "candidates": ["phi-3-mini"], "hardware": {"phi-3-mini": ["l4"]}})");
  CHECK(q.requests_per_month == 3e7);
  CHECK(q.price_kind == "cloud-spot");
  CHECK(q.slo_s.at("ttft_p99_s") == 0.5);
  CHECK(q.hardware.at("phi-3-mini") == std::vector<std::string>{"l4"});
  CHECK(ErrorOf([] { app::ParseWhatIfQuestion(R"({"colour": 1})"); }) ==
        "request: colour: unknown key (docs/serve.md lists the keys)");
  CHECK(ErrorOf([] { app::ParseWhatIfQuestion(R"({"requests_per_month": -1})"); }) ==
        "request: requests_per_month: must be a number > 0");
  CHECK(ErrorOf([] { app::ParseWhatIfQuestion("[1"); }) ==
        "request: body: must be a JSON object (docs/serve.md)");
}

TEST_CASE("a price kind keeps only the quotes of that kind") {
  const Catalog& catalog = Catalog::Default();
  const std::vector<std::string> kinds = catalog.PriceKinds();
  REQUIRE(std::find(kinds.begin(), kinds.end(), "cloud-spot") != kinds.end());
  size_t spot_quotes = 0, kept = 0;
  for (const auto& [id, price] : catalog.prices()) {
    spot_quotes += price.kind == "cloud-spot";
    if (price.kind != "cloud-spot") continue;
    const auto quotes = catalog.PricesFor(price.hardware_id, {"cloud-spot"});
    for (const PriceSpec* q : quotes) CHECK(q->kind == "cloud-spot");
    kept += std::count(quotes.begin(), quotes.end(), &price);
  }
  CHECK(kept == spot_quotes);
  catalog.CheckQuotedPriceKind("cloud-spot", {});
  const std::string error = ErrorOf([&] {
    catalog.CheckQuotedPriceKind("free", {"request", 0, "price_kind"});
  });
  CHECK(error.rfind("request: price_kind: unknown price kind 'free' (the catalogue quotes: ", 0) ==
        0);
}

TEST_CASE("a what-if question can name only what the server was started with") {
  app::WhatIf whatif({{kDefaultStudy}, {}}, Catalog::Default());
  const nlohmann::json choices = whatif.Choices();
  CHECK(choices["studies"][0]["file"] == "default-study.yaml");
  CHECK(choices["studies"][0]["candidates"].size() == 2);
  app::WhatIfQuestion other_study;
  other_study.study = "/etc/passwd";
  CHECK(ErrorOf([&] { whatif.Answer(other_study); }) ==
        "request: study: unknown study '/etc/passwd' (serving: default-study.yaml)");
  app::WhatIfQuestion calibration;
  calibration.calibration = "cal.json";
  CHECK(ErrorOf([&] { whatif.Answer(calibration); }) ==
        "request: calibration: unknown calibration 'cal.json' (given on the command line: none)");
  app::WhatIfQuestion candidate;
  candidate.hardware["gpt-5"] = {"l4"};
  CHECK(ErrorOf([&] { whatif.Answer(candidate); }) ==
        "request: hardware.gpt-5: no candidate 'gpt-5' in the study (it has: phi-3-mini, "
        "mixtral-8x7b)");
}
