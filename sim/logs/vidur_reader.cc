// Vidur operator profiles (microsoft/vidur, data/profiling/compute/<gpu>/<org>/<model>/mlp.csv,
// and our column projection mlp_medians_all.csv; see data/runs/vidur/PROVENANCE.md).
//
// Each row times ONE transformer layer's operators for num_tokens tokens (the GEMMs' M) with the
// layer sharded as for num_tensor_parallel_workers (one shard timed on one GPU, no comms), fp16,
// median of 20 runs, in milliseconds. We read the four GEMMs, whose shapes follow from the row's
// own config columns, so no model spec is needed:
//   attn_pre_proj   [T x h] x [h x (q + 2 kv)/tp]   (fused QKV)
//   attn_post_proj  [T x q/tp] x [q/tp x h]
//   mlp_up_proj     [T x h] x [h x f/tp], x2 columns when use_gated_mlp (gate and up fused)
//   mlp_down_proj   [T x f/tp] x [f/tp x h]
// with q = n_head x head_dim, kv = n_kv_head x head_dim, head_dim = n_embd / n_head, and the
// KV heads of one shard at least 1 (sarathi-serve replicates KV heads when tp > n_kv_head).
#include <algorithm>
#include <cmath>
#include <filesystem>

#include "sim/logs/readers.h"
#include "sim/util/csv.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

struct GemmColumn {
  const char* name;  // Vidur's operator name
};
constexpr GemmColumn kGemms[] = {
    {"attn_pre_proj"}, {"attn_post_proj"}, {"mlp_up_proj"}, {"mlp_down_proj"}};

// The timing column for an operator in either layout: "<op>_median_ms" (our projection) or
// "time_stats.<op>.median" (Vidur's raw file).
std::string TimeColumn(const CsvTable& t, const std::string& op) {
  const std::string projected = op + "_median_ms";
  if (t.HasColumn(projected)) return projected;
  const std::string raw = "time_stats." + op + ".median";
  t.ColumnIndex(raw);  // throws naming the file when neither layout is present
  return raw;
}

// Vidur's raw files carry the device only in their path: .../compute/<gpu>/<org>/<model>/mlp.csv.
std::string DeviceFromPath(const std::string& path) {
  const std::filesystem::path p(path);
  std::vector<std::string> parts;
  for (const auto& part : p) parts.push_back(part.string());
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i] == "compute") return parts[i + 1];
  }
  return "";
}

bool ParseBool(const CsvTable& t, const CsvRow& row, const std::string& column) {
  const std::string v = ToLower(Trim(t.Cell(row, column)));
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  throw InputError(t.Where(row, column),
                   "expected True or False, got '" + t.Cell(row, column) + "'");
}

// A whole count in [1, max] from a Vidur config column.
double PositiveCount(const CsvTable& t, const CsvRow& row, const std::string& column, int64_t max) {
  return static_cast<double>(t.Integer(row, column, 1, max));
}

}  // namespace

LogReadResult ReadVidurCsv(const std::string& path, const LogReadOptions& options) {
  const CsvTable t = CsvTable::Load(path);
  for (const char* column : {"n_head", "n_kv_head", "n_embd", "n_expanded_embd", "use_gated_mlp",
                             "num_tokens", "num_tensor_parallel_workers"}) {
    t.ColumnIndex(column);
  }
  std::vector<std::string> time_columns;
  for (const auto& gemm : kGemms) time_columns.push_back(TimeColumn(t, gemm.name));
  const bool has_gpu_column = t.HasColumn("gpu");
  const std::string path_device = DeviceFromPath(path);

  LogReadResult result;
  for (const CsvRow& row : t.rows()) {
    const std::string device = has_gpu_column ? Trim(t.Cell(row, "gpu")) : path_device;
    const auto hardware = options.MapHardware(device);
    if (!hardware) {
      SkipRow(options, &result,
              has_gpu_column ? t.Where(row, "gpu") : SourceLocation{path, row.line, ""},
              "unknown GPU '" + device + "' (no models/hardware spec maps to it; pass --hardware)",
              SkipKind::kUnknownHardware);
      continue;
    }
    const double heads = PositiveCount(t, row, "n_head", ModelLimits::kMaxHeads);
    const double kv_heads = PositiveCount(t, row, "n_kv_head", ModelLimits::kMaxHeads);
    const double hidden = PositiveCount(t, row, "n_embd", ModelLimits::kMaxDModel);
    const double ffn = PositiveCount(t, row, "n_expanded_embd", ModelLimits::kMaxFfn);
    const double tokens = PositiveCount(t, row, "num_tokens", kMaxLogBatch);
    const double tp = PositiveCount(t, row, "num_tensor_parallel_workers", kMaxLogParallel);
    const bool gated = ParseBool(t, row, "use_gated_mlp");
    const double head_dim = hidden / heads;
    const double q_shard = heads / tp * head_dim;
    const double kv_shard = std::max(1.0, std::floor(kv_heads / tp)) * head_dim;
    const double f_shard = ffn / tp;
    const double shapes[4][2] = {{hidden, q_shard + 2 * kv_shard},
                                 {q_shard, hidden},
                                 {hidden, (gated ? 2.0 : 1.0) * f_shard},
                                 {f_shard, hidden}};

    Workload w;
    w.weights = w.activations = w.kv_cache = Precision::kFp16;
    w.parallel.tensor = static_cast<int>(tp);
    w.batch = static_cast<int64_t>(tokens);
    w.engine = options.engine.empty() ? "vidur-sarathi" : options.engine;
    const std::string model = t.HasColumn("model") ? Trim(t.Cell(row, "model")) : "";
    for (size_t g = 0; g < 4; ++g) {
      const SourceLocation where = t.Where(row, time_columns[g]);
      const double time_s = t.Number(row, time_columns[g]) * 1e-3;
      OpCost op = GemmOp(kGemms[g].name, tokens, shapes[g][0], shapes[g][1], 2.0);
      Measurement m = MakeOpMeasurement({op}, *hardware, w, time_s, where);
      m.format = "vidur";
      m.series = model.empty() ? path : model;
      m.step.batch = static_cast<int64_t>(tokens);
      m.label = model + " " + kGemms[g].name +
                " tokens=" + std::to_string(static_cast<int64_t>(tokens)) +
                " tp=" + std::to_string(static_cast<int>(tp));
      result.measurements.push_back(std::move(m));
    }
  }
  return result;
}

}  // namespace rightsize
