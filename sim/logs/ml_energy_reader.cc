// ML.ENERGY leaderboard rows (data/runs/ml-energy-leaderboard-v*/PROVENANCE.md):
//  v2 (llm_runs.csv, vLLM 0.4.2, A100-SXM4-40GB / H100 SXM): "Avg BS (reqs)", "Token tput (tok/s)".
//  v3 (llm_configurations.csv, vLLM 0.11.1, H100 / B200): avg_batch_size,
//     output_throughput_tokens_per_sec.
// Both become the mean step time at the measured running batch: running batch / output tokens
// per second (every running sequence gains one token per step). That is the step that sets
// throughput, which is what a plan prices. The published latencies are not: v3's median ITL
// skips the slower steps that carry chunked prefills (5-45% below the mean step), and v2's
// per-request "Avg TPOT" falls to half the throughput-implied step at the largest batches
// (Gemma-2-2B at 1,476 running requests: 0.284 s vs 0.554 s), where the reported running batch
// counts requests that are not decoding. Each row becomes one decode step of the measured running
// batch (rounded to a whole number of sequences). Under continuous batching that step also carries
// the prefill chunks vLLM interleaves with decoding and the host's per-sequence work; the fitted
// efficiencies and sequence_overhead_s absorb them, which is why ML.ENERGY rows are calibrated per
// engine.
//
// Neither version records prompt lengths (they are a property of the task's dataset), so the
// KV context of the average step is ASSUMED: kAssumedPromptTokens[task] + half the mean output
// length (the mean position of a generated token). The assumed prompts are round figures from
// the datasets' descriptions, not measurements; docs/calibration.md lists them as a caveat.
//
// Source anomalies: a run is skipped, with both times in the reason, when another run of the same
// model, task, precision and max batch had no more GPUs, no more aggregate peak FLOP/s and no
// more aggregate memory bandwidth, yet was more than kAnomalyFactor times faster. No device-side
// term makes more hardware with less to coordinate that much slower, so such a run measured
// something else (v3: the B200 GPQA runs of Qwen3-8B / 14B / 32B / 30B-A3B, 1.5-3.3x slower at
// batch 8-64 than on one or two H100s). Counted with the other skipped rows.
#include <cmath>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "sim/logs/readers.h"
#include "sim/util/csv.h"
#include "sim/util/integers.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

const std::map<std::string, int64_t>& AssumedPromptTokens() {
  static const std::map<std::string, int64_t> prompts = {
      {"chat", 256},              // v2 chat (ShareGPT-style conversations)
      {"code", 512},              // v2 code completion
      {"lm-arena-chat", 256},     // LMArena human prompts are mostly short
      {"gpqa", 256},              // GPQA diamond questions + instructions
      {"sourcegraph-fim", 2048},  // fill-in-the-middle carries file context
  };
  return prompts;
}

// The checkpoints the reader maps: bf16, fp16 and fp8 (log spellings through
// PrecisionFromLogName). An mxfp4 row is gpt-oss as released, a per-tensor mix the reader does
// not map yet: nullopt, and the row is skipped with its precision.
std::optional<Precision> MappedWeightPrecision(const std::string& text) {
  const std::optional<Precision> p = PrecisionFromLogName(text);
  if (p == Precision::kBf16 || p == Precision::kFp16 || p == Precision::kFp8) return p;
  return std::nullopt;
}

// How much slower than the same configuration on less hardware a run may be before it counts as
// a source anomaly (see the file comment). 1.5: host differences between two machines
// (sequence_overhead_s) move a step by tens of percent, not by half again.
constexpr double kAnomalyFactor = 1.5;

// A mapped row before the anomaly check: what it ran (model, task, precision, max batch), on
// which device and how many of them.
struct MappedRow {
  Measurement measurement;
  std::string configuration;
  const HardwareSpec* hardware = nullptr;
  double devices = 1.0;
};

// Whether run a had at least the aggregate peak FLOP/s and bandwidth of run b on no more GPUs.
bool HasMoreHardware(const MappedRow& a, const MappedRow& b) {
  const Precision weights = a.measurement.workload.weights;
  const double peak_a = a.devices * a.hardware->PeakFlopsPerS(weights, weights);
  const double peak_b = b.devices * b.hardware->PeakFlopsPerS(weights, weights);
  return a.hardware->id != b.hardware->id && a.devices <= b.devices && peak_a >= peak_b &&
         a.devices * a.hardware->memory_bandwidth_bytes_per_s >=
             b.devices * b.hardware->memory_bandwidth_bytes_per_s;
}

// A run of the same configuration on no more hardware that was kAnomalyFactor times faster than
// `row`, or nullptr.
const MappedRow* FasterOnLessHardware(const MappedRow& row, const std::vector<MappedRow>& all) {
  if (!row.hardware) return nullptr;
  for (const MappedRow& other : all) {
    if (other.configuration == row.configuration && other.hardware && HasMoreHardware(row, other) &&
        row.measurement.interval_time_s > kAnomalyFactor * other.measurement.interval_time_s) {
      return &other;
    }
  }
  return nullptr;
}

struct Layout {
  bool v3 = false;
  std::string model, gpu, task, batch, output_len, throughput, tp;
};

// The columns of a v2 or v3 file; InputError naming the file and the first missing column.
Layout LayoutOf(const CsvTable& t) {
  Layout l;
  if (t.HasColumn("median_itl_ms")) {
    l = {true,
         "model_id",
         "gpu_model",
         "task",
         "avg_batch_size",
         "avg_output_len",
         "output_throughput_tokens_per_sec",
         "tensor_parallel"};
  } else {
    l = {false, "Model", "GPU", "task", "Avg BS (reqs)", "Avg Output Tokens", "Token tput (tok/s)",
         "TP"};
  }
  for (const std::string& c : {l.model, l.gpu, l.task, l.batch, l.output_len, l.throughput, l.tp}) {
    t.ColumnIndex(c);  // names the file and the missing column
  }
  return l;
}

// One row as a decode-step measurement, or nullopt after recording why it was skipped.
std::optional<MappedRow> MapRow(const CsvTable& t, const CsvRow& row, const Layout& l,
                                const std::string& engine, const LogReadOptions& options,
                                LogReadResult* out) {
  LogReadResult& result = *out;
  const Catalog& catalog = options.GetCatalog();
  const std::string model_name = Trim(t.Cell(row, l.model));
  const std::string task = Trim(t.Cell(row, l.task));
  const double avg_batch = t.Number(row, l.batch);
  RequirePositive(avg_batch, t.Where(row, l.batch), l.batch);
  const double tokens_per_s = t.Number(row, l.throughput);
  RequirePositive(tokens_per_s, t.Where(row, l.throughput), l.throughput);
  const double step_s = avg_batch / tokens_per_s;  // mean step at the running batch
  const double output_len = t.Number(row, l.output_len);
  RequirePositive(output_len, t.Where(row, l.output_len), l.output_len);

  if (!l.v3 && t.HasColumn("category") && Trim(t.Cell(row, "category")) != "llm_text_generation") {
    SkipRow(options, &result, t.Where(row, "category"),
            "multimodal row: image tokens per request are not recorded", SkipKind::kOther,
            "multimodal row");
    return std::nullopt;
  }
  const auto prompt = AssumedPromptTokens().find(task);
  if (prompt == AssumedPromptTokens().end()) {
    SkipRow(options, &result, t.Where(row, l.task),
            "task '" + task + "' has no assumed prompt length (multimodal or unknown)",
            SkipKind::kOther, "task has no assumed prompt length (multimodal or unknown)");
    return std::nullopt;
  }
  const std::string device = Trim(t.Cell(row, l.gpu));
  const auto hardware = MapHardwareOrSkip(options, device, t.Where(row, l.gpu), &result);
  if (!hardware) return std::nullopt;
  const auto model_id = MapModelOrSkip(options, model_name, t.Where(row, l.model), &result);
  if (!model_id) return std::nullopt;
  Workload w;
  w.engine = engine;
  w.parallel.tensor = static_cast<int>(t.Integer(row, l.tp, 1, kMaxLogParallel));
  if (l.v3) {
    const std::optional<Precision> weights = MappedWeightPrecision(t.Cell(row, "weight_precision"));
    if (!weights) {
      SkipRow(options, &result, t.Where(row, "weight_precision"),
              "weight precision '" + t.Cell(row, "weight_precision") + "' is not modelled",
              SkipKind::kOther, "weight precision is not modelled");
      return std::nullopt;
    }
    w.weights = *weights;
    if (t.Number(row, "data_parallel") != 1) {
      SkipRow(options, &result, t.Where(row, "data_parallel"),
              "data-parallel attention: the per-replica batch is not recorded", SkipKind::kOther,
              "data-parallel attention");
      return std::nullopt;
    }
    w.parallel.expert = static_cast<int>(t.Integer(row, "expert_parallel", 1, kMaxLogParallel));
  } else {
    if (t.HasColumn("PP") && t.Number(row, "PP") != 1) {
      SkipRow(options, &result, t.Where(row, "PP"), "pipeline-parallel rows are not modelled here");
      return std::nullopt;
    }
  }
  // Activations follow the weights except for FP8 checkpoints, whose non-GEMM work is bf16.
  w.activations = w.weights == Precision::kFp8 ? Precision::kBf16 : w.weights;
  w.kv_cache = w.activations;
  w.batch = RoundedInRange(std::max(1.0, avg_batch), 1, kMaxLogBatch, t.Where(row, l.batch));
  w.prompt_tokens = prompt->second;
  w.gen_tokens =
      RoundedInRange(std::max(1.0, output_len), 1, kMaxLogTokens, t.Where(row, l.output_len));
  const ModelSpec& model = catalog.Model(*model_id);
  const Step step = DecodeStep(w, w.prompt_tokens + w.gen_tokens / 2);
  Measurement m = MakeStepMeasurement(model, *hardware, w, step, MetricKind::kTpot, step_s,
                                      t.Where(row, l.throughput));
  m.format = "ml-energy";
  m.label += " task=" + task;
  std::string configuration = model_name + "|" + task;
  for (const char* column : {"weight_precision", "max_num_seqs", "Max BS (reqs)"}) {
    if (t.HasColumn(column)) configuration += "|" + Trim(t.Cell(row, column));
  }
  const double devices = l.v3 ? static_cast<double>(t.Integer(row, "num_gpus", 1, kMaxLogParallel))
                              : w.parallel.tensor;
  return MappedRow{std::move(m), std::move(configuration), options.FindHardware(*hardware),
                   devices};
}

// Moves every mapped row into `result`, except the source anomalies (see the file comment),
// which are skipped with both times in the reason.
void KeepAllButAnomalies(std::vector<MappedRow> mapped, const LogReadOptions& options,
                         LogReadResult* out) {
  LogReadResult& result = *out;
  // Decide every anomaly before moving any measurement out.
  std::vector<const MappedRow*> faster(mapped.size());
  for (size_t i = 0; i < mapped.size(); ++i) faster[i] = FasterOnLessHardware(mapped[i], mapped);
  for (size_t i = 0; i < mapped.size(); ++i) {
    MappedRow& row = mapped[i];
    if (faster[i]) {
      const Measurement& other = faster[i]->measurement;
      SkipRow(
          options, &result, row.measurement.where,
          fmt::format("source anomaly: {:.2f} ms per step on {} x {}, {:.1f}x the {:.2f} ms of the "
                      "same model, task and max batch on {} x {}, which has less peak FLOP/s "
                      "and bandwidth and no fewer GPUs to coordinate",
                      row.measurement.interval_time_s * 1e3, row.devices, row.hardware->id,
                      row.measurement.interval_time_s / other.interval_time_s,
                      other.interval_time_s * 1e3, faster[i]->devices, faster[i]->hardware->id),
          SkipKind::kOther, "source anomaly");
      continue;
    }
    result.measurements.push_back(std::move(row.measurement));
  }
}

}  // namespace

LogReadResult ReadMlEnergyCsv(const std::string& path, const LogReadOptions& options) {
  const CsvTable t = CsvTable::Load(path);
  const Layout l = LayoutOf(t);
  const std::string engine =
      options.engine.empty() ? (l.v3 ? "vllm-0.11.1" : "vllm-0.4.2") : options.engine;
  LogReadResult result;
  std::vector<MappedRow> mapped;
  for (const CsvRow& row : t.rows()) {
    if (auto m = MapRow(t, row, l, engine, options, &result)) mapped.push_back(std::move(*m));
  }
  KeepAllButAnomalies(std::move(mapped), options, &result);
  return result;
}

}  // namespace rightsize
