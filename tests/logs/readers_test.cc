// Log readers: each format maps its rows to Measurements with the right step and time, and every
// bad input (truncated JSON, wrong columns, NaN, negative time, unknown GPU) names file and row.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "sim/logs/readers.h"
#include "sim/util/file_io.h"
#include "tests/error_of.h"
#include "tests/logs/logs_test_util.h"

namespace rightsize {
namespace {

using testing::FixtureCatalog;
using testing::FixtureOptions;
using testing::LogFixture;

using testing::ErrorOf;

TEST_CASE("canonical CSV maps step and op rows and reports the unknown device", "[logs]") {
  LogReadOptions options = FixtureOptions(false, false);
  const LogReadResult r = ReadCanonicalCsv(LogFixture("canonical_small.csv"), options);
  REQUIRE(r.measurements.size() == 3);
  const Measurement& decode = r.measurements[0];
  CHECK(decode.model_id == "tiny-model");
  CHECK(decode.step.phase == Phase::kDecode);
  CHECK(decode.step.batch == 4);
  CHECK(decode.step.past_tokens == 100);
  CHECK(decode.interval_time_s == Approx(0.0021));
  CHECK(decode.where.line == 2);
  CHECK(decode.Group() == "test-gpu/eigen");
  // tokens/s of a prefill of 2 x 128 tokens -> 256 / 51200 s.
  CHECK(r.measurements[1].interval_time_s == Approx(256.0 / 51200.0));
  CHECK(r.measurements[2].ops.size() == 1);
  CHECK(r.measurements[2].ops[0].flops == Approx(2.68435456e8));
  REQUIRE(r.skipped.size() == 1);
  CHECK(r.skipped[0].where.line == 5);
  CHECK(r.skipped[0].reason.find("unknown hardware 'z100'") != std::string::npos);

  options.strict = true;
  const std::string error =
      ErrorOf([&] { ReadCanonicalCsv(LogFixture("canonical_small.csv"), options); });
  CHECK(error.find("canonical_small.csv:5") != std::string::npos);
}

TEST_CASE("canonical CSV round-trips what it writes", "[logs]") {
  const LogReadOptions options = FixtureOptions(false, false);
  const LogReadResult first = ReadCanonicalCsv(LogFixture("canonical_small.csv"), options);
  std::string text = CanonicalCsvHeader();
  for (const auto& m : first.measurements) text += CanonicalCsvRow(m);
  const LogReadResult second = ParseCanonicalCsv(text, "roundtrip.csv", options);
  REQUIRE(second.measurements.size() == first.measurements.size());
  for (size_t i = 0; i < first.measurements.size(); ++i) {
    CHECK(second.measurements[i].interval_time_s == Approx(first.measurements[i].interval_time_s));
    CHECK(second.measurements[i].ops.size() == first.measurements[i].ops.size());
    CHECK(second.measurements[i].step.past_tokens == first.measurements[i].step.past_tokens);
  }
}

TEST_CASE("canonical CSV rejects NaN, negative times and misspelt columns with file:row",
          "[logs]") {
  const LogReadOptions options = FixtureOptions(false, false);
  const std::string nan =
      ErrorOf([&] { ReadCanonicalCsv(LogFixture("canonical_nan.csv"), options); });
  CHECK(nan.find("canonical_nan.csv:2: value") != std::string::npos);
  CHECK(nan.find("not finite") != std::string::npos);
  const std::string negative =
      ErrorOf([&] { ReadCanonicalCsv(LogFixture("canonical_negative.csv"), options); });
  CHECK(negative.find("canonical_negative.csv:4: value") != std::string::npos);
  CHECK(negative.find("must be > 0") != std::string::npos);
  const std::string typo =
      ErrorOf([&] { ReadCanonicalCsv(LogFixture("canonical_typo_column.csv"), options); });
  CHECK(typo.find("op_flop") != std::string::npos);
  CHECK(typo.find("did you mean") != std::string::npos);
}

TEST_CASE("Vidur GEMM rows become four GEMMs with shapes from the row", "[logs]") {
  LogReadOptions options = FixtureOptions(false, false);
  const LogReadResult skipped_all = ReadVidurCsv(LogFixture("vidur_small.csv"), options);
  // The fixture catalogue has no A100 / A40: every row is reported, none silently dropped.
  CHECK(skipped_all.measurements.empty());
  REQUIRE(skipped_all.skipped.size() == 3);
  CHECK(skipped_all.skipped[0].reason.find("unknown GPU 'a100'") != std::string::npos);
  CHECK(skipped_all.skipped[2].where.line == 4);

  options.hardware_id = "test-gpu";
  const LogReadResult r = ReadVidurCsv(LogFixture("vidur_small.csv"), options);
  REQUIRE(r.measurements.size() == 12);
  // Row 2 is Llama-2-7b (32 heads, h 4096, ffn 11008, gated) at num_tokens 4096, tp 1.
  const Measurement& qkv = r.measurements[0];
  const double t = 4096, h = 4096;
  CHECK(qkv.step.batch == 4096);
  CHECK(qkv.ops[0].flops == Approx(2 * t * h * (3 * h)));
  CHECK(r.measurements[2].ops[0].flops == Approx(2 * t * h * (2 * 11008.0)));  // gate + up fused
  CHECK(r.measurements[3].ops[0].flops == Approx(2 * t * 11008.0 * h));
  CHECK(qkv.interval_time_s > 0.0);
  CHECK(qkv.where.line == 2);
  CHECK(qkv.where.key == "attn_pre_proj_median_ms");
}

TEST_CASE("Vidur reader names the missing timing column", "[logs]") {
  const LogReadOptions options = FixtureOptions(false, true);
  const std::string error =
      ErrorOf([&] { ReadVidurCsv(LogFixture("vidur_missing_column.csv"), options); });
  CHECK(error.find("vidur_missing_column.csv") != std::string::npos);
  CHECK(error.find("time_stats.attn_pre_proj.median") != std::string::npos);
}

TEST_CASE("ML.ENERGY v2 and v3 rows are mean decode steps at the running batch", "[logs]") {
  const LogReadOptions options = FixtureOptions(true, true);
  const LogReadResult v2 = ReadMlEnergyCsv(LogFixture("ml_energy_v2_small.csv"), options);
  REQUIRE(v2.measurements.size() == 3);
  const Measurement& m = v2.measurements[0];
  CHECK(m.step.phase == Phase::kDecode);
  CHECK(m.step.batch == 128);  // Avg BS 127.72 rounded
  CHECK(m.interval_time_s ==
        Approx(127.72361537073786 / 1051.3354539260472));  // Avg BS / Token tput
  CHECK(m.workload.parallel.tensor == 4);
  CHECK(m.engine == "vllm-0.4.2");
  const LogReadResult v3 = ReadMlEnergyCsv(LogFixture("ml_energy_v3_small.csv"), options);
  REQUIRE(v3.measurements.size() == 3);
  // Mean step = avg_batch_size / output_throughput_tokens_per_sec of the row.
  CHECK(v3.measurements[0].interval_time_s == Approx(7.997300215982722 / 234.06050523961807));
  CHECK(v3.measurements[0].engine == "vllm-0.11.1");
}

TEST_CASE(
    "ML.ENERGY: a run far slower than the same configuration on less hardware is a source anomaly",
    "[logs]") {
  // Six real v3 rows of Qwen3-8B: GPQA at max batch 8 and 16 on one B200 (32.5 and 37.7 ms per
  // step) and on one H100 (9.7 and 11.9 ms), and LMArena chat at max batch 8 on each (B200
  // faster, as its peaks say).
  const LogReadOptions options(Catalog::Default());
  const LogReadResult r = ReadMlEnergyCsv(LogFixture("ml_energy_v3_anomaly.csv"), options);
  REQUIRE(r.measurements.size() == 4);
  REQUIRE(r.skipped.size() == 2);
  for (const SkippedRow& s : r.skipped) {
    INFO(s.reason);
    CHECK(s.reason.find("source anomaly") != std::string::npos);
    CHECK(s.reason.find("b200-sxm-180gb") != std::string::npos);
    CHECK(s.reason.find("h100-sxm5-80gb") != std::string::npos);
  }
  CHECK(r.skipped[0].where.line == 2);
  CHECK(r.skipped[1].where.line == 3);
  for (const Measurement& m : r.measurements) {
    CHECK(
        (m.hardware_id == "h100-sxm5-80gb" || m.label.find("lm-arena-chat") != std::string::npos));
  }
}

TEST_CASE("ML.ENERGY: unknown GPU is reported with its row, NaN is an error", "[logs]") {
  const LogReadOptions options = FixtureOptions(true, false);
  const LogReadResult r = ReadMlEnergyCsv(LogFixture("ml_energy_v2_small.csv"), options);
  CHECK(r.measurements.empty());
  REQUIRE(r.skipped.size() == 3);
  CHECK(r.skipped[1].where.line == 3);
  CHECK(r.skipped[1].reason.find("NVIDIA A100-SXM4-40GB") != std::string::npos);
  const std::string error =
      ErrorOf([&] { ReadMlEnergyCsv(LogFixture("ml_energy_v2_nan.csv"), options); });
  CHECK(error.find("ml_energy_v2_nan.csv:3: Token tput (tok/s)") != std::string::npos);
}

TEST_CASE("optimum-benchmark rows give a prefill and a decode step each", "[logs]") {
  const LogReadOptions options = FixtureOptions(true, true);
  const LogReadResult r = ReadOptimumCsv(LogFixture("optimum_small.csv"), options);
  REQUIRE(r.measurements.size() == 6);
  const Measurement& prefill = r.measurements[0];
  CHECK(prefill.step.phase == Phase::kPrefill);
  CHECK(prefill.step.new_tokens == 256);
  CHECK(prefill.interval_time_s == Approx(0.0336));
  const Measurement& decode = r.measurements[1];
  CHECK(decode.step.phase == Phase::kDecode);
  CHECK(decode.interval_time_s == Approx(13.2 / 511.0));  // 512 new tokens, first from prefill
  CHECK(decode.engine == "hf-transformers-fp16");
  const std::string error =
      ErrorOf([&] { ReadOptimumCsv(LogFixture("optimum_negative.csv"), options); });
  CHECK(error.find("optimum_negative.csv:4: Prefill Latency (s)") != std::string::npos);
  CHECK(error.find("must be > 0") != std::string::npos);
}

TEST_CASE(
    "a table of llama-bench results: tg rows are decode steps, pp rows prefills, the rest skipped "
    "with why",
    "[logs]") {
  const LogReadResult r =
      ReadLlamaCppTable(LogFixture("llamacpp_table_small.csv"), FixtureOptions(true, true));
  REQUIRE(r.measurements.size() == 2);
  const Measurement& tg = r.measurements[0];
  CHECK(tg.step.phase == Phase::kDecode);
  CHECK(tg.step.batch == 1);
  CHECK(tg.step.past_tokens == 256);  // the mean position of 512 generated tokens
  CHECK(tg.interval_time_s == Approx(1.0 / 130.58));
  CHECK(tg.engine == "llama.cpp");
  CHECK(tg.workload.weights == Precision::kQ4_K_M);
  const Measurement& pp = r.measurements[1];
  CHECK(pp.step.phase == Phase::kPrefill);
  CHECK(pp.step.new_tokens == 1024);
  CHECK(pp.interval_time_s == Approx(1024.0 / 6898.71));
  REQUIRE(r.skipped.size() == 4);
  CHECK(r.skipped[0].reason.find("multi-GPU") != std::string::npos);
  CHECK(r.skipped[1].reason.find("out of memory") != std::string::npos);
  CHECK(r.skipped[2].reason.find("PROVENANCE.md") != std::string::npos);
  CHECK(r.skipped[3].reason == "weight format IQ2_XS not modelled");
  CHECK(r.skipped[3].where.line == 7);
  CHECK(DetectLogFormat(LogFixture("llamacpp_table_small.csv")) == "llamacpp-table");
  // Without the overrides the fixture catalogue has no LLaMA 3 8B: counted as an unknown model.
  const LogReadResult unmapped =
      ReadLlamaCppTable(LogFixture("llamacpp_table_small.csv"), FixtureOptions(false, true));
  CHECK(unmapped.measurements.empty());
  CHECK(unmapped.skipped[0].kind == SkipKind::kUnknownModel);
}

TEST_CASE("llama-bench: new and old CSV, JSON and JSONL give the same tests", "[logs]") {
  const LogReadOptions options = FixtureOptions(false, true);
  const LogReadResult csv = ReadLlamaBench(LogFixture("llama_bench_new.csv"), options);
  REQUIRE(csv.measurements.size() == 3);
  CHECK(csv.measurements[0].model_id == "tiny-model");  // from the file name
  CHECK(csv.measurements[0].workload.weights == Precision::kQ4_K_M);
  CHECK(csv.measurements[0].step.phase == Phase::kPrefill);
  CHECK(csv.measurements[0].interval_time_s == Approx(512.0 / 5389.47));
  CHECK(csv.measurements[1].step.phase == Phase::kDecode);
  CHECK(csv.measurements[1].interval_time_s == Approx(1.0 / 100.0));
  CHECK(csv.measurements[2].step.past_tokens == 4096 + 64);  // n_depth + n_gen / 2
  REQUIRE(csv.skipped.size() == 1);                          // the pg test
  CHECK(csv.skipped[0].where.line == 5);

  const LogReadResult json = ReadLlamaBench(LogFixture("llama_bench.json"), options);
  const LogReadResult jsonl = ReadLlamaBench(LogFixture("llama_bench.jsonl"), options);
  REQUIRE(json.measurements.size() == 2);
  REQUIRE(jsonl.measurements.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    CHECK(json.measurements[i].interval_time_s == Approx(csv.measurements[i].interval_time_s));
    CHECK(jsonl.measurements[i].interval_time_s == Approx(csv.measurements[i].interval_time_s));
  }
  CHECK(jsonl.measurements[1].where.line == 2);
  CHECK(json.measurements[1].where.line == 33);  // the line of the second test's avg_ts
  // model_type as llama-bench prints it (llama_model_ftype_name): "Q4_K - Medium" is q4_k_m.
  for (const auto* r : {&csv, &json, &jsonl}) {
    CHECK(r->measurements[0].workload.weights == Precision::kQ4_K_M);
  }

  const LogReadResult old = ReadLlamaBench(LogFixture("llama_bench_old.csv"), options);
  REQUIRE(old.measurements.size() == 1);  // F16 pp
  CHECK(old.measurements[0].workload.weights == Precision::kFp16);
  REQUIRE(old.skipped.size() == 1);  // "mostly Q4_0" is not a modelled format
  CHECK(old.skipped[0].reason.find("mostly Q4_0") != std::string::npos);
}

TEST_CASE("llama-bench: the default markdown table gives the same tests as the CSV", "[logs]") {
  const LogReadResult csv =
      ReadLlamaBench(LogFixture("llama_bench_new.csv"), FixtureOptions(false, true));
  // The table names neither the model file nor the device: --model and --hardware.
  const LogReadResult md = ReadLlamaBench(LogFixture("llama_bench.md"), FixtureOptions(true, true));
  REQUIRE(md.measurements.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(md.measurements[i].interval_time_s == Approx(csv.measurements[i].interval_time_s));
    CHECK(md.measurements[i].step.phase == csv.measurements[i].step.phase);
    CHECK(md.measurements[i].step.past_tokens == csv.measurements[i].step.past_tokens);
    CHECK(md.measurements[i].workload.weights == Precision::kQ4_K_M);
    CHECK(md.measurements[i].workload.activations == Precision::kFp16);  // a CUDA run
  }
  CHECK(md.measurements[2].where.line == 5);
  CHECK(DetectLogFormat(LogFixture("llama_bench.md")) == "llama-bench");
  // Without --model the rows are skipped with the reason.
  const LogReadResult unnamed =
      ReadLlamaBench(LogFixture("llama_bench.md"), FixtureOptions(false, true));
  REQUIRE(unnamed.skipped.size() == 3);
  CHECK(unnamed.skipped[0].reason.find("pass --model") != std::string::npos);
}

TEST_CASE("llama-bench: truncated JSON and markdown-style columns are clear errors", "[logs]") {
  const LogReadOptions options = FixtureOptions(false, true);
  const std::string truncated =
      ErrorOf([&] { ReadLlamaBench(LogFixture("llama_bench_truncated.json"), options); });
  CHECK(truncated.find("llama_bench_truncated.json:") != std::string::npos);
  CHECK(truncated.find("truncated JSON") != std::string::npos);
  const std::string wrong =
      ErrorOf([&] { ReadLlamaBench(LogFixture("llama_bench_wrong_columns.csv"), options); });
  CHECK(wrong.find("llama_bench_wrong_columns.csv:2: n_prompt") != std::string::npos);
}

TEST_CASE("format detection recognises every fixture", "[logs]") {
  CHECK(DetectLogFormat(LogFixture("canonical_small.csv")) == "canonical");
  CHECK(DetectLogFormat(LogFixture("vidur_small.csv")) == "vidur");
  CHECK(DetectLogFormat(LogFixture("ml_energy_v2_small.csv")) == "ml-energy");
  CHECK(DetectLogFormat(LogFixture("ml_energy_v3_small.csv")) == "ml-energy");
  CHECK(DetectLogFormat(LogFixture("optimum_small.csv")) == "optimum");
  CHECK(DetectLogFormat(LogFixture("llama_bench_new.csv")) == "llama-bench");
  CHECK(DetectLogFormat(LogFixture("llama_bench.jsonl")) == "llama-bench");
  const std::string error =
      ErrorOf([&] { DetectLogFormat(LogFixture("llama_bench_wrong_columns.csv")); });
  CHECK(error.find("unrecognised log format (the file starts as text)") != std::string::npos);
  // Every format tried is named with what it looked for.
  for (const std::string& format : LogFormatNames())
    CHECK(error.find(format + ": no ") != std::string::npos);
  CHECK(error.find("--input-format") != std::string::npos);
}

TEST_CASE("a one-line vLLM result JSON is vllm, not an ML.ENERGY header", "[logs]") {
  // vllm bench serve --save-result writes the whole result on one line; its median_itl_ms key
  // is also an ML.ENERGY v3 column name, so a header test alone would misread it.
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / "rightsize_vllm_one_line.json";
  {
    std::ofstream out(path);
    out << R"({"date": "20250101-000000", "backend": "vllm", "completed": 10, "median_ttft_ms": 1.0, "median_itl_ms": 2.0})";
  }
  CHECK(DetectLogFormat(path.string()) == "vllm");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace rightsize
