// Serving-benchmark runs to measurement rows (serving_run.h). The mapping is the one the vLLM
// reader has always used, in one place so every serving format means the same by a row: the
// median TPOT is one decode step of the running batch, the median TTFT is one prefill only when
// a single request was in flight.
#include "sim/logs/serving_run.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include "sim/util/integers.h"

namespace rightsize {
namespace {

// The value of a latency the run reports, or nullopt after recording why it gives no row.
std::optional<double> UsableLatency(const std::optional<double>& value_s,
                                    const std::string& missing, const SourceLocation& where,
                                    const LogReadOptions& options, LogReadResult* result) {
  if (!value_s) {
    SkipRow(options, result, where, missing);
    return std::nullopt;
  }
  if (*value_s == 0.0) {
    SkipRow(options, result, where,
            "0: the run did not stream tokens, so the latency was not measured");
    return std::nullopt;
  }
  return value_s;
}

Workload ServingWorkload(const ServingRun& run, const LogReadOptions& options) {
  Workload w;
  w.engine = options.engine.empty() ? run.engine : options.engine;
  w.batch = std::max<int64_t>(1, run.running_batch);
  RequirePositive(run.mean_input_tokens, run.input_where, "mean input tokens");
  RequirePositive(run.mean_output_tokens, run.output_where, "mean output tokens");
  w.prompt_tokens =
      RoundedInRange(std::max(1.0, run.mean_input_tokens), 1, kMaxLogTokens, run.input_where);
  w.gen_tokens =
      RoundedInRange(std::max(1.0, run.mean_output_tokens), 1, kMaxLogTokens, run.output_where);
  return w;
}

}  // namespace

void ServingRunRows(const ServingRun& run, const std::string& path, const LogReadOptions& options,
                    LogReadResult* result) {
  const std::optional<std::string> model_id =
      MapModelOrSkip(options, run.model_name, run.model_where, result);
  if (!model_id) return;
  if (options.hardware_id.empty()) {
    throw InputError({path, 0, ""},
                     run.format + " results do not name the GPU; pass --hardware ID");
  }
  const std::string hardware_id = *options.MapHardware("");
  const ModelSpec& model = options.GetCatalog().Model(*model_id);
  const Workload w = ServingWorkload(run, options);
  // One request at a time: its TTFT is one prefill and its TPOT one decode step at batch 1.
  const bool serving_level = run.load && run.load->max_concurrency != 1;
  const auto add_row = [&](const Step& step, MetricKind metric, double value,
                           const SourceLocation& where) {
    Measurement m = MakeStepMeasurement(model, hardware_id, w, step, metric, value, where);
    m.format = run.format;
    if (serving_level) m.serving_load = run.load;
    result->measurements.push_back(std::move(m));
  };

  if (const auto tpot_s =
          UsableLatency(run.tpot_s, run.tpot_missing, run.tpot_where, options, result)) {
    if (run.running_batch >= 1 || serving_level) {
      add_row(DecodeStep(w, w.prompt_tokens + w.gen_tokens / 2), MetricKind::kTpot, *tpot_s,
              run.tpot_where);
    } else {
      SkipRow(options, result, run.tpot_where, run.no_batch_reason);
    }
  }
  if (const auto ttft_s =
          UsableLatency(run.ttft_s, run.ttft_missing, run.ttft_where, options, result)) {
    if (run.running_batch == 1 || serving_level) {
      add_row(PrefillStep(w), MetricKind::kTtft, *ttft_s, run.ttft_where);
    } else {
      SkipRow(options, result, run.ttft_where,
              "TTFT with more than one request in flight includes queueing, and the run states "
              "no request rate or concurrency to simulate it at; not one prefill step");
    }
  }
  if (serving_level && run.load->requests_per_s == 0 && run.output_tokens_per_s &&
      *run.output_tokens_per_s > 0) {
    add_row(DecodeStep(w, w.prompt_tokens + w.gen_tokens / 2), MetricKind::kTokensPerS,
            *run.output_tokens_per_s, run.output_rate_where);
  }
}

std::string NullForPythonNonFinite(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    const bool word_start = i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1]));
    bool replaced = false;
    for (const char* token : {"-Infinity", "Infinity", "NaN"}) {
      const std::string t(token);
      if (word_start && text.compare(i, t.size(), t) == 0) {
        out += "null";
        i += t.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += c;
  }
  return out;
}

std::optional<ServingLoad> ReadServingLoad(const JsonValue& run_json) {
  if (!run_json.json().contains("request_rate")) return std::nullopt;
  const double kHuge = std::numeric_limits<double>::max();
  ServingLoad load;
  if (run_json.Has("request_rate")) {
    const JsonValue rate = run_json.Child("request_rate");
    if (rate.IsString()) {
      if (rate.AsString() != "inf") rate.Fail("expected a number or \"inf\"");
    } else {
      load.requests_per_s = rate.AsDouble(0.0, kHuge);
      RequirePositive(load.requests_per_s, rate.Where(), "request_rate");
    }
  }
  // A gamma shape of 1e-6 is a coefficient of variation of 1,000, the most the traffic takes.
  load.burstiness = run_json.OptionalDouble("burstiness", 1.0, 1e-6, 1e6);
  load.max_concurrency = run_json.OptionalInt("max_concurrency", 0, 0, kMaxLogBatch);
  load.num_requests = WholeInRange(run_json.RequiredDouble("completed", 0.0, kHuge), 1,
                                   kMaxLogBatch, run_json.Where("completed"));
  if (load.requests_per_s > 0 && load.max_concurrency > 0) return std::nullopt;
  return load;
}

void ReadRequestTotals(const JsonValue& run_json, ServingRun* run) {
  const double kHuge = std::numeric_limits<double>::max();
  const double completed = run_json.RequiredDouble("completed", 0.0, kHuge);
  RequirePositive(completed, run_json.Where("completed"), "completed");
  run->mean_input_tokens = run_json.RequiredDouble("total_input_tokens", 0.0, kHuge) / completed;
  run->input_where = run_json.Where("total_input_tokens");
  run->mean_output_tokens = run_json.RequiredDouble("total_output_tokens", 0.0, kHuge) / completed;
  run->output_where = run_json.Where("total_output_tokens");
  run->output_tokens_per_s = run_json.MaybeDouble("output_throughput", 0.0, kHuge);
  run->output_rate_where = run_json.Where("output_throughput");
}

}  // namespace rightsize
