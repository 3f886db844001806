// vLLM benchmarks/benchmark_serving.py --save-result JSON. Keys used: model_id, completed,
// total_input_tokens, total_output_tokens, max_concurrency, median_ttft_ms, median_tpot_ms.
// The file names neither the GPU nor the precision, so --hardware is required and the
// precision is the model's bf16 unless the workload says otherwise.
//  - TPOT -> one decode step of max_concurrency sequences at the mean context (mean input +
//    half the mean output). Without max_concurrency (an open-loop request rate) the running
//    batch is unknown and the TPOT is skipped with that reason.
//  - TTFT -> a prefill of the mean input, only when max_concurrency is 1: with more requests in
//    flight TTFT includes queueing and batching that one step does not describe.
#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/logs/readers.h"
#include "sim/util/integers.h"
#include "sim/util/json_reader.h"

namespace rightsize {

LogReadResult ReadVllmServingJson(const std::string& path, const LogReadOptions& options) {
  const JsonValue doc = JsonDocument::Load(path).Root();
  if (!doc.IsObject()) doc.Fail("expected one JSON object");
  const double kHuge = std::numeric_limits<double>::max();
  LogReadResult result;
  const Catalog& catalog = options.GetCatalog();
  const std::string model_name = doc.OptionalString("model_id", "");
  const auto model_id = options.MapModel(model_name);
  if (!model_id) {
    SkipRow(options, &result, doc.Where("model_id"),
            "model '" + model_name + "' is not in the catalogue; pass --model ID",
            SkipKind::kUnknownModel);
    return result;
  }
  if (options.hardware_id.empty()) {
    throw InputError({path, 0, ""},
                     "benchmark_serving results do not name the GPU; pass --hardware ID");
  }
  const auto hardware = options.MapHardware("");
  const double completed = doc.RequiredDouble("completed", 0.0, kHuge);
  RequirePositive(completed, doc.Where("completed"), "completed");
  const double mean_in = doc.RequiredDouble("total_input_tokens", 0.0, kHuge) / completed;
  const double mean_out = doc.RequiredDouble("total_output_tokens", 0.0, kHuge) / completed;
  RequirePositive(mean_in, doc.Where("total_input_tokens"), "mean input tokens");
  RequirePositive(mean_out, doc.Where("total_output_tokens"), "mean output tokens");
  // null or absent: an open-loop request rate, the running batch is unknown.
  const int64_t concurrency = doc.OptionalInt("max_concurrency", 0, 0, kMaxLogBatch);

  Workload w;
  w.engine =
      options.engine.empty() ? "vllm-" + doc.OptionalString("backend", "vllm") : options.engine;
  w.batch = std::max<int64_t>(1, concurrency);
  w.prompt_tokens =
      RoundedInRange(std::max(1.0, mean_in), 1, kMaxLogTokens, doc.Where("total_input_tokens"));
  w.gen_tokens =
      RoundedInRange(std::max(1.0, mean_out), 1, kMaxLogTokens, doc.Where("total_output_tokens"));
  const ModelSpec& model = catalog.Model(*model_id);

  const double tpot_s = doc.RequiredDouble("median_tpot_ms", -kHuge, kHuge) * 1e-3;
  if (concurrency >= 1) {
    Measurement m =
        MakeStepMeasurement(model, *hardware, w, DecodeStep(w, w.prompt_tokens + w.gen_tokens / 2),
                            MetricKind::kTpot, tpot_s, doc.Where("median_tpot_ms"));
    m.format = "vllm";
    result.measurements.push_back(std::move(m));
  } else {
    SkipRow(options, &result, doc.Where("median_tpot_ms"),
            "no max_concurrency: the running batch behind this TPOT is unknown");
  }
  const double ttft_s = doc.RequiredDouble("median_ttft_ms", -kHuge, kHuge) * 1e-3;
  if (concurrency == 1) {
    Workload one = w;
    one.batch = 1;
    Measurement m = MakeStepMeasurement(model, *hardware, one, PrefillStep(one), MetricKind::kTtft,
                                        ttft_s, doc.Where("median_ttft_ms"));
    m.format = "vllm";
    result.measurements.push_back(std::move(m));
  } else {
    SkipRow(options, &result, doc.Where("median_ttft_ms"),
            "TTFT with more than one request in flight includes queueing; not one prefill step");
  }
  return result;
}

}  // namespace rightsize
