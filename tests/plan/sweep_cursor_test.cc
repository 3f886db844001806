// The sweep's fast path (SweepCursor: operator tables, hoisted memory and layout checks) predicts
// the same rows, bit for bit, as predicting each point from scratch (SweepPointPredictor::Predict,
// EstimateLatency + PriceInference), and the CSV writer prints what printf's %.6g and CsvLine
// print.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>

#include <fmt/format.h>

#include "sim/plan/sweep.h"
#include "sim/util/csv.h"

using namespace rightsize;

namespace {

bool SameBitsOrBothNan(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
}

void RequireSameRow(const SweepRow& got, const SweepRow& want) {
  REQUIRE(got.model == want.model);
  REQUIRE(got.hardware == want.hardware);
  REQUIRE(got.batch == want.batch);
  REQUIRE(got.prompt == want.prompt);
  REQUIRE(got.gen == want.gen);
  REQUIRE(got.weights == want.weights);
  REQUIRE(got.tp == want.tp);
  REQUIRE(got.feasible == want.feasible);
  REQUIRE(got.reason == want.reason);
  for (auto field : {&SweepRow::memory_bytes_per_device, &SweepRow::ttft_s, &SweepRow::tpot_s,
                     &SweepRow::e2e_latency_s, &SweepRow::decode_tokens_per_s,
                     &SweepRow::usd_per_million_output_tokens, &SweepRow::j_per_output_token}) {
    REQUIRE(SameBitsOrBothNan(got.*field, want.*field));
  }
}

SweepGrid CursorTestGrid() {
  SweepGrid grid;
  // Dense MHA and GQA, MoE, MLA + MoE, sliding window, linear attention.
  grid.models = {"llama-2-7b", "llama-3-8b",  "mixtral-8x7b", "deepseek-v3",
                 "gemma-2-9b", "gpt-oss-20b", "qwen3.5-9b"};
  grid.hardware = {"h100-sxm5-80gb", "rtx-4090", "epyc-9654", "apple-m4-max-40gpu"};
  grid.batch = {1, 9, 300};
  grid.prompt_tokens = {100, 5000};
  grid.gen_tokens = {1, 64, 3000};
  grid.weights = {Precision::kBf16, Precision::kFp8, Precision::kInt4, Precision::kQ4_K_M};
  grid.tensor_parallel = {1, 2, 8};
  return grid;
}

}  // namespace

TEST_CASE("the sweep cursor predicts the rows of the from-scratch predictor bit for bit") {
  const SweepGrid grid = CursorTestGrid();
  DeviceEfficiencyParams params;
  EfficiencyParams rtx = EfficiencyParams::Defaults();
  rtx.values[EfficiencyParams::kRooflineSharpness] = 3.3;  // one device with its own set
  params.by_hardware["rtx-4090"] = rtx;
  const SweepPointPredictor points(grid, Catalog::Default(), params);
  SweepCursor in_order(points);
  size_t feasible = 0, priced = 0;
  for (size_t i = 0; i < grid.Size(); ++i) {
    INFO("point " << i);
    const SweepRow want = points.Predict(i);
    RequireSameRow(in_order.Predict(i), want);
    feasible += want.feasible ? 1 : 0;
    priced += want.feasible && std::isfinite(want.usd_per_million_output_tokens) ? 1 : 0;
  }
  // Both kinds of row, priced and unpriced devices.
  CHECK(feasible > grid.Size() / 10);
  CHECK(feasible < grid.Size());
  CHECK(priced > 0);
  CHECK(priced < feasible);
  // Jumping around the grid (a cursor reused across ranges) gives the same rows.
  SweepCursor jumping(points);
  std::mt19937 draw(11);
  for (int k = 0; k < 3000; ++k) {
    const size_t i = std::uniform_int_distribution<size_t>(0, grid.Size() - 1)(draw);
    INFO("point " << i);
    RequireSameRow(jumping.Predict(i), points.Predict(i));
  }
}

TEST_CASE("sweep CSV lines are printf's %.6g numbers joined by CsvLine") {
  const SweepGrid grid = CursorTestGrid();
  const SweepPointPredictor points(grid, Catalog::Default(), EfficiencyParams::Defaults());
  auto num = [](double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : std::string(); };
  size_t quoted = 0;
  for (size_t i = 0; i < grid.Size(); i += 7) {
    const SweepRow r = points.Predict(i);
    const std::string want = CsvLine(
        {grid.models[r.model], grid.hardware[r.hardware], std::to_string(grid.batch[r.batch]),
         std::to_string(grid.prompt_tokens[r.prompt]), std::to_string(grid.gen_tokens[r.gen]),
         ToString(grid.weights[r.weights]), std::to_string(grid.tensor_parallel[r.tp]),
         r.feasible ? "true" : "false", r.reason, num(r.memory_bytes_per_device),
         r.feasible ? num(r.ttft_s) : "", r.feasible ? num(r.tpot_s) : "",
         r.feasible ? num(r.e2e_latency_s) : "", r.feasible ? num(r.decode_tokens_per_s) : "",
         r.feasible ? num(r.usd_per_million_output_tokens) : "",
         r.feasible ? num(r.j_per_output_token) : ""});
    REQUIRE(SweepCsvLine(grid, r) == want);
    quoted += want.find('"') != std::string::npos ? 1 : 0;
  }
  CHECK(quoted > 0);  // reasons with commas are quoted
}
