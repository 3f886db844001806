// ML.ENERGY leaderboard rows (data/runs/ml-energy/PROVENANCE.md):
//  v2 (llm_runs.csv, vLLM 0.4.2, A100-SXM4-40GB / H100 SXM): "Avg TPOT (s)" at "Avg BS (reqs)".
//  v3 (llm_configurations.csv, vLLM 0.11.1, H100 / B200): median_itl_ms at avg_batch_size.
// Each row becomes one decode step of the measured running batch (rounded to a whole number of
// sequences) whose time is the per-token latency. Under continuous batching that latency also
// carries the prefill chunks vLLM interleaves with decoding; the fitted decode efficiency
// absorbs that, which is why ML.ENERGY rows are calibrated as their own engine group.
//
// Neither version records prompt lengths (they are a property of the task's dataset), so the
// KV context of the average step is ASSUMED: kAssumedPromptTokens[task] + half the mean output
// length (the mean position of a generated token). The assumed prompts are round figures from
// the datasets' descriptions, not measurements; docs/calibration.md lists them as a caveat.
#include <cmath>
#include <map>

#include "sim/logs/readers.h"
#include "sim/util/csv.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

const std::map<std::string, int64_t>& AssumedPromptTokens() {
  static const std::map<std::string, int64_t> prompts = {
      {"chat", 256},           // v2 chat (ShareGPT-style conversations)
      {"code", 512},           // v2 code completion
      {"lm-arena-chat", 256},  // LMArena human prompts are mostly short
      {"gpqa", 256},           // GPQA diamond questions + instructions
      {"sourcegraph-fim", 2048},  // fill-in-the-middle carries file context
  };
  return prompts;
}

Precision ParseWeightPrecision(const std::string& text, bool* known) {
  const std::string v = ToLower(Trim(text));
  *known = true;
  if (v == "bfloat16" || v == "bf16") return Precision::kBf16;
  if (v == "float16" || v == "fp16") return Precision::kFp16;
  if (v == "fp8") return Precision::kFp8;
  *known = false;
  return Precision::kBf16;
}

struct Layout {
  bool v3 = false;
  std::string model, gpu, task, batch, output_len, latency, tp;
  double latency_to_s = 1.0;
};

}  // namespace

LogReadResult ReadMlEnergyCsv(const std::string& path, const LogReadOptions& options) {
  const CsvTable t = CsvTable::Load(path);
  Layout l;
  if (t.HasColumn("median_itl_ms")) {
    l = {true, "model_id", "gpu_model", "task", "avg_batch_size", "avg_output_len",
         "median_itl_ms", "tensor_parallel", 1e-3};
  } else {
    l = {false, "Model", "GPU", "task", "Avg BS (reqs)", "Avg Output Tokens", "Avg TPOT (s)", "TP",
         1.0};
  }
  for (const std::string& c : {l.model, l.gpu, l.task, l.batch, l.output_len, l.latency, l.tp}) {
    t.ColumnIndex(c);  // names the file and the missing column
  }
  const std::string engine =
      options.engine.empty() ? (l.v3 ? "vllm-0.11.1" : "vllm-0.4.2") : options.engine;

  LogReadResult result;
  const Catalog& catalog = options.GetCatalog();
  for (const CsvRow& row : t.rows()) {
    const std::string model_name = Trim(t.Cell(row, l.model));
    const std::string task = Trim(t.Cell(row, l.task));
    const double latency_s = t.Number(row, l.latency) * l.latency_to_s;
    RequirePositive(latency_s, t.Where(row, l.latency), l.latency);
    const double avg_batch = t.Number(row, l.batch);
    RequirePositive(avg_batch, t.Where(row, l.batch), l.batch);
    const double output_len = t.Number(row, l.output_len);
    RequirePositive(output_len, t.Where(row, l.output_len), l.output_len);

    if (!l.v3 && t.HasColumn("category") && Trim(t.Cell(row, "category")) != "llm_text_generation") {
      SkipRow(options, &result, t.Where(row, "category"),
              "multimodal row: image tokens per request are not recorded");
      continue;
    }
    const auto prompt = AssumedPromptTokens().find(task);
    if (prompt == AssumedPromptTokens().end()) {
      SkipRow(options, &result, t.Where(row, l.task),
              "task '" + task + "' has no assumed prompt length (multimodal or unknown)");
      continue;
    }
    const std::string device = Trim(t.Cell(row, l.gpu));
    const auto hardware = options.MapHardware(device);
    if (!hardware) {
      SkipRow(options, &result, t.Where(row, l.gpu),
              "unknown GPU '" + device + "'" + Hint(DidYouMean(device, catalog.HardwareIds())) +
                  " (add a models/hardware YAML or pass --hardware)");
      continue;
    }
    const auto model_id = options.MapModel(model_name);
    if (!model_id) {
      SkipRow(options, &result, t.Where(row, l.model),
              "model '" + model_name + "' is not in the catalogue" +
                  Hint(DidYouMean(model_name, catalog.ModelIds())) + " (or pass --model)");
      continue;
    }

    Workload w;
    w.engine = engine;
    w.parallel.tensor = static_cast<int>(t.Number(row, l.tp));
    if (l.v3) {
      bool known = false;
      w.weights = ParseWeightPrecision(t.Cell(row, "weight_precision"), &known);
      if (!known) {
        SkipRow(options, &result, t.Where(row, "weight_precision"),
                "weight precision '" + t.Cell(row, "weight_precision") + "' is not modelled");
        continue;
      }
      if (t.Number(row, "data_parallel") != 1) {
        SkipRow(options, &result, t.Where(row, "data_parallel"),
                "data-parallel attention: the per-replica batch is not recorded");
        continue;
      }
      w.parallel.expert = static_cast<int>(t.Number(row, "expert_parallel"));
    } else {
      if (t.HasColumn("PP") && t.Number(row, "PP") != 1) {
        SkipRow(options, &result, t.Where(row, "PP"), "pipeline-parallel rows are not modelled here");
        continue;
      }
    }
    // Activations follow the weights except for FP8 checkpoints, whose non-GEMM work is bf16.
    w.activations = w.weights == Precision::kFp8 ? Precision::kBf16 : w.weights;
    w.kv_cache = w.activations;
    w.batch = std::max<int64_t>(1, std::llround(avg_batch));
    w.prompt_tokens = prompt->second;
    w.gen_tokens = std::max<int64_t>(1, std::llround(output_len));
    const ModelSpec& model = catalog.Model(*model_id);
    const Step step = DecodeStep(w, w.prompt_tokens + w.gen_tokens / 2);
    Measurement m = MakeStepMeasurement(model, *hardware, w, step, MetricKind::kTpot, latency_s,
                                        t.Where(row, l.latency));
    m.format = "ml-energy";
    m.label += " task=" + task;
    result.measurements.push_back(std::move(m));
  }
  return result;
}

}  // namespace rightsize
