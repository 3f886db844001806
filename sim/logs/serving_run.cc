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

  if (const auto tpot_s =
          UsableLatency(run.tpot_s, run.tpot_missing, run.tpot_where, options, result)) {
    if (run.running_batch >= 1) {
      Measurement m = MakeStepMeasurement(model, hardware_id, w,
                                          DecodeStep(w, w.prompt_tokens + w.gen_tokens / 2),
                                          MetricKind::kTpot, *tpot_s, run.tpot_where);
      m.format = run.format;
      result->measurements.push_back(std::move(m));
    } else {
      SkipRow(options, result, run.tpot_where, run.no_batch_reason);
    }
  }
  if (const auto ttft_s =
          UsableLatency(run.ttft_s, run.ttft_missing, run.ttft_where, options, result)) {
    if (run.running_batch == 1) {
      Measurement m = MakeStepMeasurement(model, hardware_id, w, PrefillStep(w), MetricKind::kTtft,
                                          *ttft_s, run.ttft_where);
      m.format = run.format;
      result->measurements.push_back(std::move(m));
    } else {
      SkipRow(options, result, run.ttft_where,
              "TTFT with more than one request in flight includes queueing; not one prefill step");
    }
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

void ReadRequestTotals(const JsonValue& run_json, ServingRun* run) {
  const double kHuge = std::numeric_limits<double>::max();
  const double completed = run_json.RequiredDouble("completed", 0.0, kHuge);
  RequirePositive(completed, run_json.Where("completed"), "completed");
  run->mean_input_tokens = run_json.RequiredDouble("total_input_tokens", 0.0, kHuge) / completed;
  run->input_where = run_json.Where("total_input_tokens");
  run->mean_output_tokens = run_json.RequiredDouble("total_output_tokens", 0.0, kHuge) / completed;
  run->output_where = run_json.Where("total_output_tokens");
}

}  // namespace rightsize
