// Output formats: one JSON builder, rendered as a text table, CSV or Markdown.
#include <catch2/catch.hpp>

#include "sim/report/table_format.h"
#include "sim/util/error.h"

namespace rightsize {
namespace {

using Catch::Matchers::Contains;

TEST_CASE("markdown renders one row per object with humanised, escaped cells") {
  const std::vector<nlohmann::json> rows = {
      {{"dataset", "a|b"}, {"median_ape", 0.125}, {"rows", 3}},
      {{"dataset", "c"}, {"p90_ape", 0.5}, {"decode_s", 0.002}}};
  const std::string md = Render(rows, ParseOutputFormat("markdown"));
  CHECK(md ==
        "| dataset | median_ape | rows | decode_s | p90_ape |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| a\\|b | 12.5% | 3 |  |  |\n"
        "| c |  |  | 2 ms | 50.0% |\n");
}

TEST_CASE("csv keeps raw numbers while the table shows units") {
  const nlohmann::json row = {{"weights_bytes", 2147483648LL}, {"tokens_per_s", 1500.0}};
  CHECK(RenderCsv({row}) == "tokens_per_s,weights_bytes\n1500,2147483648\n");  // keys sorted
  CHECK_THAT(RenderTable(row), Contains("2.000 GiB"));
  CHECK_THAT(RenderTable(row), Contains("1500") && !Contains("ms"));
}

TEST_CASE("an unknown format names the valid ones") {
  CHECK_THROWS_WITH(ParseOutputFormat("xml"), Contains("table, json, csv, markdown"));
}

}  // namespace
}  // namespace rightsize
