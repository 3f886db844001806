// SGLang `python -m sglang.bench_serving --output-file X.jsonl`: the tool appends one JSON object
// per run to the file (python/sglang/bench_serving.py, `benchmark()`: the `result` dict written
// with json.dumps). Keys used: backend, request_rate, max_concurrency, completed,
// total_input_tokens, total_output_tokens, median_ttft_ms, median_tpot_ms, concurrency (the
// measured mean of requests in flight: the sum of request latencies over the duration).
// Python writes request_rate = inf as the bare token Infinity, which is read as null.
// The result names neither the model, the GPU nor the precision: --model and --hardware are
// required; the precision is the model's bf16. Each line becomes ServingRunRows' rows
// (serving_run.h); the running batch is max_concurrency for a closed-loop run and, for an
// open-loop request rate (max_concurrency null), the measured `concurrency` rounded (Little's
// law, as the MLPerf reader estimates it); a run that has neither gives no TPOT row.
// Engine: the backend's engine ("sglang-oai" -> "sglang", "vllm-chat" -> "vllm").
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "sim/logs/readers.h"
#include "sim/logs/serving_run.h"
#include "sim/util/file_io.h"
#include "sim/util/integers.h"
#include "sim/util/json_reader.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

// The running batch of one SGLang run: max_concurrency, else the measured mean in flight.
void SetSglangBatch(const JsonValue& run_json, ServingRun* run) {
  const double kHuge = std::numeric_limits<double>::max();
  run->running_batch = run_json.OptionalInt("max_concurrency", 0, 0, kMaxLogBatch);
  if (run->running_batch >= 1) return;
  const std::optional<double> in_flight =
      run_json.MaybeDouble("concurrency", 0.0, static_cast<double>(kMaxLogBatch));
  if (in_flight && *in_flight >= 0.5) {
    run->running_batch = RoundedInRange(*in_flight, 1, kMaxLogBatch, run_json.Where("concurrency"));
    return;
  }
  const std::string rate =
      run_json.Has("request_rate")
          ? fmt::format("{:g}", run_json.RequiredDouble("request_rate", 0.0, kHuge))
          : "inf";
  run->no_batch_reason = "no max_concurrency and no measured concurrency (request rate " + rate +
                         "): the running batch behind this TPOT is unknown";
}

ServingRun SglangRun(const JsonValue& run_json) {
  if (!run_json.IsObject()) run_json.Fail("expected one JSON object per line");
  const double kHuge = std::numeric_limits<double>::max();
  ServingRun run;
  run.format = "sglang";
  const std::string backend = run_json.OptionalString("backend", "sglang");
  run.engine = backend.substr(0, backend.find('-'));
  run.model_where = run_json.Where();
  ReadRequestTotals(run_json, &run);
  SetSglangBatch(run_json, &run);
  run.load = ReadServingLoad(run_json);
  run.tpot_where = run_json.Where("median_tpot_ms");
  run.tpot_missing = "no median_tpot_ms";
  if (auto tpot_ms = run_json.MaybeDouble("median_tpot_ms", -kHuge, kHuge)) {
    run.tpot_s = *tpot_ms * 1e-3;
  }
  run.ttft_s = run_json.RequiredDouble("median_ttft_ms", -kHuge, kHuge) * 1e-3;
  run.ttft_where = run_json.Where("median_ttft_ms");
  return run;
}

}  // namespace

LogReadResult ReadSglangBenchServing(const std::string& path, const LogReadOptions& options) {
  if (options.model_id.empty() || options.hardware_id.empty()) {
    throw InputError({path, 0, ""},
                     "SGLang bench_serving results name neither the model nor the GPU; pass "
                     "--model ID and --hardware ID");
  }
  const std::string text = ReadTextFile(path);
  LogReadResult result;
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  int runs = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (Trim(line).empty()) continue;
    const JsonValue run_json =
        JsonDocument::Parse(NullForPythonNonFinite(line), path, number).Root();
    ServingRunRows(SglangRun(run_json), path, options, &result);
    ++runs;
  }
  if (runs == 0) throw InputError({path, 1, ""}, "no runs: the file has no JSON lines");
  return result;
}

}  // namespace rightsize
