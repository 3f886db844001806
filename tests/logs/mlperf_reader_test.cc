// MLPerf LoadGen summaries: the Server TPOT becomes a decode step at the Little's-law batch, TTFT
// maps only with one request in flight, what the summary cannot say is reported as skipped, and
// a truncated or malformed summary names file:line. The fixture is synthetic (its last line says
// so), laid out like a real v4.1 llama2-70b Server summary.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "sim/logs/readers.h"
#include "sim/util/file_io.h"
#include "sim/util/output_path.h"
#include "tests/error_of.h"
#include "tests/logs/logs_test_util.h"

namespace rightsize {
namespace {

using testing::FixtureCatalog;
using testing::FixtureOptions;
using testing::LogFixture;

using testing::ErrorOf;

const std::string kServer = "mlperf_server_synthetic.txt";

std::string FixtureText() { return ReadTextFile(LogFixture(kServer)); }

// Writes `text` to a fresh temporary file and returns its path.
std::string TempSummary(const std::string& text) {
  std::string dir_template = (std::filesystem::temp_directory_path() / "rs_mlperf_XXXXXX").string();
  const char* dir = ::mkdtemp(dir_template.data());
  REQUIRE(dir != nullptr);
  const std::string path = std::string(dir) + "/mlperf_log_summary.txt";
  WriteFileAtomically(path, text);
  return path;
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// The 1-based line of the first line of the fixture containing `needle`.
int LineOf(const std::string& text, const std::string& needle) {
  const size_t at = text.find(needle);
  REQUIRE(at != std::string::npos);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

LogReadOptions Options() {
  LogReadOptions options = FixtureOptions();
  options.prompt_tokens = 100;
  return options;
}

TEST_CASE("MLPerf Server summary: p50 TPOT is a decode step at the Little's-law batch", "[logs]") {
  const LogReadResult r = ReadMlperfSummary(LogFixture(kServer), Options());
  // The fixture: 2.00 completed samples/s x 4 s mean latency = 8 requests in flight; 256 tokens/s
  // / 2 samples/s = 128 generated tokens; p50 TPOT 30 ms.
  REQUIRE(r.measurements.size() == 1);
  const Measurement& tpot = r.measurements.front();
  CHECK(tpot.metric == MetricKind::kTpot);
  CHECK(tpot.format == "mlperf");
  CHECK(tpot.model_id == "tiny-model");
  CHECK(tpot.hardware_id == "test-gpu");
  CHECK(tpot.engine == "mlperf");
  CHECK(tpot.step.phase == Phase::kDecode);
  CHECK(tpot.step.batch == 8);
  CHECK(tpot.step.new_tokens == 1);
  CHECK(tpot.step.past_tokens == 100 + 128 / 2);
  CHECK(tpot.workload.gen_tokens == 128);
  CHECK(tpot.interval_time_s == Approx(0.030));
  CHECK(tpot.where.line == LineOf(FixtureText(), "50.00 percentile time to output token"));
  CHECK(tpot.label.find("p50 TPOT") != std::string::npos);
  // TTFT with 8 requests in flight is not one prefill: kept as a skipped row with the reason.
  REQUIRE(r.skipped.size() == 1);
  CHECK(r.skipped[0].where.line == LineOf(FixtureText(), "50.00 percentile first token latency"));
  CHECK(r.skipped[0].reason.find("queueing") != std::string::npos);
  CHECK(DetectLogFormat(LogFixture(kServer)) == "mlperf");
}

TEST_CASE("MLPerf: replicas split the load, options set TP, precision and output length",
          "[logs]") {
  LogReadOptions options = Options();
  options.replicas = 4;
  options.tensor_parallel = 2;
  options.weights = "fp8";
  options.gen_tokens = 200;
  const LogReadResult r = ReadMlperfSummary(LogFixture(kServer), options);
  REQUIRE(r.measurements.size() == 1);
  const Measurement& m = r.measurements.front();
  CHECK(m.step.batch == 2);  // 8 in flight over 4 replicas
  CHECK(m.workload.parallel.tensor == 2);
  CHECK(m.workload.weights == Precision::kFp8);
  CHECK(m.step.past_tokens == 100 + 200 / 2);
}

TEST_CASE("MLPerf: with one request in flight the p50 TTFT is a prefill of one prompt", "[logs]") {
  // 0.25 samples/s x 4 s = 1 request in flight; 32 tokens/s / 0.25 = 128 tokens per request.
  std::string text = Replace(FixtureText(), "Completed samples per second    : 2.00",
                             "Completed samples per second    : 0.25");
  text = Replace(text, "Completed tokens per second: 256.00", "Completed tokens per second: 32.00");
  const LogReadResult r = ReadMlperfSummary(TempSummary(text), Options());
  REQUIRE(r.measurements.size() == 2);
  CHECK(r.skipped.empty());
  const Measurement& ttft = r.measurements[1];
  CHECK(ttft.metric == MetricKind::kTtft);
  CHECK(ttft.step.phase == Phase::kPrefill);
  CHECK(ttft.step.batch == 1);
  CHECK(ttft.step.new_tokens == 100);
  CHECK(ttft.interval_time_s == Approx(0.100));
  CHECK(r.measurements[0].step.batch == 1);
  CHECK(r.measurements[0].workload.gen_tokens == 128);
}

TEST_CASE("MLPerf: the mean is used when the p50 line is absent", "[logs]") {
  const std::string text =
      Replace(FixtureText(), "50.00 percentile time to output token (ns)   : 30000000\n", "");
  const LogReadResult r = ReadMlperfSummary(TempSummary(text), Options());
  REQUIRE(r.measurements.size() == 1);
  CHECK(r.measurements[0].interval_time_s == Approx(0.031));
  CHECK(r.measurements[0].label.find("mean TPOT") != std::string::npos);
}

TEST_CASE("MLPerf: what the summary does not say is reported per row, never dropped", "[logs]") {
  LogReadOptions no_prompt = FixtureOptions();
  const LogReadResult r = ReadMlperfSummary(LogFixture(kServer), no_prompt);
  CHECK(r.measurements.empty());
  REQUIRE(r.skipped.size() == 2);
  for (const auto& s : r.skipped) CHECK(s.reason.find("--prompt-tokens") != std::string::npos);

  LogReadOptions nothing(FixtureCatalog());
  const LogReadResult none = ReadMlperfSummary(LogFixture(kServer), nothing);
  REQUIRE(none.skipped.size() == 2);
  CHECK(none.skipped[0].reason.find("--model") != std::string::npos);
  CHECK(none.skipped[0].reason.find("--hardware") != std::string::npos);

  nothing.strict = true;
  CHECK(ErrorOf([&] { ReadMlperfSummary(LogFixture(kServer), nothing); }).find("--model") !=
        std::string::npos);

  const std::string offline = Replace(FixtureText(), "Scenario : Server", "Scenario : Offline");
  const LogReadResult off = ReadMlperfSummary(TempSummary(offline), Options());
  CHECK(off.measurements.empty());
  REQUIRE(off.skipped.size() == 1);
  CHECK(off.skipped[0].reason.find("Offline") != std::string::npos);

  const std::string accuracy =
      Replace(FixtureText(), "Mode     : PerformanceOnly", "Mode     : AccuracyOnly");
  const LogReadResult acc = ReadMlperfSummary(TempSummary(accuracy), Options());
  REQUIRE(acc.skipped.size() == 1);
  CHECK(acc.skipped[0].where.line == LineOf(FixtureText(), "Mode     :"));
}

TEST_CASE("MLPerf: truncated and malformed summaries are errors at file:line: key", "[logs]") {
  const std::string text = FixtureText();
  // Cut in the middle of the first-token block, as a copy interrupted mid-file would.
  const std::string truncated =
      TempSummary(text.substr(0, text.find("Mean First Token latency") + 40));
  const std::string cut = ErrorOf([&] { ReadMlperfSummary(truncated, Options()); });
  CHECK(cut.find("truncated") != std::string::npos);
  CHECK(cut.find(truncated + ":") != std::string::npos);

  const std::string nan =
      TempSummary(Replace(text, "50.00 percentile time to output token (ns)   : 30000000",
                          "50.00 percentile time to output token (ns)   : nan"));
  const std::string bad_value = ErrorOf([&] { ReadMlperfSummary(nan, Options()); });
  CHECK(bad_value.find(nan + ":" +
                       std::to_string(LineOf(text, "50.00 percentile time to output token")) +
                       ": 50.00 percentile time to output token (ns)") != std::string::npos);

  const std::string words =
      TempSummary(Replace(text, "Mean latency (ns)               : 4000000000",
                          "Mean latency (ns)               : 4.0e9x"));
  CHECK(ErrorOf([&] {
          ReadMlperfSummary(words, Options());
        }).find("Mean latency (ns): expected a number") != std::string::npos);

  const std::string no_banner = TempSummary(Replace(text, "MLPerf Results Summary", "Results"));
  CHECK(ErrorOf([&] {
          ReadMlperfSummary(no_banner, Options());
        }).find("not an MLPerf LoadGen summary") != std::string::npos);
  CHECK(ErrorOf([&] {
          ReadMlperfSummary(no_banner + ".missing", Options());
        }).find("cannot open") != std::string::npos);
}

}  // namespace
}  // namespace rightsize
