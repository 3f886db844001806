// Ray llmperf `token_benchmark_ray.py --results-dir DIR` summary, DIR/<name>_summary.json: one
// flat JSON object (llmperf's LLMPerfResults.to_dict, nested keys joined with "_" by
// flatten_dict; metric names from src/llmperf/common_metrics.py). Keys used: model,
// num_concurrent_requests, mean_input_tokens, mean_output_tokens (requested),
// results_number_input_tokens_mean, results_number_output_tokens_mean (measured, preferred),
// results_ttft_s_quantiles_p50, results_ttft_s_mean, results_end_to_end_latency_s_mean,
// results_num_completed_requests.
// llmperf's inter_token_latency_s is a request's summed token gaps *including* the TTFT over its
// output tokens, so it is not a decode step. The decode step is taken from the means instead:
// TPOT = (mean end-to-end latency - mean TTFT) / (mean output tokens - 1).
// The run is closed-loop: num_concurrent_requests clients each keep one request in flight, the
// running batch. The summary names no GPU and no serving engine: --hardware is required, the
// engine is "llmperf" unless --engine names it, the precision is the model's bf16.
#include <limits>

#include "sim/logs/readers.h"
#include "sim/logs/serving_run.h"
#include "sim/util/file_io.h"
#include "sim/util/json_reader.h"

namespace rightsize {
namespace {

// A measured mean when the summary has it, else the requested one.
double MeasuredOrRequested(const JsonValue& doc, const std::string& measured,
                           const std::string& requested, SourceLocation* where) {
  const double kHuge = std::numeric_limits<double>::max();
  if (auto value = doc.MaybeDouble(measured, 0.0, kHuge)) {
    *where = doc.Where(measured);
    return *value;
  }
  *where = doc.Where(requested);
  return doc.RequiredDouble(requested, 0.0, kHuge);
}

// TPOT from the means (the file comment says why not inter_token_latency_s).
void SetLlmperfTpot(const JsonValue& doc, ServingRun* run) {
  const double kHuge = std::numeric_limits<double>::max();
  run->tpot_where = doc.Where("results_end_to_end_latency_s_mean");
  const double e2e_s = doc.RequiredDouble("results_end_to_end_latency_s_mean", 0.0, kHuge);
  const double ttft_s = doc.RequiredDouble("results_ttft_s_mean", 0.0, kHuge);
  if (run->mean_output_tokens < 2.0) {
    run->tpot_missing = "fewer than 2 output tokens per request: no time between tokens";
    return;
  }
  if (e2e_s <= ttft_s) {
    throw InputError(run->tpot_where, "mean end-to-end latency is not above the mean TTFT (" +
                                          std::to_string(ttft_s) + " s)");
  }
  run->tpot_s = (e2e_s - ttft_s) / (run->mean_output_tokens - 1.0);
}

}  // namespace

LogReadResult ReadLlmperfSummary(const std::string& path, const LogReadOptions& options) {
  const JsonValue doc =
      JsonDocument::Parse(NullForPythonNonFinite(ReadTextFile(path)), path).Root();
  if (!doc.IsObject()) doc.Fail("expected one JSON object (an llmperf _summary.json)");
  const double kHuge = std::numeric_limits<double>::max();
  ServingRun run;
  run.format = "llmperf";
  run.engine = "llmperf";
  run.model_name = doc.RequiredString("model");
  run.model_where = doc.Where("model");
  const double completed = doc.RequiredDouble("results_num_completed_requests", 0.0, kHuge);
  RequirePositive(completed, doc.Where("results_num_completed_requests"),
                  "results_num_completed_requests");
  run.mean_input_tokens = MeasuredOrRequested(doc, "results_number_input_tokens_mean",
                                              "mean_input_tokens", &run.input_where);
  run.mean_output_tokens = MeasuredOrRequested(doc, "results_number_output_tokens_mean",
                                               "mean_output_tokens", &run.output_where);
  run.running_batch = doc.RequiredInt("num_concurrent_requests", 1, kMaxLogBatch);
  SetLlmperfTpot(doc, &run);
  run.ttft_s = doc.RequiredDouble("results_ttft_s_quantiles_p50", 0.0, kHuge);
  run.ttft_where = doc.Where("results_ttft_s_quantiles_p50");
  LogReadResult result;
  ServingRunRows(run, path, options, &result);
  return result;
}

}  // namespace rightsize
