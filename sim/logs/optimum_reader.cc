// optimum-benchmark short_report.csv (huggingface/optimum-benchmark examples/running-llamas;
// data/runs/optimum-benchmark/PROVENANCE.md): transformers generate() with a static batch.
//
// Each row gives two measurements:
//  - prefill: "Prefill Latency (s)" = one forward pass over batch x "Sequence Length" tokens;
//  - decode:  "Decode Latency (s)" = the remaining new_tokens - 1 steps after the first token
//             (optimum's decode = generate - prefill), so one step = latency / (new_tokens - 1),
//             priced at the mean context prompt + new_tokens / 2.
// new_tokens is not a column of the short report; it comes from the full report's
// benchmark.new_tokens when a full_report.csv sits beside the file, else the examples' 512.
#include <cmath>
#include <filesystem>

#include "sim/logs/readers.h"
#include "sim/util/csv.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

// examples/running-llamas configs: benchmark.new_tokens = 512 (also in full_report.csv).
constexpr int64_t kDefaultNewTokens = 512;

int64_t NewTokensBeside(const std::string& path) {
  const auto full = std::filesystem::path(path).parent_path() / "full_report.csv";
  std::error_code error;
  if (!std::filesystem::exists(full, error)) return kDefaultNewTokens;
  const CsvTable t = CsvTable::Load(full.string());
  if (!t.HasColumn("benchmark.new_tokens") || t.rows().empty()) return kDefaultNewTokens;
  const int64_t n = t.Integer(t.rows().front(), "benchmark.new_tokens", 2, kMaxLogTokens);
  for (const CsvRow& row : t.rows()) {
    if (t.Integer(row, "benchmark.new_tokens", 2, kMaxLogTokens) != n) {
      throw InputError(t.Where(row, "benchmark.new_tokens"),
                       "runs with different new_tokens in one report are not supported");
    }
  }
  return n;
}

// "['NVIDIA A100-SXM4-80GB']" -> {"NVIDIA A100-SXM4-80GB"}
std::vector<std::string> ParseGpuList(const std::string& text) {
  std::vector<std::string> out;
  std::string inner = Trim(text);
  if (!inner.empty() && inner.front() == '[') inner = inner.substr(1);
  if (!inner.empty() && inner.back() == ']') inner.pop_back();
  for (std::string item : Split(inner, ',')) {
    item = Trim(item);
    if (item.size() >= 2 && (item.front() == '\'' || item.front() == '"')) {
      item = item.substr(1, item.size() - 2);
    }
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace

LogReadResult ReadOptimumCsv(const std::string& path, const LogReadOptions& options) {
  const CsvTable t = CsvTable::Load(path);
  for (const char* c : {"Model", "GPUs", "Experiment Name", "Per Process Batch Size",
                        "Sequence Length", "Decode Latency (s)", "Prefill Latency (s)"}) {
    t.ColumnIndex(c);
  }
  const int64_t new_tokens = NewTokensBeside(path);
  LogReadResult result;
  const Catalog& catalog = options.GetCatalog();
  for (const CsvRow& row : t.rows()) {
    const double prefill_s = t.Number(row, "Prefill Latency (s)");
    RequirePositive(prefill_s, t.Where(row, "Prefill Latency (s)"), "Prefill Latency (s)");
    const double decode_s = t.Number(row, "Decode Latency (s)");
    RequirePositive(decode_s, t.Where(row, "Decode Latency (s)"), "Decode Latency (s)");
    const int64_t batch = t.Integer(row, "Per Process Batch Size", 1, kMaxLogBatch);
    const int64_t prompt = t.Integer(row, "Sequence Length", 1, kMaxLogTokens);

    const auto gpus = ParseGpuList(t.Cell(row, "GPUs"));
    if (gpus.size() != 1 && options.hardware_id.empty()) {
      SkipRow(options, &result, t.Where(row, "GPUs"),
              "expected one GPU, got '" + t.Cell(row, "GPUs") + "'", SkipKind::kOther,
              "more than one GPU");
      continue;
    }
    const std::string device = gpus.empty() ? "" : gpus.front();
    const auto hardware = MapHardwareOrSkip(options, device, t.Where(row, "GPUs"), &result);
    if (!hardware) continue;
    const std::string model_name = Trim(t.Cell(row, "Model"));
    const auto model_id = MapModelOrSkip(options, model_name, t.Where(row, "Model"), &result);
    if (!model_id) continue;
    const std::string experiment = Trim(t.Cell(row, "Experiment Name"));
    Workload w;
    w.engine = options.engine.empty() ? "hf-transformers-" + experiment : options.engine;
    w.activations = w.kv_cache = Precision::kFp16;
    // GPTQ checkpoints are 4-bit weight-only (TheBloke/*-GPTQ, group size 128).
    w.weights = experiment.find("gptq") != std::string::npos ? Precision::kInt4 : Precision::kFp16;
    w.batch = batch;
    w.prompt_tokens = prompt;
    w.gen_tokens = new_tokens;
    const ModelSpec& model = catalog.Model(*model_id);

    Measurement pre =
        MakeStepMeasurement(model, *hardware, w, PrefillStep(w), MetricKind::kStepTime, prefill_s,
                            t.Where(row, "Prefill Latency (s)"));
    pre.format = "optimum";
    result.measurements.push_back(std::move(pre));
    const double step_s = decode_s / static_cast<double>(new_tokens - 1);
    Measurement dec =
        MakeStepMeasurement(model, *hardware, w, DecodeStep(w, w.prompt_tokens + new_tokens / 2),
                            MetricKind::kStepTime, step_s, t.Where(row, "Decode Latency (s)"));
    dec.format = "optimum";
    result.measurements.push_back(std::move(dec));
  }
  return result;
}

}  // namespace rightsize
