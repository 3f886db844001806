#include "sim/validate/validation.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "sim/cost/latency.h"
#include "sim/fit/calibrator.h"
#include "sim/logs/readers.h"
#include "sim/util/csv.h"
#include "sim/util/data_paths.h"
#include "sim/util/error.h"
#include "sim/util/stats.h"

namespace rightsize {
namespace {

namespace fs = std::filesystem;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Shared bookkeeping of one dataset.
class DatasetRun {
 public:
  DatasetRun(std::string name, std::string metric, const Catalog& catalog, ValidationResult* out)
      : catalog_(catalog), out_(out) {
    summary_.dataset = std::move(name);
    summary_.metric = std::move(metric);
  }
  ~DatasetRun() = default;

  // Looks up model and hardware, counting misses; nullptrs when either is missing.
  bool Resolve(const std::string& model_name, const std::string& hw_name, const ModelSpec** m,
               const HardwareSpec** hw) {
    *m = catalog_.MatchModel(model_name);
    *hw = catalog_.MatchHardware(hw_name);
    if (!*m) {
      ++summary_.unknown_model;
      return false;
    }
    if (!*hw) {
      ++summary_.unknown_hardware;
      return false;
    }
    return true;
  }
  void Skip(const std::string& reason) { ++summary_.skipped[reason]; }
  // A row a log reader could not map: unknown model / device, or skipped under its category.
  void SkipUnmapped(const SkippedRow& skipped) {
    switch (skipped.kind) {
      case SkipKind::kUnknownModel: ++summary_.unknown_model; break;
      case SkipKind::kUnknownHardware: ++summary_.unknown_hardware; break;
      case SkipKind::kOther: Skip(skipped.category); break;
    }
  }
  void Row() { ++summary_.rows; }
  // Checks feasibility (memory, link) before timing; counts the reason when infeasible.
  bool Feasible(const ModelSpec& m, const HardwareSpec& hw, const Workload& w) {
    const std::string why = InfeasibleReason(m, hw, w);
    if (why.empty()) return true;
    Skip(why.find("out of memory") != std::string::npos
             ? "rightsize predicts out of memory"
             : why.find("link") != std::string::npos ? "device has no link in the catalogue"
                                                     : "layout not supported: " + why);
    return false;
  }
  void Add(const std::string& file, int line, const ModelSpec& m, const HardwareSpec& hw,
           const std::string& metric, const std::string& setup, double measured, double predicted) {
    ValidationPoint p{summary_.dataset, file, line, m.id, hw.id, metric, setup, measured, predicted};
    out_->points.push_back(p);
    apes_.push_back(p.Ape());
    ++summary_.used;
  }
  void Finish() {
    const double none = std::numeric_limits<double>::quiet_NaN();
    summary_.median_ape = apes_.empty() ? none : Quantile(apes_, 0.5);
    summary_.p90_ape = apes_.empty() ? none : Quantile(apes_, 0.9);
    out_->datasets.push_back(summary_);
  }

 private:
  const Catalog& catalog_;
  ValidationResult* out_;
  DatasetSummary summary_;
  std::vector<double> apes_;
};

int64_t ParseIntOr(const std::string& text, int64_t fallback) {
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  return end == text.c_str() ? fallback : v;
}

// A dataset a log reader maps (sim/logs/readers.h), scored on exactly the points `rightsize
// calibrate` fits: ML.ENERGY (the mean decode step at the running batch, per-task assumed
// prompts) and optimum-benchmark (a prefill and a mean decode step per row). Rows the reader
// cannot map count as unknown model / hardware or as skipped with the reader's reason; a row
// whose configuration rightsize predicts out of memory is skipped once, with all its points.
using LogReaderFn = LogReadResult (*)(const std::string&, const LogReadOptions&);

void ValidateWithReader(const std::string& dataset, const std::string& metric, const std::string& dir,
                        const std::vector<std::string>& files, LogReaderFn read_log,
                        const Catalog& catalog, const DeviceEfficiencyParams& params,
                        ValidationResult* out) {
  DatasetRun run(dataset, metric, catalog, out);
  LogReadOptions options;
  options.catalog = &catalog;
  for (const std::string& file : files) {
    const LogReadResult read = read_log(dir + "/" + file, options);
    for (const SkippedRow& skipped : read.skipped) {
      run.Row();
      run.SkipUnmapped(skipped);
    }
    int row_line = -1;
    bool row_feasible = false;
    for (const Measurement& m : read.measurements) {
      const ModelSpec& model = catalog.Model(m.model_id);
      const HardwareSpec& hw = catalog.Hardware(m.hardware_id);
      if (m.where.line != row_line) {  // the first point of a source row
        row_line = m.where.line;
        run.Row();
        row_feasible = run.Feasible(model, hw, m.workload);
      }
      if (!row_feasible) continue;
      const double predicted = PredictStepTime_s(m.ops, ResolveRates(hw, m.workload), params.For(hw.id).data());
      run.Add(dataset + "/" + file, m.where.line, model, hw,
              m.step.phase == Phase::kPrefill ? "prefill_s" : "decode_step_s",
              fmt::format("batch {} tp {} {}", m.step.batch, m.workload.parallel.tensor,
                          ToString(m.workload.weights)),
              m.interval_time_s, predicted);
    }
  }
  run.Finish();
}

// Megatron-Bridge performance summary: training tokens/s per GPU of dense models.
void ValidateMegatronBridge(const std::string& dir, const Catalog& catalog,
                            const DeviceEfficiencyParams& params, ValidationResult* out) {
  DatasetRun run("megatron-bridge-training-perf", "train_tokens_per_s_per_device", catalog, out);
  const CsvTable t = CsvTable::Load(dir + "/training_perf.csv");
  for (const auto& row : t.rows()) {
    run.Row();
    const std::string model_name = t.Cell(row, "model");
    if (model_name.find('(') != std::string::npos) {
      run.Skip("variant row (dropless / tokendrop)");
      continue;
    }
    const ModelSpec* m = nullptr;
    const HardwareSpec* hw = nullptr;
    if (!run.Resolve(model_name, t.Cell(row, "System"), &m, &hw)) continue;
    const std::string precision = Lower(t.Cell(row, "Precision"));
    // An empty precision cell (25.09 tables) is taken as BF16.
    const auto weights = precision.empty() ? std::optional<Precision>(Precision::kBf16)
                                           : PrecisionFromLogName(precision);
    // NVFP4 training recipes (fp4 GEMMs with bf16 layers kept by the recipe) are not modelled.
    if (!weights || IsFp4Format(*weights)) {
      run.Skip(t.Cell(row, "Precision") + " not modelled");
      continue;
    }
    const int64_t ep = ParseIntOr(t.Cell(row, "EP"), 1);
    const int64_t cp = ParseIntOr(t.Cell(row, "CP"), 1);
    if (m->IsMoe() || ep > 1) {
      run.Skip("MoE: Megatron EP spans data-parallel ranks (not mapped)");
      continue;
    }
    if (cp > 1) {
      run.Skip("context parallelism not modelled");
      continue;
    }
    const std::string section = Lower(t.Cell(row, "section"));
    Workload w;
    w.mode = section.find("lora") != std::string::npos ? Mode::kFinetuneLora : Mode::kTraining;
    w.weights = *weights;
    w.activations = w.weights;
    const int64_t gpus = t.Integer(row, "#-GPUs", 1, kMaxDevices);
    w.parallel.tensor = static_cast<int>(t.Integer(row, "TP", 1, kMaxParallelDegree));
    w.parallel.pipeline = static_cast<int>(t.Integer(row, "PP", 1, kMaxParallelDegree));
    const int64_t per_replica = static_cast<int64_t>(w.parallel.tensor) * w.parallel.pipeline;
    if (gpus % per_replica != 0) {
      run.Skip("GPU count not a multiple of tp x pp");
      continue;
    }
    w.parallel.data = static_cast<int>(gpus / per_replica);
    const int64_t gbs = t.Integer(row, "GBS", 1, kMaxBatch);
    const int64_t mbs = t.Integer(row, "MBS", 1, kMaxBatch);
    w.prompt_tokens = t.Integer(row, "Sequence Length", 1, kMaxContextTokens);
    // Sequences per replica per step, in micro-batches of mbs; interleaving (VP = v virtual
    // stages) divides the bubble by v (Narayanan et al. 2021, Sec. 2.2).
    w.batch = std::max<int64_t>(1, gbs / w.parallel.data);
    const int64_t vp = ParseIntOr(t.Cell(row, "VP"), 1);
    if (vp < 1 || vp > kMaxParallelDegree) {
      run.Skip("virtual pipeline stages VP out of range");
      continue;
    }
    const int64_t microbatches = std::max<int64_t>(1, w.batch / std::max<int64_t>(1, mbs)) * vp;
    w.micro_batch = std::clamp<int64_t>(mbs, 1, w.batch);
    // Megatron shards the optimizer over data parallel (distributed optimizer = ZeRO-1).
    w.zero_stage = 1;
    const auto ops = CountOps(*m, w, TrainStep(w));
    const double step_s = PredictStepTime_s(ops, ResolveRates(*hw, w, microbatches), params.For(hw->id).data());
    const double predicted = static_cast<double>(w.batch * w.prompt_tokens) / (step_s * per_replica);
    run.Add("megatron-bridge-training-perf/training_perf.csv", row.line, *m, *hw,
            "train_tokens_per_s_per_device",
            fmt::format("{} gpus tp {} pp {} gbs {} {}", gpus, w.parallel.tensor,
                        w.parallel.pipeline, gbs, precision),
            t.Number(row, "tokens_per_sec_per_gpu_primary"), predicted);
  }
  run.Finish();
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

// Megatron-LM's H100 weak-scaling table (Megatron-Core r0.8): achieved model TFLOP/s per GPU of
// GPT models. The measured step time is recovered with the model-FLOP formula the table uses
// (Narayanan et al. 2021, Sec. 5.1, without the recomputation pass):
//   F = 72 B s l h^2 (1 + s / (6 h) + V / (12 l h)),   step_s = F / (tflops x gpus).
// The prediction is compared on the same footing: F / (predicted step x gpus).
void ValidateMegatronLm(const std::string& dir, const Catalog& catalog,
                        const DeviceEfficiencyParams& params, ValidationResult* out) {
  DatasetRun run("megatron-lm-training-mfu", "train_model_flops_per_s_per_device", catalog, out);
  const std::string file = "h100_weak_scaling_mcore_r0.8.csv";
  const CsvTable t = CsvTable::Load(dir + "/" + file);
  for (const auto& row : t.rows()) {
    run.Row();
    const HardwareSpec* device = catalog.MatchHardware(t.Cell(row, "gpu"));
    if (device == nullptr) {
      run.Skip("device not in the catalogue");
      continue;
    }
    const HardwareSpec& hw = *device;
    // Model sizes bounded as the spec loaders bound them (no dimension of a real model is near).
    constexpr int64_t kMaxDimension = int64_t{1} << 24;
    const int64_t layers = t.Integer(row, "num_layers", 1, kMaxDimension);
    const int64_t hidden = t.Integer(row, "hidden_size", 1, kMaxDimension);
    const int64_t heads = t.Integer(row, "attention_heads", 1, kMaxDimension);
    const int64_t vocab = t.Integer(row, "vocab_size", 1, kMaxDimension);
    const int64_t seq = t.Integer(row, "seq_len", 1, kMaxContextTokens);
    const int64_t gpus = t.Integer(row, "num_gpus", 1, kMaxDevices);
    const int64_t global_batch = t.Integer(row, "batch_size_sequences", 1, kMaxBatch);
    const ModelSpec m = MegatronGpt(t.Cell(row, "model_size"), layers, hidden, heads, vocab, seq);
    Workload w;
    w.mode = Mode::kTraining;
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
      run.Skip("layout does not add up (tp x pp x dp != gpus or batch not divisible)");
      continue;
    }
    w.prompt_tokens = seq;
    w.batch = global_batch / w.parallel.data;
    w.micro_batch = 1;  // not in the table; Megatron's default micro-batch size
    if (!run.Feasible(m, hw, w)) continue;
    const auto ops = CountOps(m, w, TrainStep(w));
    const double step_s = PredictStepTime_s(ops, ResolveRates(hw, w, w.batch), params.For(hw.id).data());
    const double b = static_cast<double>(global_batch), s = static_cast<double>(seq);
    const double l = static_cast<double>(layers), h = static_cast<double>(hidden);
    const double model_flops = 72.0 * b * s * l * h * h *
                               (1.0 + s / (6.0 * h) + static_cast<double>(vocab) / (12.0 * l * h));
    const double measured = t.Number(row, "per_gpu_tflops") * 1e12;
    // All data-parallel replicas step together: F over all GPUs for one predicted step.
    const double predicted = model_flops / (step_s * static_cast<double>(gpus));
    run.Add("megatron-lm-training-mfu/" + file, row.line, m, hw, "train_model_flops_per_s_per_device",
            fmt::format("GPT {} {} gpus tp {} pp {} gbs {}", t.Cell(row, "model_size"), gpus,
                        w.parallel.tensor, w.parallel.pipeline, global_batch),
            measured, predicted);
  }
  run.Finish();
}

}  // namespace

double ValidationPoint::Ape() const { return std::abs(predicted - measured) / measured; }

std::vector<std::string> ValidationDatasets() {
  return {"ml-energy-leaderboard-v2", "ml-energy-leaderboard-v3",
          "optimum-benchmark-running-llamas", "llamacpp-gpu-benchmarks-xiongjiedai",
          "megatron-bridge-training-perf", "megatron-lm-training-mfu"};
}

std::string DefaultRunsDir() { return DataRoot() + "/data/runs"; }

ValidationResult Validate(const std::string& runs_dir, const Catalog& catalog,
                          const DeviceEfficiencyParams& params, const std::vector<std::string>& datasets) {
  ValidationResult result;
  for (const auto& name : datasets) {
    const std::string dir = runs_dir + "/" + name;
    if (!fs::is_directory(dir)) {
      throw InputError({dir, 0, "dataset"}, "no such dataset folder");
    }
    if (name == "ml-energy-leaderboard-v2") {
      ValidateWithReader(name, "decode_step_s", dir, {"llm_runs.csv"}, ReadMlEnergyCsv, catalog, params, &result);
    } else if (name == "ml-energy-leaderboard-v3") {
      ValidateWithReader(name, "decode_step_s", dir, {"llm_configurations.csv"}, ReadMlEnergyCsv, catalog,
                         params, &result);
    } else if (name == "optimum-benchmark-running-llamas") {
      ValidateWithReader(name, "prefill_s+decode_step_s", dir,
                         {"Llama-7b/short_report.csv", "Llama-13b/short_report.csv", "Llama-65b/short_report.csv"},
                         ReadOptimumCsv, catalog, params, &result);
    } else if (name == "llamacpp-gpu-benchmarks-xiongjiedai") {
      ValidateWithReader(name, "prefill_s+decode_step_s", dir, {"llama3_llamacpp_bench.csv"}, ReadLlamaCppTable,
                         catalog, params, &result);
    } else if (name == "megatron-bridge-training-perf") {
      ValidateMegatronBridge(dir, catalog, params, &result);
    } else if (name == "megatron-lm-training-mfu") {
      ValidateMegatronLm(dir, catalog, params, &result);
    } else {
      throw InputError({"", 0, "--dataset"}, "unknown validation dataset '" + name + "'");
    }
  }
  return result;
}

nlohmann::json ToJson(const DatasetSummary& s) {
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  std::string skipped;
  int skipped_total = 0;
  for (const auto& [reason, n] : s.skipped) {
    skipped += (skipped.empty() ? "" : "; ") + fmt::format("{} x {}", n, reason);
    skipped_total += n;
  }
  return {{"dataset", s.dataset},
          {"metric", s.metric},
          {"rows", s.rows},
          {"used", s.used},
          {"unknown_model", s.unknown_model},
          {"unknown_hardware", s.unknown_hardware},
          {"skipped", skipped_total},
          {"median_ape", num(s.median_ape)},
          {"p90_ape", num(s.p90_ape)},
          {"skipped_reasons", skipped}};
}

nlohmann::json ToJson(const ValidationPoint& p) {
  return {{"dataset", p.dataset}, {"file", p.file},         {"line", p.line},
          {"model", p.model_id},  {"hardware", p.hardware_id}, {"metric", p.metric},
          {"setup", p.setup},     {"measured", p.measured},  {"predicted", p.predicted},
          {"ape", p.Ape()}};
}

}  // namespace rightsize
