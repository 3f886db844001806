// MLPerf Inference LoadGen summary (mlperf_log_summary.txt) of an LLM benchmark (llama2-70b,
// mixtral-8x7b, ... in the Server scenario). Lines are "key : value" (spacing varies); keys used:
//   Scenario, Mode, Result is,
//   Completed samples per second (Server; "Samples per second" in Offline): requests per second,
//   Completed tokens per second ("Tokens per second"): generated tokens per second,
//   Mean latency (ns): mean request latency,
//   50.00 percentile first token latency (ns), Mean First Token latency (ns),
//   50.00 percentile time to output token (ns), Mean Time to Output Token (ns),
//   and from the "Test Parameters Used" block target_qps, ttft_latency (ns), tpot_latency (ns)
//   (the run's load and constraints: shown in labels, never fitted).
// The summary names neither the model, the device, the prompt length nor the parallel layout:
// LogReadOptions model_id, hardware_id and prompt_tokens are required (the rows are skipped with
// that reason otherwise); tensor_parallel, replicas and the precisions default to one bf16 device.
// Mapping (Server, PerformanceOnly):
//  - requests in flight per replica = completed samples/s x mean latency / replicas (Little's law,
//    L = lambda W); the running decode batch is that, rounded, at least 1.
//  - generated tokens per request = tokens/s / samples/s (LogReadOptions gen_tokens overrides).
//  - TPOT (p50; the mean when the p50 line is absent) -> one decode step of that batch at the mean
//    context prompt + gen/2.
//  - TTFT (p50; else the mean) -> one prefill of one prompt, only when the batch is 1: with more
//    requests in flight TTFT includes queueing and batching, not one prefill step (skipped).
// Offline reports whole-run throughput of an unknown running batch with prefill and decode mixed,
// so it is skipped with that reason, as are AccuracyOnly runs and summaries without token
// latencies (non-LLM benchmarks). An INVALID run (a constraint missed) is still a measurement of
// what the system did at that load and is kept; its label says INVALID.
// A missing banner, a summary without its "Test Parameters Used" block (truncated), or a number
// that is not finite and >= 0 is an InputError at file:line: key.
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "sim/logs/readers.h"
#include "sim/util/file_io.h"
#include "sim/util/integers.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

struct Entry {
  std::string value;
  int line = 0;
};

// "Mean First Token latency (ns)   " -> "Mean First Token latency (ns)": trimmed, inner runs of
// blanks collapsed to one space.
std::string NormaliseKey(const std::string& text) {
  std::string out;
  bool blank = false;
  for (char c : Trim(text)) {
    const bool is_blank = c == ' ' || c == '\t';
    if (is_blank && blank) continue;
    out += is_blank ? ' ' : c;
    blank = is_blank;
  }
  return out;
}

class Summary {
 public:
  Summary(const std::string& text, std::string path) : path_(std::move(path)) {
    std::istringstream in(text);
    std::string line;
    int number = 0;
    bool banner = false;
    while (std::getline(in, line)) {
      ++number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      last_line_ = number;
      if (line.find("MLPerf Results Summary") != std::string::npos) banner = true;
      if (Trim(line) == "Test Parameters Used") parameters_line_ = number;
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      if (!banner) {
        throw InputError({path_, number, ""},
                         "not an MLPerf LoadGen summary: no 'MLPerf Results Summary' banner before "
                         "the first key");
      }
      const std::string key = NormaliseKey(line.substr(0, colon));
      if (!key.empty()) entries_.emplace(key, Entry{Trim(line.substr(colon + 1)), number});
    }
    if (!banner) {
      throw InputError({path_, 1, ""},
                       "not an MLPerf LoadGen summary: no 'MLPerf Results Summary' banner");
    }
    if (parameters_line_ == 0) {
      throw InputError({path_, last_line_, ""},
                       "truncated MLPerf summary: the 'Test Parameters Used' block is missing");
    }
  }

  const Entry* Find(const std::string& key) const {
    const auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : &it->second;
  }

  std::string Text(const std::string& key) const {
    const Entry* e = Find(key);
    if (e == nullptr) {
      throw InputError({path_, last_line_, key},
                       "missing key (truncated or not a LoadGen summary?)");
    }
    return e->value;
  }

  SourceLocation Where(const std::string& key) const {
    const Entry* e = Find(key);
    return {path_, e ? e->line : last_line_, key};
  }

  // The number on the line of `key`: nullopt when the key is absent; InputError when present but
  // not a finite number >= 0.
  std::optional<double> Number(const std::string& key) const {
    const Entry* e = Find(key);
    if (e == nullptr) return std::nullopt;
    const char* begin = e->value.c_str();
    char* end = nullptr;
    const double v = std::strtod(begin, &end);
    if (e->value.empty() || end == begin || Trim(end) != "") {
      throw InputError(Where(key), "expected a number, got '" + e->value + "'");
    }
    if (!std::isfinite(v) || v < 0)
      throw InputError(Where(key), "expected a finite number >= 0, got " + e->value);
    return v;
  }

  double RequiredNumber(const std::string& key) const {
    const auto v = Number(key);
    if (!v) throw InputError({path_, last_line_, key}, "missing key (truncated summary?)");
    return *v;
  }

  // The first of `keys` that is present (nullopt if none).
  std::optional<std::string> FirstPresent(const std::vector<std::string>& keys) const {
    for (const auto& k : keys) {
      if (Find(k)) return k;
    }
    return std::nullopt;
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::map<std::string, Entry> entries_;  // first occurrence of each key
  int last_line_ = 0;
  int parameters_line_ = 0;
};

const char kSamplesPerS[] = "Completed samples per second";
const char kSamplesPerSOffline[] = "Samples per second";
const char kTokensPerS[] = "Completed tokens per second";
const char kTokensPerSOffline[] = "Tokens per second";
const char kMeanLatency[] = "Mean latency (ns)";
const char kTtftP50[] = "50.00 percentile first token latency (ns)";
const char kTtftMean[] = "Mean First Token latency (ns)";
const char kTpotP50[] = "50.00 percentile time to output token (ns)";
const char kTpotMean[] = "Mean Time to Output Token (ns)";

Precision PrecisionOption(const std::string& name, const char* flag) {
  return name.empty() ? Precision::kBf16 : ParsePrecision(name, {"", 0, flag});
}

// Records why the summary is not a Server-scenario performance run and returns true; false when
// it is one. Mode and Scenario are read (and required) either way.
bool SkippedUnlessServerPerformanceRun(const Summary& s, const LogReadOptions& options,
                                       LogReadResult* result) {
  const std::string scenario = s.Text("Scenario");
  const std::string mode = s.Text("Mode");
  if (mode != "PerformanceOnly") {
    SkipRow(options, result, s.Where("Mode"),
            "mode '" + mode + "' is not a performance run (PerformanceOnly)");
    return true;
  }
  if (scenario == "Offline") {
    SkipRow(options, result, s.Where(kTokensPerSOffline),
            "Offline reports whole-run throughput with prefill and decode of an unknown running "
            "batch mixed; not one step (use a Server summary)");
    return true;
  }
  if (scenario != "Server") {
    SkipRow(options, result, s.Where("Scenario"),
            "scenario '" + scenario + "' has no token latencies rightsize maps (Server only)");
    return true;
  }
  return false;
}

// What the summary cannot say and the options do not give, as a list of what to pass; "" when
// the options give all of it.
std::string FactsNotGiven(const LogReadOptions& options) {
  std::string missing;
  if (options.model_id.empty()) missing += "the model (pass --model ID)";
  if (options.hardware_id.empty())
    missing += std::string(missing.empty() ? "" : ", ") + "the device (pass --hardware ID)";
  if (options.prompt_tokens <= 0) {
    missing += std::string(missing.empty() ? "" : ", ") +
               "the prompt length (pass --prompt-tokens N, the mean input tokens of the "
               "benchmark's dataset)";
  }
  return missing;
}

}  // namespace

LogReadResult ReadMlperfSummary(const std::string& path, const LogReadOptions& options) {
  const Summary s(ReadTextFile(path), path);
  LogReadResult result;
  const std::string validity = s.Text("Result is");
  // Present in every LLM summary; checked here so a malformed value is an error in any scenario.
  const std::optional<double> target_qps = s.Number("target_qps");
  s.Number("ttft_latency (ns)");
  s.Number("tpot_latency (ns)");

  if (SkippedUnlessServerPerformanceRun(s, options, &result)) return result;
  const auto ttft_key = s.FirstPresent({kTtftP50, kTtftMean});
  const auto tpot_key = s.FirstPresent({kTpotP50, kTpotMean});
  if (!ttft_key && !tpot_key) {
    SkipRow(options, &result, s.Where("Scenario"),
            "no first-token or time-to-output-token latencies: not an LLM benchmark summary");
    return result;
  }
  const std::string samples_key = s.Find(kSamplesPerS) ? kSamplesPerS : kSamplesPerSOffline;
  const std::string tokens_key = s.Find(kTokensPerS) ? kTokensPerS : kTokensPerSOffline;
  const double samples_per_s = s.RequiredNumber(samples_key);
  const double tokens_per_s = s.RequiredNumber(tokens_key);
  const double mean_latency_s = s.RequiredNumber(kMeanLatency) * 1e-9;
  RequirePositive(samples_per_s, s.Where(samples_key), "samples per second");
  RequirePositive(tokens_per_s, s.Where(tokens_key), "tokens per second");
  RequirePositive(mean_latency_s, s.Where(kMeanLatency), "mean latency");

  // What the summary cannot say: every row needs it, so each is skipped with what to pass.
  if (const std::string missing = FactsNotGiven(options); !missing.empty()) {
    for (const auto& key : {ttft_key, tpot_key}) {
      if (key) SkipRow(options, &result, s.Where(*key), "MLPerf summaries do not state " + missing);
    }
    return result;
  }
  if (options.tensor_parallel < 1 || options.replicas < 1) {
    throw InputError({"", 0, "--tp/--replicas"},
                     "tensor-parallel degree and replicas must be >= 1");
  }
  const auto model_id = options.MapModel("");
  const auto hardware_id = options.MapHardware("");
  const ModelSpec& model = options.GetCatalog().Model(*model_id);

  const double in_flight = samples_per_s * mean_latency_s / options.replicas;  // Little's law
  Workload w;
  w.engine = options.engine.empty() ? "mlperf" : options.engine;
  w.batch = RoundedInRange(std::max(1.0, in_flight), 1, kMaxLogBatch, s.Where(kMeanLatency));
  w.prompt_tokens = options.prompt_tokens;
  w.gen_tokens = options.gen_tokens > 0
                     ? options.gen_tokens
                     : RoundedInRange(std::max(1.0, tokens_per_s / samples_per_s), 1, kMaxLogTokens,
                                      s.Where(tokens_key));
  w.weights = PrecisionOption(options.weights, "--weights");
  w.activations = PrecisionOption(options.activations, "--activations");
  w.kv_cache = PrecisionOption(options.kv_cache, "--kv");
  w.parallel.tensor = options.tensor_parallel;
  const std::string load =
      fmt::format("{:.1f} requests in flight per replica, target_qps {}{}", in_flight,
                  target_qps ? fmt::format("{:g}", *target_qps) : std::string("?"),
                  validity == "VALID" ? "" : ", run " + validity);

  if (tpot_key) {
    const double tpot_s = *s.Number(*tpot_key) * 1e-9;
    Measurement m = MakeStepMeasurement(model, *hardware_id, w,
                                        DecodeStep(w, w.prompt_tokens + w.gen_tokens / 2),
                                        MetricKind::kTpot, tpot_s, s.Where(*tpot_key));
    m.format = "mlperf";
    m.label +=
        " mlperf " + std::string(*tpot_key == kTpotP50 ? "p50" : "mean") + " TPOT (" + load + ")";
    result.measurements.push_back(std::move(m));
  }
  if (ttft_key) {
    if (w.batch == 1) {
      Workload one = w;
      one.batch = 1;
      const double ttft_s = *s.Number(*ttft_key) * 1e-9;
      Measurement m = MakeStepMeasurement(model, *hardware_id, one, PrefillStep(one),
                                          MetricKind::kTtft, ttft_s, s.Where(*ttft_key));
      m.format = "mlperf";
      m.label +=
          " mlperf " + std::string(*ttft_key == kTtftP50 ? "p50" : "mean") + " TTFT (" + load + ")";
      result.measurements.push_back(std::move(m));
    } else {
      SkipRow(options, &result, s.Where(*ttft_key),
              fmt::format(
                  "TTFT with {:.1f} requests in flight per replica includes queueing and batching; "
                  "not one prefill step",
                  in_flight));
    }
  }
  return result;
}

}  // namespace rightsize
