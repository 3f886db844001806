// vLLM benchmarks/benchmark_serving.py --save-result JSON. Keys used: model_id, completed,
// total_input_tokens, total_output_tokens, max_concurrency, median_ttft_ms, median_tpot_ms.
// The file names neither the GPU nor the precision, so --hardware is required and the
// precision is the model's bf16 unless the workload says otherwise.
//  - TPOT -> one decode step of max_concurrency sequences at the mean context (mean input +
//    half the mean output). Without max_concurrency (an open-loop request rate) the running
//    batch is unknown and the TPOT is skipped with that reason.
//  - TTFT -> a prefill of the mean input, only when max_concurrency is 1: with more requests in
//    flight TTFT includes queueing and batching that one step does not describe.
#include <cmath>

#include <nlohmann/json.hpp>

#include "sim/logs/readers.h"
#include "sim/util/file_io.h"

namespace rightsize {
namespace {

using Json = nlohmann::json;

double Field(const Json& doc, const std::string& key, const std::string& file) {
  if (!doc.contains(key)) throw InputError({file, 0, key}, "missing key (is this benchmark_serving output?)");
  if (!doc[key].is_number()) throw InputError({file, 0, key}, "expected a number, got " + doc[key].dump());
  const double v = doc[key].get<double>();
  if (!std::isfinite(v)) throw InputError({file, 0, key}, "value is not finite");
  return v;
}

}  // namespace

LogReadResult ReadVllmServingJson(const std::string& path, const LogReadOptions& options) {
  const std::string text = ReadTextFile(path);
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw InputError({path, 0, ""}, std::string("malformed or truncated JSON: ") + e.what());
  }
  if (!doc.is_object()) throw InputError({path, 1, ""}, "expected one JSON object");
  LogReadResult result;
  const Catalog& catalog = options.GetCatalog();
  const std::string model_name = doc.value("model_id", std::string());
  const auto model_id = options.MapModel(model_name);
  if (!model_id) {
    SkipRow(options, &result, {path, 0, "model_id"},
            "model '" + model_name + "' is not in the catalogue; pass --model ID", SkipKind::kUnknownModel);
    return result;
  }
  if (options.hardware_id.empty()) {
    throw InputError({path, 0, ""}, "benchmark_serving results do not name the GPU; pass --hardware ID");
  }
  const auto hardware = options.MapHardware("");
  const double completed = Field(doc, "completed", path);
  RequirePositive(completed, {path, 0, "completed"}, "completed");
  const double mean_in = Field(doc, "total_input_tokens", path) / completed;
  const double mean_out = Field(doc, "total_output_tokens", path) / completed;
  RequirePositive(mean_in, {path, 0, "total_input_tokens"}, "mean input tokens");
  RequirePositive(mean_out, {path, 0, "total_output_tokens"}, "mean output tokens");
  const bool has_concurrency = doc.contains("max_concurrency") && doc["max_concurrency"].is_number();
  const int64_t concurrency = has_concurrency ? doc["max_concurrency"].get<int64_t>() : 0;

  Workload w;
  w.engine = options.engine.empty() ? "vllm-" + doc.value("backend", std::string("vllm")) : options.engine;
  w.batch = std::max<int64_t>(1, concurrency);
  w.prompt_tokens = std::max<int64_t>(1, std::llround(mean_in));
  w.gen_tokens = std::max<int64_t>(1, std::llround(mean_out));
  const ModelSpec& model = catalog.Model(*model_id);

  const double tpot_s = Field(doc, "median_tpot_ms", path) * 1e-3;
  if (has_concurrency && concurrency >= 1) {
    Measurement m = MakeStepMeasurement(model, *hardware, w, DecodeStep(w, w.prompt_tokens + w.gen_tokens / 2),
                                        MetricKind::kTpot, tpot_s, {path, 0, "median_tpot_ms"});
    m.format = "vllm";
    result.measurements.push_back(std::move(m));
  } else {
    SkipRow(options, &result, {path, 0, "median_tpot_ms"},
            "no max_concurrency: the running batch behind this TPOT is unknown");
  }
  const double ttft_s = Field(doc, "median_ttft_ms", path) * 1e-3;
  if (concurrency == 1) {
    Workload one = w;
    one.batch = 1;
    Measurement m = MakeStepMeasurement(model, *hardware, one, PrefillStep(one), MetricKind::kTtft,
                                        ttft_s, {path, 0, "median_ttft_ms"});
    m.format = "vllm";
    result.measurements.push_back(std::move(m));
  } else {
    SkipRow(options, &result, {path, 0, "median_ttft_ms"},
            "TTFT with more than one request in flight includes queueing; not one prefill step");
  }
  return result;
}

}  // namespace rightsize
