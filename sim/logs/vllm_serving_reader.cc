// vLLM benchmarks/benchmark_serving.py --save-result JSON (`vllm bench serve --save-result`, one
// line). Keys used: model_id, backend, completed, total_input_tokens, total_output_tokens,
// max_concurrency, median_ttft_ms, median_tpot_ms, and for an open-loop run request_throughput
// and mean_tpot_ms; request_rate and burstiness give the run's load (ReadServingLoad), so a run
// with more than one request in flight gives serving-level rows, predicted by simulating it. The
// file names neither the GPU nor the precision, so --hardware is required and the precision is the
// model's bf16. The rows are ServingRunRows' (serving_run.h):
//  - TPOT -> one decode step of max_concurrency sequences at the mean context (mean input +
//    half the mean output). Without max_concurrency (an open-loop request rate, the tool's
//    default) the running batch is the mean number of requests decoding, by Little's law on the
//    decode phase: request_throughput x (mean output tokens - 1) x mean_tpot_ms, rounded, at
//    least 1 (the rule the SGLang and MLPerf readers apply to requests in flight); without
//    those two keys the TPOT is skipped with that reason.
//  - TTFT -> a prefill of the mean input, only when max_concurrency is 1: with more requests in
//    flight TTFT includes queueing and batching that one step does not describe.
#include <algorithm>
#include <limits>
#include <optional>

#include "sim/logs/readers.h"
#include "sim/logs/serving_run.h"
#include "sim/util/integers.h"
#include "sim/util/json_reader.h"

namespace rightsize {

namespace {

// max_concurrency, else (null or absent: an open-loop request rate) the mean number of requests
// decoding, request_throughput x (mean output - 1) x mean TPOT (Little's law), at least 1.
void SetVllmBatch(const JsonValue& doc, ServingRun* run) {
  run->running_batch = doc.OptionalInt("max_concurrency", 0, 0, kMaxLogBatch);
  if (run->running_batch >= 1) return;
  const double kHuge = std::numeric_limits<double>::max();
  const std::optional<double> requests_per_s = doc.MaybeDouble("request_throughput", 0.0, kHuge);
  const std::optional<double> tpot_ms = doc.MaybeDouble("mean_tpot_ms", 0.0, kHuge);
  if (!requests_per_s || !tpot_ms) {
    run->no_batch_reason =
        "no max_concurrency, and no request_throughput and mean_tpot_ms to estimate the running "
        "batch from: the running batch behind this TPOT is unknown";
    return;
  }
  const double decoding =
      *requests_per_s * std::max(0.0, run->mean_output_tokens - 1.0) * *tpot_ms * 1e-3;
  run->running_batch =
      RoundedInRange(std::max(1.0, decoding), 1, kMaxLogBatch, doc.Where("request_throughput"));
}

}  // namespace

LogReadResult ReadVllmServingJson(const std::string& path, const LogReadOptions& options) {
  const JsonValue doc = JsonDocument::Load(path).Root();
  if (!doc.IsObject()) doc.Fail("expected one JSON object");
  const double kHuge = std::numeric_limits<double>::max();
  ServingRun run;
  run.format = "vllm";
  run.engine = "vllm-" + doc.OptionalString("backend", "vllm");
  run.model_name = doc.OptionalString("model_id", "");
  run.model_where = doc.Where("model_id");
  ReadRequestTotals(doc, &run);
  SetVllmBatch(doc, &run);
  run.load = ReadServingLoad(doc);
  run.tpot_s = doc.RequiredDouble("median_tpot_ms", -kHuge, kHuge) * 1e-3;
  run.tpot_where = doc.Where("median_tpot_ms");
  run.ttft_s = doc.RequiredDouble("median_ttft_ms", -kHuge, kHuge) * 1e-3;
  run.ttft_where = doc.Where("median_ttft_ms");
  LogReadResult result;
  ServingRunRows(run, path, options, &result);
  return result;
}

}  // namespace rightsize
