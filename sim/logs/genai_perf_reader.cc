// NVIDIA GenAI-Perf `genai-perf profile` export, ARTIFACT_DIR/profile_export_genai_perf.json
// (genai-perf/genai_perf/export_data/json_exporter.py in triton-inference-server/perf_analyzer:
// the statistics dict, one object per metric with unit, avg, min, max, p25...p99, std, then
// "input_config", the parsed command-line arguments). Keys used:
//   time_to_first_token.p50, inter_token_latency.p50 (with their unit: ms, s, us or ns; GenAI-Perf
//   writes ms), input_sequence_length.avg, output_sequence_length.avg (measured tokens),
//   from input_config the model, the concurrency (none for a --request-rate run), the service
//   kind and the backend, in either of its two layouts (ReadGenaiPerfConfig).
// GenAI-Perf's inter-token latency is (request latency - TTFT) / (output tokens - 1) per request,
// the time per output token after the first. The rows are ServingRunRows' (serving_run.h): the
// running batch is the concurrency; a request-rate run has none and gives no TPOT row. The
// export names no GPU: --hardware is required; the precision is the model's bf16. Engine: the
// Triton backend ("vllm", "tensorrtllm") when service_kind is triton, else "genai-perf" (an
// OpenAI-compatible server GenAI-Perf does not name; pass --engine).
// NVIDIA AIPerf, GenAI-Perf's successor, writes the same statistics (same keys, units and
// inter-token latency) to ARTIFACT_DIR/profile_export_aiperf.json with its own input_config
// (ReadAiperfConfig); its rows have format "aiperf".
// The CSV exports (profile_export_genai_perf.csv, profile_export_aiperf.csv) have the same
// statistics but neither the concurrency nor the model: genai_perf_csv_reader.cc reads them.
#include <limits>

#include "sim/logs/readers.h"
#include "sim/logs/serving_run.h"
#include "sim/util/json_reader.h"

namespace rightsize {
namespace {

// Seconds per unit of a GenAI-Perf latency statistic; InputError for a unit it does not use.
double GenaiPerfSecondsPer(const JsonValue& metric) {
  const std::string unit = metric.OptionalString("unit", "ms");
  if (unit == "ms") return 1e-3;
  if (unit == "s" || unit == "sec") return 1.0;
  if (unit == "us") return 1e-6;
  if (unit == "ns") return 1e-9;
  throw InputError(metric.Where("unit"), "unknown latency unit '" + unit + "' (ms, s, us, ns)");
}

// The p50 of a latency metric in seconds, or nullopt when the export lacks it (non-streaming
// runs have no TTFT or inter-token latency).
std::optional<double> GenaiPerfMedian_s(const JsonValue& doc, const std::string& name,
                                        SourceLocation* where) {
  const std::optional<JsonValue> metric = doc.MaybeChild(name);
  *where = doc.Where(name);
  if (!metric) return std::nullopt;
  if (!metric->IsObject()) metric->Fail("expected an object of statistics");
  *where = metric->Where("p50");
  const double kHuge = std::numeric_limits<double>::max();
  return metric->RequiredDouble("p50", -kHuge, kHuge) * GenaiPerfSecondsPer(*metric);
}

double GenaiPerfAverage(const JsonValue& doc, const std::string& name, SourceLocation* where) {
  const JsonValue metric = doc.Child(name);
  if (!metric.IsObject()) metric.Fail("expected an object of statistics");
  *where = metric.Where("avg");
  return metric.RequiredDouble("avg", 0.0, std::numeric_limits<double>::max());
}

// The model named in input_config: `model` (a list of the -m names, or one name) in the
// argument layout, `model_names` in the config-file layout.
void ReadGenaiPerfModel(const JsonValue& config, ServingRun* run) {
  const std::string key = config.Has("model_names") ? "model_names" : "model";
  run->model_where = config.Where(key);
  const JsonValue model = config.Child(key);
  if (!model.IsArray()) {
    run->model_name = model.AsString();
    return;
  }
  const std::vector<JsonValue> names = model.Elements();
  if (names.size() != 1) model.Fail("expected one model, got " + std::to_string(names.size()));
  run->model_name = names[0].AsString();
}

// AIPerf's input_config: endpoint.model_names, and loadgen.concurrency unless loadgen.request_rate
// is set (a paced run, where a concurrency is only a cap and the running batch is unknown). AIPerf
// names no server: the engine is "aiperf" (pass --engine).
void ReadAiperfConfig(const JsonValue& config, ServingRun* run) {
  run->format = "aiperf";
  run->engine = "aiperf";
  const JsonValue endpoint = config.Child("endpoint");
  if (!endpoint.IsObject()) endpoint.Fail("expected an object");
  ReadGenaiPerfModel(endpoint, run);
  const JsonValue loadgen = config.Child("loadgen");
  if (!loadgen.IsObject()) loadgen.Fail("expected an object");
  const bool paced = loadgen.Has("request_rate") && !loadgen.Child("request_rate").IsNull();
  run->no_batch_reason =
      paced ? "loadgen.request_rate is set (a paced run): the running batch behind this TPOT is "
              "unknown"
            : "no loadgen.concurrency: the running batch behind this TPOT is unknown";
  if (!paced) run->running_batch = loadgen.OptionalInt("concurrency", 0, 0, kMaxLogBatch);
}

// Model name, engine and running batch from input_config, in any of its layouts: the parsed
// arguments (genai-perf up to 0.0.12: service_kind, backend, concurrency at the top), the
// config-file sections (0.0.13 on: endpoint.service_kind, endpoint.backend,
// perf_analyzer.stimulus {"concurrency": N} or {"request_rate": R}), or AIPerf's (a `loadgen`
// section; ReadAiperfConfig).
void ReadGenaiPerfConfig(const JsonValue& config, ServingRun* run) {
  if (!config.IsObject()) config.Fail("expected an object (the profile arguments)");
  if (config.Has("loadgen")) {
    ReadAiperfConfig(config, run);
    return;
  }
  ReadGenaiPerfModel(config, run);
  const bool sections = config.Has("endpoint") && config.Child("endpoint").IsObject();
  const JsonValue endpoint = sections ? config.Child("endpoint") : config;
  const bool triton = endpoint.OptionalString("service_kind", "") == "triton";
  run->engine = triton ? endpoint.OptionalString("backend", "triton") : "genai-perf";
  run->no_batch_reason =
      "no concurrency in input_config (a request-rate run): the running batch behind this TPOT "
      "is unknown";
  if (!sections) {
    run->running_batch = config.OptionalInt("concurrency", 0, 0, kMaxLogBatch);
    return;
  }
  const JsonValue perf_analyzer = config.Child("perf_analyzer");
  if (!perf_analyzer.IsObject()) perf_analyzer.Fail("expected an object");
  const JsonValue stimulus = perf_analyzer.Child("stimulus");
  if (!stimulus.IsObject()) stimulus.Fail("expected an object such as {\"concurrency\": 4}");
  run->running_batch = stimulus.OptionalInt("concurrency", 0, 0, kMaxLogBatch);
}

}  // namespace

LogReadResult ReadGenaiPerfJson(const std::string& path, const LogReadOptions& options) {
  const JsonValue doc = JsonDocument::Load(path).Root();
  if (!doc.IsObject()) {
    doc.Fail(
        "expected one JSON object (profile_export_genai_perf.json or profile_export_aiperf.json)");
  }
  ServingRun run;
  run.format = "genai-perf";
  ReadGenaiPerfConfig(doc.Child("input_config"), &run);
  run.mean_input_tokens = GenaiPerfAverage(doc, "input_sequence_length", &run.input_where);
  run.mean_output_tokens = GenaiPerfAverage(doc, "output_sequence_length", &run.output_where);
  run.tpot_s = GenaiPerfMedian_s(doc, "inter_token_latency", &run.tpot_where);
  run.tpot_missing = "no inter_token_latency (a run without --streaming)";
  run.ttft_s = GenaiPerfMedian_s(doc, "time_to_first_token", &run.ttft_where);
  run.ttft_missing = "no time_to_first_token (a run without --streaming)";
  LogReadResult result;
  ServingRunRows(run, path, options, &result);
  return result;
}

}  // namespace rightsize
