// Megatron training logs: a training step per row, measured as throughput per GPU.
//
// megatron-bridge  The Megatron-Bridge performance summary
// (data/runs/megatron-bridge-training-perf/
//   training_perf.csv): section, model, System (DGX-H100, DGX-B200, ...), #-GPUs, Precision, GBS,
//   MBS, Sequence Length, TP, PP, CP, VP, EP, tokens_per_sec_per_gpu_primary. Dense models only
//   (Megatron's expert parallelism spans data-parallel ranks, which rightsize does not map);
//   context parallelism and NVFP4 recipes are skipped with their reasons. The optimizer is
//   sharded over data parallel (Megatron's distributed optimizer = ZeRO-1); interleaving over VP
//   virtual stages divides the pipeline bubble by VP (Narayanan et al. 2021, Sec. 2.2).
// megatron-lm  Megatron-LM's H100 weak-scaling table (Megatron-Core r0.8,
//   data/runs/megatron-lm-training-mfu/): GPT models by their shapes, achieved model TFLOP/s per
//   GPU. The step time is recovered with the model-FLOP formula the table uses (Narayanan et al.
//   2021, Sec. 5.1, without the recomputation pass):
//     F = 72 B s l h^2 (1 + s / (6 h) + V / (12 l h)),   step_s = F / (tflops x gpus).
#include <algorithm>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "sim/logs/readers.h"
#include "sim/spec/precision.h"
#include "sim/util/csv.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

int64_t IntegerOr(const std::string& text, int64_t fallback) {
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  return end == text.c_str() ? fallback : v;
}

// A training-step measurement of `model` whose metric is work / (step x devices).
Measurement TrainingMeasurement(const ModelSpec& model, const std::string& hardware_id,
                                const Workload& w, int64_t microbatches, MetricKind metric,
                                double value, double work, double devices,
                                const SourceLocation& where) {
  Measurement m = MakeStepMeasurement(model, hardware_id, w, TrainStep(w), metric, value, where);
  m.work_per_interval = work;
  m.devices_per_interval = devices;
  m.interval_time_s = work / (value * devices);
  m.pipeline_microbatches = microbatches;
  return m;
}

// The GPT block Megatron-LM trains in its published scaling tables (GPT-2 / GPT-3 shape:
// multi-head attention, a plain 4h GELU MLP, LayerNorm, biases on every linear layer, tied
// embeddings), built from a row's shapes.
ModelSpec MegatronGpt(const std::string& name, int64_t layers, int64_t hidden, int64_t heads,
                      int64_t vocab, int64_t seq_len) {
  ModelSpec m;
  m.id = "megatron-gpt-" + name;
  m.name = "Megatron GPT " + name;
  m.num_layers = layers;
  m.d_model = hidden;
  m.num_heads = heads;
  m.num_kv_heads = heads;
  m.head_dim = hidden / heads;
  m.d_ff = 4 * hidden;
  m.vocab_size = vocab;
  m.tied_embeddings = true;
  m.mlp = MlpKind::kPlain;
  m.norm = NormKind::kLayerNorm;
  m.qkv_bias = m.o_bias = m.mlp_bias = true;
  m.max_context_tokens = seq_len;
  m.layer_attention.assign(static_cast<size_t>(layers), AttentionKind::kFull);
  return m;
}

}  // namespace

LogReadResult ReadMegatronBridgeCsv(const std::string& path, const LogReadOptions& options) {
  const CsvTable t = CsvTable::Load(path);
  const Catalog& catalog = options.GetCatalog();
  LogReadResult result;
  for (const CsvRow& row : t.rows()) {
    const std::string model_name = t.Cell(row, "model");
    if (model_name.find('(') != std::string::npos) {
      SkipRow(options, &result, t.Where(row, "model"), "variant row (dropless / tokendrop)");
      continue;
    }
    const auto model_id = MapModelOrSkip(options, model_name, t.Where(row, "model"), &result);
    if (!model_id) continue;
    const std::string system = t.Cell(row, "System");
    const auto hardware_id = MapHardwareOrSkip(options, system, t.Where(row, "System"), &result);
    if (!hardware_id) continue;
    const ModelSpec& model = catalog.Model(*model_id);
    const std::string precision = ToLower(t.Cell(row, "Precision"));
    // An empty precision cell (25.09 tables) is taken as BF16.
    const auto weights = precision.empty() ? std::optional<Precision>(Precision::kBf16)
                                           : PrecisionFromLogName(precision);
    // NVFP4 training recipes (fp4 GEMMs with bf16 layers kept by the recipe) are not modelled.
    if (!weights || IsFp4Format(*weights)) {
      SkipRow(options, &result, t.Where(row, "Precision"),
              t.Cell(row, "Precision") + " not modelled");
      continue;
    }
    if (model.IsMoe() || IntegerOr(t.Cell(row, "EP"), 1) > 1) {
      SkipRow(options, &result, t.Where(row, "EP"),
              "MoE: Megatron EP spans data-parallel ranks (not mapped)");
      continue;
    }
    if (IntegerOr(t.Cell(row, "CP"), 1) > 1) {
      SkipRow(options, &result, t.Where(row, "CP"), "context parallelism not modelled");
      continue;
    }
    const std::string section = ToLower(t.Cell(row, "section"));
    Workload w;
    w.mode = section.find("lora") != std::string::npos ? Mode::kFinetuneLora : Mode::kTraining;
    w.engine = options.engine.empty() ? "megatron-bridge" : options.engine;
    w.weights = *weights;
    w.activations = w.weights;
    const int64_t gpus = t.Integer(row, "#-GPUs", 1, kMaxDevices);
    w.parallel.tensor = static_cast<int>(t.Integer(row, "TP", 1, kMaxParallelDegree));
    w.parallel.pipeline = static_cast<int>(t.Integer(row, "PP", 1, kMaxParallelDegree));
    const int64_t per_replica = static_cast<int64_t>(w.parallel.tensor) * w.parallel.pipeline;
    if (gpus % per_replica != 0) {
      SkipRow(options, &result, t.Where(row, "#-GPUs"), "GPU count not a multiple of tp x pp");
      continue;
    }
    w.parallel.data = static_cast<int>(gpus / per_replica);
    const int64_t gbs = t.Integer(row, "GBS", 1, kMaxBatch);
    const int64_t mbs = t.Integer(row, "MBS", 1, kMaxBatch);
    w.prompt_tokens = t.Integer(row, "Sequence Length", 1, kMaxContextTokens);
    // Sequences per replica per step, in micro-batches of mbs.
    w.batch = std::max<int64_t>(1, gbs / w.parallel.data);
    const int64_t vp = IntegerOr(t.Cell(row, "VP"), 1);
    if (vp < 1 || vp > kMaxParallelDegree) {
      SkipRow(options, &result, t.Where(row, "VP"), "virtual pipeline stages VP out of range");
      continue;
    }
    const int64_t microbatches = std::max<int64_t>(1, w.batch / std::max<int64_t>(1, mbs)) * vp;
    w.micro_batch = std::clamp<int64_t>(mbs, 1, w.batch);
    w.zero_stage = 1;
    Measurement m = TrainingMeasurement(
        model, *hardware_id, w, microbatches, MetricKind::kTrainTokensPerSPerDevice,
        t.Number(row, "tokens_per_sec_per_gpu_primary"),
        static_cast<double>(w.batch * w.prompt_tokens), static_cast<double>(per_replica),
        t.Where(row, "tokens_per_sec_per_gpu_primary"));
    m.format = "megatron-bridge";
    m.label = fmt::format("{} gpus tp {} pp {} gbs {} {}", gpus, w.parallel.tensor,
                          w.parallel.pipeline, gbs, precision);
    result.measurements.push_back(std::move(m));
  }
  return result;
}

LogReadResult ReadMegatronLmCsv(const std::string& path, const LogReadOptions& options) {
  const CsvTable t = CsvTable::Load(path);
  LogReadResult result;
  for (const CsvRow& row : t.rows()) {
    const std::string gpu = t.Cell(row, "gpu");
    const auto hardware_id = MapHardwareOrSkip(options, gpu, t.Where(row, "gpu"), &result);
    if (!hardware_id) continue;
    // Model sizes bounded as the spec loaders bound them (no dimension of a real model is near).
    constexpr int64_t kMaxDimension = int64_t{1} << 24;
    const int64_t layers = t.Integer(row, "num_layers", 1, kMaxDimension);
    const int64_t hidden = t.Integer(row, "hidden_size", 1, kMaxDimension);
    const int64_t heads = t.Integer(row, "attention_heads", 1, kMaxDimension);
    const int64_t vocab = t.Integer(row, "vocab_size", 1, kMaxDimension);
    const int64_t seq = t.Integer(row, "seq_len", 1, kMaxContextTokens);
    const int64_t gpus = t.Integer(row, "num_gpus", 1, kMaxDevices);
    const int64_t global_batch = t.Integer(row, "batch_size_sequences", 1, kMaxBatch);
    const std::string size = t.Cell(row, "model_size");
    const ModelSpec model = MegatronGpt(size, layers, hidden, heads, vocab, seq);
    Workload w;
    w.mode = Mode::kTraining;
    w.engine = options.engine.empty() ? "megatron-lm" : options.engine;
    w.weights = w.activations = Precision::kBf16;
    // FlashAttention keeps no s x s score matrix, which is what selective recomputation models
    // (Korthikanti et al. 2022); its extra FLOPs are the attention core's, small at s = 4096.
    w.recompute = Recompute::kSelective;
    w.zero_stage = 1;  // distributed optimizer
    w.parallel.tensor = static_cast<int>(t.Integer(row, "tensor_mp_size", 1, kMaxParallelDegree));
    w.parallel.pipeline =
        static_cast<int>(t.Integer(row, "pipeline_mp_size", 1, kMaxParallelDegree));
    w.parallel.data = static_cast<int>(t.Integer(row, "data_parallel_size", 1, kMaxDevices));
    const int64_t per_replica = static_cast<int64_t>(w.parallel.tensor) * w.parallel.pipeline;
    if (per_replica * w.parallel.data != gpus || global_batch % w.parallel.data != 0) {
      SkipRow(options, &result, t.Where(row, "num_gpus"),
              "layout does not add up (tp x pp x dp != gpus or batch not divisible)");
      continue;
    }
    w.prompt_tokens = seq;
    w.batch = global_batch / w.parallel.data;
    w.micro_batch = 1;  // not in the table; Megatron's default micro-batch size
    const double b = static_cast<double>(global_batch), s = static_cast<double>(seq);
    const double l = static_cast<double>(layers), h = static_cast<double>(hidden);
    const double model_flops = 72.0 * b * s * l * h * h *
                               (1.0 + s / (6.0 * h) + static_cast<double>(vocab) / (12.0 * l * h));
    // All data-parallel replicas step together: F over all GPUs for one step.
    Measurement m = TrainingMeasurement(model, *hardware_id, w, w.batch,
                                        MetricKind::kTrainModelFlopsPerSPerDevice,
                                        t.Number(row, "per_gpu_tflops") * 1e12, model_flops,
                                        static_cast<double>(gpus), t.Where(row, "per_gpu_tflops"));
    m.format = "megatron-lm";
    m.label = fmt::format("GPT {} {} gpus tp {} pp {} gbs {}", size, gpus, w.parallel.tensor,
                          w.parallel.pipeline, global_batch);
    result.log_models.emplace(model.id, model);
    result.measurements.push_back(std::move(m));
  }
  return result;
}

}  // namespace rightsize
