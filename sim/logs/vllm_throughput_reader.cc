// vLLM `vllm bench throughput --output-json X.json` (benchmarks/benchmark_throughput.py before):
// one object with elapsed_time, num_requests, total_num_tokens, requests_per_second,
// tokens_per_second (vllm/benchmarks/throughput.py, the `results` dict; json.dump indent=4).
// It is the whole-run rate of an offline batch: every request is submitted at once, prefill and
// decode interleave, and the running batch is the engine's scheduler limit, which the file does
// not state. No single modelled step matches it, so the file is read and checked (a malformed
// number is an InputError at file:line: key) and its run is reported as skipped with that
// reason, as MLPerf's Offline scenario is; `vllm bench serve --save-result` with
// --max-concurrency gives rows.
#include <limits>

#include "sim/logs/readers.h"
#include "sim/util/json_reader.h"

namespace rightsize {

LogReadResult ReadVllmThroughputJson(const std::string& path, const LogReadOptions& options) {
  const JsonValue doc = JsonDocument::Load(path).Root();
  if (!doc.IsObject()) doc.Fail("expected one JSON object (vllm bench throughput --output-json)");
  const double kHuge = std::numeric_limits<double>::max();
  for (const char* key :
       {"elapsed_time", "num_requests", "total_num_tokens", "tokens_per_second"}) {
    RequirePositive(doc.RequiredDouble(key, 0.0, kHuge), doc.Where(key), key);
  }
  LogReadResult result;
  SkipRow(options, &result, doc.Where("tokens_per_second"),
          "whole-run tokens/s of an offline batch (prefill and decode mixed, running batch "
          "unknown): not one modelled step; use vllm bench serve --max-concurrency N "
          "--save-result");
  return result;
}

}  // namespace rightsize
