// Log values reach integer fields only through range checks, and every JSON log error names
// file:line: key (issue inputs: 1e999, wrong types, tensor_parallel 4294967297 which a bare cast
// turned into TP 1). vllm_serving_synthetic.json is a made-up benchmark_serving result with
// round numbers: 10 requests of 512 input and 128 output tokens at concurrency 1.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "sim/util/file_io.h"
#include "tests/error_of.h"
#include "tests/logs/logs_test_util.h"

namespace rightsize {
namespace {

using testing::ErrorOf;
using testing::FixtureOptions;
using testing::LogFixture;

// Writes `text` to a fresh file named `name` and returns its path.
std::string WriteLog(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / "rightsize_strict_numbers_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / name).string();
  std::ofstream(path) << text;
  return path;
}

std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

TEST_CASE("vLLM benchmark_serving: TPOT and TTFT of a concurrency-1 run", "[logs]") {
  const LogReadResult r =
      ReadVllmServingJson(LogFixture("vllm_serving_synthetic.json"), FixtureOptions(true, true));
  REQUIRE(r.measurements.size() == 2);
  const Measurement& tpot = r.measurements[0];
  CHECK(tpot.metric == MetricKind::kTpot);
  CHECK(tpot.step.phase == Phase::kDecode);
  CHECK(tpot.step.batch == 1);
  CHECK(tpot.step.past_tokens == 512 + 128 / 2);
  CHECK(tpot.interval_time_s == Approx(0.0125));
  CHECK(tpot.where.line == 22);  // median_tpot_ms
  const Measurement& ttft = r.measurements[1];
  CHECK(ttft.metric == MetricKind::kTtft);
  CHECK(ttft.step.new_tokens == 512);
  CHECK(ttft.interval_time_s == Approx(0.045));
}

TEST_CASE("vLLM JSON: out-of-range numbers and wrong types are errors at file:line: key",
          "[logs]") {
  const std::string good = ReadTextFile(LogFixture("vllm_serving_synthetic.json"));
  const LogReadOptions options = FixtureOptions(false, true);
  const std::string overflow =
      WriteLog("overflow.json", Replaced(good, "\"duration\": 17.5", "\"duration\": 1e999"));
  CHECK(ErrorOf([&] {
          ReadVllmServingJson(overflow, options);
        }).find("overflow.json:10: malformed JSON: number overflow") != std::string::npos);
  const std::string number_id =
      WriteLog("id.json", Replaced(good, "\"model_id\": \"tiny-model\"", "\"model_id\": 5"));
  CHECK(ErrorOf([&] { ReadVllmServingJson(number_id, options); }) ==
        number_id + ":4: model_id: expected a string, got 5");
  const std::string batch = WriteLog(
      "batch.json", Replaced(good, "\"max_concurrency\": 1", "\"max_concurrency\": 4294967297"));
  CHECK(ErrorOf([&] {
          ReadVllmServingJson(batch, options);
        }).find(":9: max_concurrency: value 4294967297 is outside") != std::string::npos);
}

TEST_CASE("canonical CSV: a tensor_parallel beyond int is an error, not TP 1", "[logs]") {
  const std::string good = ReadTextFile(LogFixture("canonical_small.csv"));
  const std::string row = "tiny-model,test-gpu,eigen,decode,4,100,1,fp32,fp32,fp32,1,step_time_s";
  const std::string bad = Replaced(
      good, row, "tiny-model,test-gpu,eigen,decode,4,100,1,fp32,fp32,fp32,4294967297,step_time_s");
  CHECK(ErrorOf([&] {
          ParseCanonicalCsv(bad, "c.csv", FixtureOptions(false, false));
        }).find("c.csv:2: tensor_parallel: 4294967297 is outside the valid range [1, 65536]") == 0);
}

TEST_CASE("llama-bench JSON and JSONL: overflowing and mistyped values name their line", "[logs]") {
  const LogReadOptions options = FixtureOptions(false, true);
  const std::string json = ReadTextFile(LogFixture("llama_bench.json"));
  const std::string overflow =
      WriteLog("bench.json", Replaced(json, "\"avg_ts\": 100.0", "\"avg_ts\": 1e999"));
  CHECK(ErrorOf([&] {
          ReadLlamaBench(overflow, options);
        }).find("bench.json:33: malformed JSON: number overflow") != std::string::npos);
  const std::string huge =
      WriteLog("huge.json", Replaced(json, "\"n_gen\": 128", "\"n_gen\": 1e300"));
  CHECK(ErrorOf([&] {
          ReadLlamaBench(huge, options);
        }).find("huge.json:30: [1].n_gen: 1e+300 is outside the valid range [0, 4294967296]") !=
        std::string::npos);
  const std::string jsonl = ReadTextFile(LogFixture("llama_bench.jsonl"));
  const std::string typed =
      WriteLog("bench.jsonl", Replaced(jsonl, "\"n_gen\": 128", "\"n_gen\": [128]"));
  CHECK(ErrorOf([&] {
          ReadLlamaBench(typed, options);
        }).find("bench.jsonl:2: n_gen: expected a number, got [128]") != std::string::npos);
}

TEST_CASE("ML.ENERGY, Vidur and optimum: counts out of range are errors at the cell", "[logs]") {
  const LogReadOptions options = FixtureOptions(true, true);
  const std::string v3 = ReadTextFile(LogFixture("ml_energy_v3_small.csv"));
  const std::string tp =
      WriteLog("v3.csv", Replaced(v3, "bfloat16,B200,1,1,1,1", "bfloat16,B200,1,4294967297,1,1"));
  CHECK(ErrorOf([&] {
          ReadMlEnergyCsv(tp, options);
        }).find("v3.csv:2: tensor_parallel: 4294967297 is outside") != std::string::npos);
  const std::string batch = WriteLog("v3b.csv", Replaced(v3, "7.997300215982722", "1e300"));
  CHECK(ErrorOf([&] {
          ReadMlEnergyCsv(batch, options);
        }).find("v3b.csv:2: avg_batch_size: 1e+300 is outside") != std::string::npos);
  const std::string vidur = ReadTextFile(LogFixture("vidur_small.csv"));
  const std::string workers =
      WriteLog("vidur.csv", Replaced(vidur, "True,4096,1,", "True,4096,4294967297,"));
  CHECK(ErrorOf([&] {
          ReadVidurCsv(workers, options);
        }).find("vidur.csv:2: num_tensor_parallel_workers: 4294967297 is outside") !=
        std::string::npos);
  const std::string optimum = ReadTextFile(LogFixture("optimum_small.csv"));
  const std::string rows =
      WriteLog("short_report.csv", Replaced(optimum, "fp16,1,256,", "fp16,1e30,256,"));
  CHECK(ErrorOf([&] {
          ReadOptimumCsv(rows, options);
        }).find("short_report.csv:2: Per Process Batch Size: 1e+30 is outside") !=
        std::string::npos);
}

}  // namespace
}  // namespace rightsize
