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
        "| dataset | median_ape [%] | rows | decode [ms] | p90_ape [%] |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| a\\|b | 12.5 | 3 |  |  |\n"
        "| c |  |  | 2 | 50.0 |\n");
}

TEST_CASE("csv keeps raw numbers while the table shows units") {
  const nlohmann::json row = {{"weights_bytes", 2147483648LL}, {"tokens_per_s", 1500.0}};
  CHECK(RenderCsv({row}) == "tokens_per_s,weights_bytes\n1500,2147483648\n");  // keys sorted
  CHECK(RenderTable(row) == "tokens_per_s   1500\nweights [GiB]  2.000\n");
}

TEST_CASE("a key whose value is shown in another unit names that unit, never the key's own") {
  const nlohmann::json row = {{"latency", {{"e2e_latency_s", 11.13}, {"ttft_s", 0.25}}},
                              {"bandwidth_bytes_per_s", 3.35e12}};
  CHECK(RenderTable(row) ==
        "bandwidth [GB/s]          3350\n"
        "latency.e2e_latency [ms]  1.113e+04\n"
        "latency.ttft [ms]         250\n");
}

TEST_CASE("columns: a header row with units, the given column order, numbers right-aligned") {
  const std::vector<nlohmann::json> rows = {
      {{"id", "a"}, {"usd_per_month", 6026.4}, {"ttft_p99_s", 0.18}, {"note", "x"}},
      {{"id", "bbb"}, {"usd_per_month", 95.5}, {"ttft_p99_s", nullptr}, {"note", "longer"}}};
  CHECK(RenderColumns(rows, {"id", "ttft_p99_s", "usd_per_month", "note"}) ==
        "id   ttft_p99 [ms]  usd_per_month  note\n"
        "a              180          6,026  x\n"
        "bbb                          95.5  longer\n");
}

TEST_CASE("an unknown format names the valid ones") {
  CHECK_THROWS_WITH(ParseOutputFormat("xml"), Contains("table, json, csv, markdown"));
}

}  // namespace
}  // namespace rightsize
