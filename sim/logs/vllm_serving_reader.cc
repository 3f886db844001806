// vLLM benchmarks/benchmark_serving.py --save-result JSON (`vllm bench serve --save-result`, one
// line). Keys used: model_id, backend, completed, total_input_tokens, total_output_tokens,
// max_concurrency, median_ttft_ms, median_tpot_ms. The file names neither the GPU nor the
// precision, so --hardware is required and the precision is the model's bf16. The rows are
// ServingRunRows' (serving_run.h):
//  - TPOT -> one decode step of max_concurrency sequences at the mean context (mean input +
//    half the mean output). Without max_concurrency (an open-loop request rate) the running
//    batch is unknown and the TPOT is skipped with that reason.
//  - TTFT -> a prefill of the mean input, only when max_concurrency is 1: with more requests in
//    flight TTFT includes queueing and batching that one step does not describe.
#include <limits>

#include "sim/logs/readers.h"
#include "sim/logs/serving_run.h"
#include "sim/util/json_reader.h"

namespace rightsize {

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
  // null or absent: an open-loop request rate, the running batch is unknown.
  run.running_batch = doc.OptionalInt("max_concurrency", 0, 0, kMaxLogBatch);
  run.no_batch_reason = "no max_concurrency: the running batch behind this TPOT is unknown";
  run.tpot_s = doc.RequiredDouble("median_tpot_ms", -kHuge, kHuge) * 1e-3;
  run.tpot_where = doc.Where("median_tpot_ms");
  run.ttft_s = doc.RequiredDouble("median_ttft_ms", -kHuge, kHuge) * 1e-3;
  run.ttft_where = doc.Where("median_ttft_ms");
  LogReadResult result;
  ServingRunRows(run, path, options, &result);
  return result;
}

}  // namespace rightsize
