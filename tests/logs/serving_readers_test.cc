// Readers of the serving-benchmark formats besides vLLM's: SGLang bench_serving JSONL, Ray llmperf
// summaries and NVIDIA GenAI-Perf exports. The fixtures are in each tool's exact shape with
// made-up round numbers (tests/logs/fixtures/PROVENANCE.md says which source each shape comes
// from); every expected value below is a number put into a fixture, or arithmetic on them that
// the reader's file comment states.
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/logs/serving_run.h"
#include "sim/util/file_io.h"
#include "tests/error_of.h"
#include "tests/logs/logs_test_util.h"
#include "tests/temp_file.h"

namespace rightsize {
namespace {

using testing::ErrorOf;
using testing::FixtureOptions;
using testing::LogFixture;

const char kSglangFixture[] = "sglang_bench_serving.jsonl";
const char kLlmperfFixture[] = "llmperf_tiny-model_256_64_summary.json";
const char kGenaiPerfFixture[] = "genai_perf_profile_export_genai_perf.json";

// The fixture `name` with its first `from` replaced by `to`, written to a temporary file.
// The fixture with each (from, to) edit applied to the first occurrence of `from`, in order.
std::string ServingFixtureEdited(const std::string& name,
                                 const std::vector<std::pair<std::string, std::string>>& edits) {
  std::string text = ReadTextFile(LogFixture(name));
  for (const auto& [from, to] : edits) {
    const size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
  }
  return WriteTempFile("rightsize_serving_readers_test", name, text);
}
std::string ServingFixtureEdited(const std::string& name, const std::string& from,
                                 const std::string& to) {
  return ServingFixtureEdited(name, {{from, to}});
}

TEST_CASE("serving formats are detected by content, each as itself", "[logs][format]") {
  CHECK(DetectLogFormat(LogFixture(kSglangFixture)) == "sglang");
  CHECK(DetectLogFormat(LogFixture(kLlmperfFixture)) == "llmperf");
  CHECK(DetectLogFormat(LogFixture(kGenaiPerfFixture)) == "genai-perf");
  CHECK(DetectLogFormat(LogFixture("vllm_bench_throughput.json")) == "vllm-throughput");
  // vLLM's result has median_ttft_ms / median_tpot_ms like SGLang's: still vllm.
  CHECK(DetectLogFormat(LogFixture("vllm_serving_synthetic.json")) == "vllm");
  const std::string unknown =
      WriteTempFile("rightsize_serving_readers_test", "other.json", R"({"ttft": 1.0})");
  const std::string error = ErrorOf([&] { DetectLogFormat(unknown); });
  for (const char* format : {"sglang", "llmperf", "genai-perf", "vllm-throughput"})
    CHECK(error.find(std::string(format) + ": no ") != std::string::npos);
}

TEST_CASE("SGLang bench_serving: a closed-loop and an open-loop run", "[logs]") {
  const LogReadResult r = ReadLog(LogFixture(kSglangFixture), "", FixtureOptions(true, true));
  // Line 1: max_concurrency 1, 2048 / 8 = 256 input and 512 / 8 = 64 output tokens.
  // Line 2: max_concurrency null, request_rate Infinity (every request at t = 0), measured
  // concurrency 3.6 -> batch 4; with its load stated, its rows are serving-level.
  REQUIRE(r.measurements.size() == 5);
  CHECK(!r.measurements[0].serving_load);  // one request in flight: one step each
  CHECK(!r.measurements[1].serving_load);
  const Measurement& tpot1 = r.measurements[0];
  CHECK(tpot1.format == "sglang");
  CHECK(tpot1.engine == "sglang");
  CHECK(tpot1.metric == MetricKind::kTpot);
  CHECK(tpot1.step.batch == 1);
  CHECK(tpot1.step.past_tokens == 256 + 64 / 2);
  CHECK(tpot1.interval_time_s == Approx(0.005));
  CHECK(tpot1.where.line == 1);
  CHECK(tpot1.where.key == "median_tpot_ms");
  const Measurement& ttft1 = r.measurements[1];
  CHECK(ttft1.metric == MetricKind::kTtft);
  CHECK(ttft1.step.phase == Phase::kPrefill);
  CHECK(ttft1.step.new_tokens == 256);
  CHECK(ttft1.interval_time_s == Approx(0.020));
  const Measurement& tpot2 = r.measurements[2];
  CHECK(tpot2.engine == "sglang");  // backend sglang-oai
  CHECK(tpot2.step.batch == 4);
  CHECK(tpot2.interval_time_s == Approx(0.008));
  CHECK(tpot2.where.line == 2);
  REQUIRE(tpot2.serving_load);
  CHECK(tpot2.serving_load->requests_per_s == 0.0);  // Infinity
  CHECK(tpot2.serving_load->max_concurrency == 0);
  CHECK(tpot2.serving_load->num_requests == 16);
  const Measurement& ttft2 = r.measurements[3];
  CHECK(ttft2.metric == MetricKind::kTtft);
  CHECK(ttft2.serving_load);
  // Every request at t = 0: the engine sets the pace, so the output throughput is a row too, as
  // the decode step's tokens (batch 4 x 1) at 426.7 tokens/s.
  const Measurement& rate2 = r.measurements[4];
  CHECK(rate2.metric == MetricKind::kTokensPerS);
  CHECK(rate2.where.key == "output_throughput");
  CHECK(rate2.interval_time_s == Approx(4 / 426.7));
  CHECK(rate2.serving_load);
  CHECK(r.skipped.empty());
  // Without request_rate the load is unknown: a batched TTFT is no row.
  const std::string no_rate =
      ServingFixtureEdited(kSglangFixture, "\"request_rate\": Infinity, \"max_concurrency\": null",
                           "\"max_concurrency\": null");
  const LogReadResult unloaded = ReadSglangBenchServing(no_rate, FixtureOptions(true, true));
  REQUIRE(unloaded.measurements.size() == 3);
  CHECK(!unloaded.measurements[2].serving_load);
  REQUIRE(unloaded.skipped.size() == 1);
  CHECK(unloaded.skipped[0].where.line == 2);
  CHECK(unloaded.skipped[0].reason.find("TTFT with more than one request in flight") == 0);
}

TEST_CASE("SGLang bench_serving: what a run lacks is said, bad lines are errors at file:line",
          "[logs]") {
  const std::string path = LogFixture(kSglangFixture);
  CHECK(ErrorOf([&] { ReadSglangBenchServing(path, FixtureOptions(false, true)); }) ==
        path +
            ": SGLang bench_serving results name neither the model nor the GPU; pass --model "
            "ID and --hardware ID");
  const std::string open_loop = ServingFixtureEdited(
      kSglangFixture,
      {{"\"concurrency\": 3.6, ", ""},
       {"\"request_rate\": Infinity, \"max_concurrency\": null", "\"max_concurrency\": null"}});
  const LogReadResult r = ReadSglangBenchServing(open_loop, FixtureOptions(true, true));
  CHECK(r.measurements.size() == 2);
  REQUIRE(r.skipped.size() == 2);
  CHECK(r.skipped[0].reason ==
        "no max_concurrency and no measured concurrency (request rate inf): the running batch "
        "behind this TPOT is unknown");
  const std::string negative =
      ServingFixtureEdited(kSglangFixture, "\"completed\": 16", "\"completed\": -16");
  CHECK(ErrorOf([&] {
          ReadSglangBenchServing(negative, FixtureOptions(true, true));
        }).find(negative + ":2: completed: value -16 is outside") == 0);
  const std::string truncated = ServingFixtureEdited(kSglangFixture, "\"accept_length\": null}\n{",
                                                     "\"accept_length\": null\n{");
  CHECK(ErrorOf([&] {
          ReadSglangBenchServing(truncated, FixtureOptions(true, true));
        }).find(truncated + ":1: truncated JSON") == 0);
}

TEST_CASE("llmperf summary: TPOT from the mean latencies, TTFT at one client", "[logs]") {
  const LogReadResult r = ReadLog(LogFixture(kLlmperfFixture), "", FixtureOptions(false, true));
  REQUIRE(r.measurements.size() == 2);
  const Measurement& tpot = r.measurements[0];
  CHECK(tpot.format == "llmperf");
  CHECK(tpot.model_id == "tiny-model");  // from the summary's "model"
  CHECK(tpot.engine == "llmperf");
  CHECK(tpot.step.batch == 1);
  CHECK(tpot.step.past_tokens == 256 + 64 / 2);
  // (0.418 s end-to-end - 0.040 s TTFT) / (64 - 1) tokens.
  CHECK(tpot.interval_time_s == Approx(0.006));
  CHECK(tpot.where.key == "results_end_to_end_latency_s_mean");
  const Measurement& ttft = r.measurements[1];
  CHECK(ttft.metric == MetricKind::kTtft);
  CHECK(ttft.step.new_tokens == 256);
  CHECK(ttft.interval_time_s == Approx(0.038));  // results_ttft_s_quantiles_p50
  CHECK(ttft.where.line == 21);

  const std::string two_clients = ServingFixtureEdited(
      kLlmperfFixture, "\"num_concurrent_requests\": 1", "\"num_concurrent_requests\": 2");
  const LogReadResult r2 = ReadLlmperfSummary(two_clients, FixtureOptions(false, true));
  REQUIRE(r2.measurements.size() == 1);
  CHECK(r2.measurements[0].step.batch == 2);
  CHECK(r2.skipped.size() == 1);
}

TEST_CASE("llmperf summary: bad input names file, line and key", "[logs]") {
  CHECK(ErrorOf([&] {
          ReadLlmperfSummary(LogFixture(kLlmperfFixture), FixtureOptions(false, false));
        }).find("llmperf results do not name the GPU; pass --hardware ID") != std::string::npos);
  const std::string unknown_model =
      ServingFixtureEdited(kLlmperfFixture, "\"model\": \"tiny-model\"", "\"model\": \"gpt-9\"");
  const LogReadResult skipped = ReadLlmperfSummary(unknown_model, FixtureOptions(false, true));
  CHECK(skipped.measurements.empty());
  REQUIRE(skipped.skipped.size() == 1);
  CHECK(skipped.skipped[0].kind == SkipKind::kUnknownModel);
  CHECK(skipped.skipped[0].where.line == 4);
  const std::string inverted =
      ServingFixtureEdited(kLlmperfFixture, "\"results_end_to_end_latency_s_mean\": 0.418",
                           "\"results_end_to_end_latency_s_mean\": 0.03");
  CHECK(ErrorOf([&] { ReadLlmperfSummary(inverted, FixtureOptions(false, true)); })
            .find(inverted + ":36: results_end_to_end_latency_s_mean: mean end-to-end latency "
                             "is not above the mean TTFT") == 0);
  const std::string no_clients = ServingFixtureEdited(
      kLlmperfFixture, "\"num_concurrent_requests\": 1,", "\"num_concurrent_requests\": 0,");
  CHECK(ErrorOf([&] {
          ReadLlmperfSummary(no_clients, FixtureOptions(false, true));
        }).find(no_clients + ":9: num_concurrent_requests:") == 0);
  // Python writes NaN for the stddev of a single request; it is read as null, not an error.
  const std::string nan_stddev = ServingFixtureEdited(
      kLlmperfFixture, "\"results_ttft_s_stddev\": 0.005", "\"results_ttft_s_stddev\": NaN");
  CHECK(ReadLlmperfSummary(nan_stddev, FixtureOptions(false, true)).measurements.size() == 2);
}

TEST_CASE("GenAI-Perf export: p50 inter-token latency at the profiled concurrency", "[logs]") {
  const LogReadResult r = ReadLog(LogFixture(kGenaiPerfFixture), "", FixtureOptions(false, true));
  REQUIRE(r.measurements.size() == 1);
  const Measurement& tpot = r.measurements[0];
  CHECK(tpot.format == "genai-perf");
  CHECK(tpot.model_id == "tiny-model");  // input_config.model[0]
  CHECK(tpot.engine == "vllm");          // service_kind triton, backend vllm
  CHECK(tpot.metric == MetricKind::kTpot);
  CHECK(tpot.step.batch == 4);
  CHECK(tpot.step.past_tokens == 512 + 128 / 2);
  CHECK(tpot.interval_time_s == Approx(0.0075));
  CHECK(tpot.where.line == 39);
  REQUIRE(r.skipped.size() == 1);  // TTFT at concurrency 4
  CHECK(r.skipped[0].where.line == 26);

  const std::string one =
      ServingFixtureEdited(kGenaiPerfFixture, "\"concurrency\": 4", "\"concurrency\": 1");
  const LogReadResult r1 = ReadGenaiPerfJson(one, FixtureOptions(false, true));
  REQUIRE(r1.measurements.size() == 2);
  CHECK(r1.measurements[1].metric == MetricKind::kTtft);
  CHECK(r1.measurements[1].step.new_tokens == 512);
  CHECK(r1.measurements[1].interval_time_s == Approx(0.045));
}

TEST_CASE("GenAI-Perf export: the config-file layout of input_config (0.0.13 on)", "[logs]") {
  const std::string path = LogFixture("genai_perf_config_layout_profile_export_genai_perf.json");
  CHECK(DetectLogFormat(path) == "genai-perf");
  const LogReadResult r = ReadGenaiPerfJson(path, FixtureOptions(false, true));
  REQUIRE(r.measurements.size() == 1);
  CHECK(r.measurements[0].model_id == "tiny-model");  // model_names[0]
  CHECK(r.measurements[0].engine == "genai-perf");    // endpoint.service_kind openai
  CHECK(r.measurements[0].step.batch == 8);           // perf_analyzer.stimulus.concurrency
  CHECK(r.measurements[0].interval_time_s == Approx(0.0075));
  const std::string rate =
      ServingFixtureEdited("genai_perf_config_layout_profile_export_genai_perf.json",
                           "\"concurrency\": 8", "\"request_rate\": 10.0");
  const LogReadResult by_rate = ReadGenaiPerfJson(rate, FixtureOptions(false, true));
  CHECK(by_rate.measurements.empty());
  REQUIRE(by_rate.skipped.size() == 2);
  CHECK(by_rate.skipped[0].reason.find("no concurrency in input_config") == 0);
}

TEST_CASE("GenAI-Perf export: a request-rate run and bad input", "[logs]") {
  const std::string rate =
      ServingFixtureEdited(kGenaiPerfFixture, "\"concurrency\": 4", "\"concurrency\": null");
  const LogReadResult r = ReadGenaiPerfJson(rate, FixtureOptions(false, true));
  CHECK(r.measurements.empty());
  REQUIRE(r.skipped.size() == 2);
  CHECK(r.skipped[0].reason.find("no concurrency in input_config") == 0);
  const std::string unit =
      ServingFixtureEdited(kGenaiPerfFixture, "\"unit\": \"ms\",\n    \"avg\": 7.6",
                           "\"unit\": \"fortnights\",\n    \"avg\": 7.6");
  CHECK(ErrorOf([&] {
          ReadGenaiPerfJson(unit, FixtureOptions(false, true));
        }).find(unit + ":33: inter_token_latency.unit: unknown latency unit 'fortnights'") == 0);
  const std::string two_models = ServingFixtureEdited(kGenaiPerfFixture, "\"tiny-model\"\n    ]",
                                                      "\"tiny-model\",\n      \"other\"\n    ]");
  CHECK(ErrorOf([&] {
          ReadGenaiPerfJson(two_models, FixtureOptions(false, true));
        }).find(":89: input_config.model: expected one model, got 2") != std::string::npos);
}

TEST_CASE("GenAI-Perf and AIPerf CSV exports: the model and the load from the artifact folder",
          "[logs]") {
  const std::string genai = LogFixture(
      "tiny-model-openai-chat-concurrency8/"
      "profile_export_genai_perf.csv");
  CHECK(DetectLogFormat(genai) == "genai-perf-csv");
  const LogReadResult r = ReadLog(genai, "", FixtureOptions(false, true));
  REQUIRE(r.measurements.size() == 2);
  const Measurement& tpot = r.measurements[0];
  CHECK(tpot.format == "genai-perf");
  CHECK(tpot.model_id == "tiny-model");  // the folder's {model}
  CHECK(tpot.engine == "genai-perf");    // an OpenAI-compatible server the export does not name
  CHECK(tpot.metric == MetricKind::kTpot);
  CHECK(tpot.interval_time_s == Approx(0.0208));  // Inter Token Latency p50, ms
  CHECK(tpot.where.line == 5);
  CHECK(tpot.where.key == "p50");
  CHECK(tpot.step.batch == 8);                     // concurrency8
  CHECK(tpot.step.past_tokens == 1024 + 128 / 2);  // "1,024.00" read as 1024
  REQUIRE(tpot.serving_load);
  CHECK(tpot.serving_load->max_concurrency == 8);
  CHECK(tpot.serving_load->num_requests == 0);  // GenAI-Perf's CSV has no request count
  const Measurement& ttft = r.measurements[1];
  CHECK(ttft.metric == MetricKind::kTtft);
  CHECK(ttft.interval_time_s == Approx(0.045));
  CHECK(ttft.serving_load);

  const std::string aiperf = LogFixture(
      "tiny-model-openai-chat-request_rate2.0/"
      "profile_export_aiperf.csv");
  CHECK(DetectLogFormat(aiperf) == "genai-perf-csv");
  const LogReadResult a = ReadLog(aiperf, "", FixtureOptions(false, true));
  REQUIRE(a.measurements.size() == 2);
  CHECK(a.measurements[0].format == "aiperf");
  CHECK(a.measurements[0].interval_time_s == Approx(0.0195));
  REQUIRE(a.measurements[0].serving_load);
  CHECK(a.measurements[0].serving_load->requests_per_s == 2.0);  // request_rate2.0
  CHECK(a.measurements[0].serving_load->max_concurrency == 0);
  CHECK(a.measurements[0].serving_load->num_requests == 200);  // Request Count
  CHECK(a.measurements[1].interval_time_s == Approx(0.040));   // Time to First Token p50

  // A folder that is no artifact folder: the model must be passed, and the load is unknown.
  const std::string unnamed = LogFixture("unnamed-run/profile_export_genai_perf.csv");
  CHECK(ErrorOf([&] {
          ReadGenaiPerfCsv(unnamed, FixtureOptions(false, true));
        }).find("names no model, and its folder 'unnamed-run'") != std::string::npos);
  const LogReadResult u = ReadGenaiPerfCsv(unnamed, FixtureOptions(true, true));
  CHECK(u.measurements.empty());
  REQUIRE(u.skipped.size() == 2);
  CHECK(u.skipped[0].reason.find("the CSV export states no load") == 0);

  const GenaiPerfArtifactName triton =
      ParseGenaiPerfArtifactName("meta-llama_Llama-3.1-8B-triton-vllm-concurrency16");
  CHECK(triton.matched);
  CHECK(triton.model == "meta-llama_Llama-3.1-8B");
  CHECK(triton.engine == "vllm");
  CHECK(triton.concurrency == 16);
  const GenaiPerfArtifactName both =
      ParseGenaiPerfArtifactName("m-openai-chat-concurrency4-request_rate10.0");
  CHECK(both.concurrency == 4);
  CHECK(both.requests_per_s == 10.0);
  CHECK(!ParseGenaiPerfArtifactName("results").matched);

  const std::string bad =
      WriteTempFile("rightsize_serving_readers_test/tiny-model-openai-chat-concurrency8",
                    "profile_export_genai_perf.csv",
                    ReadTextFile(genai).replace(ReadTextFile(genai).find("20.80"), 5, "fast"));
  CHECK(ErrorOf([&] {
          ReadGenaiPerfCsv(bad, FixtureOptions(false, true));
        }).find(bad + ":5: p50: expected a number, got 'fast'") == 0);
}

TEST_CASE("vllm bench throughput: read, checked, and skipped with the reason", "[logs]") {
  const std::string path = LogFixture("vllm_bench_throughput.json");
  const LogReadResult r = ReadLog(path, "", FixtureOptions(true, true));
  CHECK(r.measurements.empty());
  REQUIRE(r.skipped.size() == 1);
  CHECK(r.skipped[0].where.line == 6);
  CHECK(r.skipped[0].reason.find("whole-run tokens/s of an offline batch") == 0);
  LogReadOptions strict = FixtureOptions(true, true);
  strict.strict = true;
  CHECK(ErrorOf([&] {
          ReadVllmThroughputJson(path, strict);
        }).find(path + ":6: tokens_per_second") == 0);
  const std::string zero = ServingFixtureEdited("vllm_bench_throughput.json",
                                                "\"elapsed_time\": 64.0", "\"elapsed_time\": 0");
  CHECK(ErrorOf([&] { ReadVllmThroughputJson(zero, FixtureOptions(true, true)); }) ==
        zero + ":2: elapsed_time: elapsed_time must be > 0, got 0.000000");
}

TEST_CASE("Python's non-finite JSON tokens become null outside strings only", "[logs]") {
  CHECK(NullForPythonNonFinite(R"({"a": NaN, "b": -Infinity, "c": [Infinity]})") ==
        R"({"a": null, "b": null, "c": [null]})");
  CHECK(NullForPythonNonFinite(R"({"NaN": "Infinity \" NaN", "x": 1})") ==
        R"({"NaN": "Infinity \" NaN", "x": 1})");
}

TEST_CASE("AIPerf export: p50 inter-token latency at loadgen.concurrency", "[logs]") {
  const std::string path = LogFixture("aiperf_profile_export_aiperf.json");
  CHECK(DetectLogFormat(path) == "genai-perf");  // GenAI-Perf's statistics, AIPerf's config
  const LogReadResult r = ReadLog(path, "", FixtureOptions(false, true));
  REQUIRE(r.measurements.size() == 1);
  const Measurement& tpot = r.measurements[0];
  CHECK(tpot.format == "aiperf");
  CHECK(tpot.engine == "aiperf");
  CHECK(tpot.model_id == "tiny-model");  // input_config.endpoint.model_names[0]
  CHECK(tpot.metric == MetricKind::kTpot);
  CHECK(tpot.step.batch == 8);  // input_config.loadgen.concurrency
  CHECK(tpot.step.past_tokens == 1024 + 128 / 2);
  CHECK(tpot.interval_time_s == Approx(0.016));  // inter_token_latency.p50, ms
  REQUIRE(r.skipped.size() == 1);                // TTFT at concurrency 8
  // A paced run (--request-rate) names no running batch, even with a concurrency cap.
  const std::string paced =
      ServingFixtureEdited("aiperf_profile_export_aiperf.json", "\"concurrency\": 8,",
                           "\"concurrency\": 8,\n      \"request_rate\": 2.0,");
  const LogReadResult by_rate = ReadGenaiPerfJson(paced, FixtureOptions(false, true));
  CHECK(by_rate.measurements.empty());
  REQUIRE(by_rate.skipped.size() == 2);
  CHECK(by_rate.skipped[0].reason.find("loadgen.request_rate is set") == 0);
  const std::string bad = ServingFixtureEdited("aiperf_profile_export_aiperf.json",
                                               "\"concurrency\": 8", "\"concurrency\": -1");
  CHECK(ErrorOf([&] {
          ReadGenaiPerfJson(bad, FixtureOptions(false, true));
        }).find(bad + ":116: input_config.loadgen.concurrency:") == 0);
}

TEST_CASE(
    "vllm bench serve, open loop: serving-level rows at the run's rate, and without a rate "
    "the running batch from Little's law on the decode phase",
    "[logs]") {
  const std::string path = LogFixture("vllm_serving_open_loop.json");
  CHECK(DetectLogFormat(path) == "vllm");
  const LogReadResult r = ReadLog(path, "", FixtureOptions(false, true));
  REQUIRE(r.measurements.size() == 2);
  const Measurement& tpot = r.measurements[0];
  CHECK(tpot.metric == MetricKind::kTpot);
  // 4.0 requests/s x (25,600 / 200 - 1 = 127 tokens) x 20 ms = 10.16 requests decoding.
  CHECK(tpot.step.batch == 10);
  CHECK(tpot.step.past_tokens == 204800 / 200 + 25600 / 200 / 2);
  CHECK(tpot.interval_time_s == Approx(0.0195));  // median_tpot_ms
  REQUIRE(tpot.serving_load);
  CHECK(tpot.serving_load->requests_per_s == 4.0);
  CHECK(tpot.serving_load->burstiness == 1.0);
  CHECK(tpot.serving_load->max_concurrency == 0);
  CHECK(tpot.serving_load->num_requests == 200);
  const Measurement& ttft = r.measurements[1];
  CHECK(ttft.metric == MetricKind::kTtft);
  CHECK(ttft.interval_time_s == Approx(0.058));  // median_ttft_ms
  CHECK(ttft.serving_load);
  CHECK(r.skipped.empty());
  // A finite rate and a concurrency limit together: not simulated (one or the other), so the
  // rows are the step rows of before, and the batched TTFT is none.
  const std::string both = ServingFixtureEdited(
      "vllm_serving_open_loop.json", "\"max_concurrency\": null", "\"max_concurrency\": 8");
  const LogReadResult limited = ReadVllmServingJson(both, FixtureOptions(false, true));
  REQUIRE(limited.measurements.size() == 1);
  CHECK(!limited.measurements[0].serving_load);
  CHECK(limited.measurements[0].step.batch == 8);
  const std::string bad_rate = ServingFixtureEdited(
      "vllm_serving_open_loop.json", "\"request_rate\": 4.0", "\"request_rate\": \"fast\"");
  CHECK(ErrorOf([&] {
          ReadVllmServingJson(bad_rate, FixtureOptions(false, true));
        }).find(bad_rate + ":1: request_rate") == 0);
  const std::string no_mean =
      ServingFixtureEdited("vllm_serving_open_loop.json",
                           {{"\"mean_tpot_ms\": 20.0, ", ""}, {"\"request_rate\": 4.0, ", ""}});
  const LogReadResult unknown = ReadVllmServingJson(no_mean, FixtureOptions(false, true));
  CHECK(unknown.measurements.empty());
  REQUIRE(unknown.skipped.size() == 2);
  CHECK(unknown.skipped[0].reason.find("no max_concurrency, and no request_throughput") == 0);
}

}  // namespace
}  // namespace rightsize
