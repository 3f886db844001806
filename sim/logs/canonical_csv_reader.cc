// rightsize's canonical measurement CSV (columns documented in readers.h).
#include <cmath>
#include <filesystem>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "sim/logs/readers.h"
#include "sim/util/csv.h"
#include "sim/util/file_io.h"
#include "sim/util/strings.h"

namespace rightsize {

const std::vector<std::string> kCanonicalColumns = {
    "model",           "hardware",         "engine",  "phase",       "batch",
    "past_tokens",     "new_tokens",       "weights", "activations", "kv_cache",
    "tensor_parallel", "metric",           "value",   "op_kind",     "op_flops",
    "op_bytes_read",   "op_bytes_written", "label"};

namespace {

double NonNegative(const CsvTable& t, const CsvRow& row, const std::string& column) {
  const double v = t.Number(row, column);
  if (v < 0) throw InputError(t.Where(row, column), "must be >= 0, got " + t.Cell(row, column));
  return v;
}

OpKind ParseOpKind(const std::string& text, const SourceLocation& where) {
  if (text == "matmul") return OpKind::kMatmul;
  if (text == "attention") return OpKind::kAttention;
  if (text == "elementwise") return OpKind::kElementwise;
  throw InputError(where, "unknown op_kind '" + text + "' (matmul, attention, elementwise)");
}

std::string OpKindName(OpKind kind) {
  switch (kind) {
    case OpKind::kMatmul:
      return "matmul";
    case OpKind::kAttention:
      return "attention";
    case OpKind::kElementwise:
      return "elementwise";
    case OpKind::kComm:
      return "comm";
    case OpKind::kOptimizer:
      return "optimizer";
    case OpKind::kHost:
      return "host";
  }
  return "?";
}

std::string Num(double v) { return fmt::format("{:.9g}", v); }

// Every column known (a typo is not ignored) and every column present.
void CheckColumns(const CsvTable& t, const std::string& file_label) {
  const std::set<std::string> known(kCanonicalColumns.begin(), kCanonicalColumns.end());
  for (const auto& column : t.header()) {
    if (!known.count(column)) {
      throw InputError(
          {file_label, 1, column},
          "unknown column" + std::string(DidYouMean(column, kCanonicalColumns).empty()
                                             ? ""
                                             : "; " + DidYouMean(column, kCanonicalColumns)));
    }
  }
  for (const auto& column : kCanonicalColumns) t.ColumnIndex(column);  // all required
}

// An operator row: the op as the row states it, timed.
Measurement OpRowMeasurement(const CsvTable& t, const CsvRow& row, const std::string& hardware_id,
                             const Workload& w, double value, const SourceLocation& where) {
  OpCost op{"measured_op", ParseOpKind(Trim(t.Cell(row, "op_kind")), t.Where(row, "op_kind"))};
  op.flops = NonNegative(t, row, "op_flops");
  op.bytes_read = NonNegative(t, row, "op_bytes_read");
  op.bytes_written = NonNegative(t, row, "op_bytes_written");
  op.launches = 1.0;
  if (op.flops + op.bytes_read + op.bytes_written <= 0) {
    throw InputError(t.Where(row, "op_flops"), "an op row needs FLOPs or bytes > 0");
  }
  Measurement m = MakeOpMeasurement({op}, hardware_id, w, value, where);
  m.format = "canonical";
  m.label = Trim(t.Cell(row, "label"));
  // "gemm mlp_down m=16 ..." -> series "gemm mlp_down": one series per shape family.
  const auto words = Split(m.label, ' ');
  m.series = words.size() >= 2 ? words[0] + " " + words[1] : (m.label.empty() ? "op" : m.label);
  return m;
}

// The row's model: the --model override, a catalogue id or model file, or a model file beside
// the CSV; nullopt after recording the skip when none resolves.
std::optional<ModelSpec> RowModel(const CsvTable& t, const CsvRow& row,
                                  const std::string& file_label, const LogReadOptions& options,
                                  LogReadResult* result) {
  const Catalog& catalog = options.GetCatalog();
  const std::string model_name = Trim(t.Cell(row, "model"));
  ModelSpec model;
  if (!options.model_id.empty()) {
    model = catalog.Model(options.model_id);
  } else {
    try {
      // A relative model path is relative to the CSV (`rightsize measure` writes the small
      // decoder's YAML beside its measurements).
      const auto beside = std::filesystem::path(file_label).parent_path() / model_name;
      std::error_code error;  // a name the file system rejects is not a file beside the CSV
      const bool is_beside = !catalog.models().count(model_name) && !model_name.empty() &&
                             std::filesystem::path(model_name).is_relative() &&
                             std::filesystem::is_regular_file(beside, error);
      model = catalog.ResolveModel(is_beside ? beside.string() : model_name);
    } catch (const UnknownIdError&) {
      SkipRow(options, result, t.Where(row, "model"),
              "unknown model '" + model_name + "'" +
                  Hint(DidYouMean(model_name, catalog.ModelIds())) +
                  " (add a models/architectures YAML or pass --model)");
      return std::nullopt;
    }
  }
  return model;
}

}  // namespace

LogReadResult ParseCanonicalCsv(const std::string& text, const std::string& file_label,
                                const LogReadOptions& options) {
  const CsvTable t = CsvTable::Parse(text, file_label);
  CheckColumns(t, file_label);
  LogReadResult result;
  const Catalog& catalog = options.GetCatalog();
  for (const CsvRow& row : t.rows()) {
    const SourceLocation where{file_label, row.line, ""};
    Workload w;
    w.engine = options.engine.empty() ? Trim(t.Cell(row, "engine")) : options.engine;
    w.weights = ParsePrecision(t.Cell(row, "weights"), t.Where(row, "weights"));
    w.activations = ParsePrecision(t.Cell(row, "activations"), t.Where(row, "activations"));
    w.kv_cache = ParsePrecision(t.Cell(row, "kv_cache"), t.Where(row, "kv_cache"));
    w.parallel.tensor = static_cast<int>(t.Integer(row, "tensor_parallel", 1, kMaxLogParallel));
    const MetricKind metric = ParseMetricKind(t.Cell(row, "metric"), t.Where(row, "metric"));
    const double value = t.Number(row, "value");
    RequirePositive(value, t.Where(row, "value"), "value");
    const std::string phase = Trim(t.Cell(row, "phase"));

    const std::string device = Trim(t.Cell(row, "hardware"));
    const auto hardware = options.MapHardware(device);
    if (!hardware) {
      SkipRow(options, &result, t.Where(row, "hardware"),
              "unknown hardware '" + device + "'" +
                  Hint(DidYouMean(device, catalog.HardwareIds())) +
                  " (add a models/hardware YAML or pass --hardware)",
              SkipKind::kUnknownHardware);
      continue;
    }

    if (phase == "op") {
      if (metric != MetricKind::kOpTime) {
        throw InputError(t.Where(row, "metric"), "op rows need metric op_time_s");
      }
      result.measurements.push_back(OpRowMeasurement(t, row, *hardware, w, value, where));
      continue;
    }

    Step step;
    if (phase == "prefill") {
      step.phase = Phase::kPrefill;
    } else if (phase == "decode") {
      step.phase = Phase::kDecode;
    } else {
      throw InputError(t.Where(row, "phase"),
                       "unknown phase '" + phase + "' (prefill, decode, op)");
    }
    step.batch = t.Integer(row, "batch", 1, kMaxLogBatch);
    step.past_tokens = t.Integer(row, "past_tokens", 0, kMaxLogTokens);
    step.new_tokens = t.Integer(row, "new_tokens", 1, kMaxLogTokens);
    if (metric == MetricKind::kOpTime) {
      throw InputError(t.Where(row, "metric"), "op_time_s needs phase op");
    }
    w.batch = step.batch;
    w.prompt_tokens = step.phase == Phase::kPrefill ? step.past_tokens + step.new_tokens
                                                    : std::max<int64_t>(1, step.past_tokens);
    w.gen_tokens = step.phase == Phase::kPrefill ? 1 : step.new_tokens;

    const std::optional<ModelSpec> model = RowModel(t, row, file_label, options, &result);
    if (!model) continue;
    Measurement m = MakeStepMeasurement(*model, *hardware, w, step, metric, value, where);
    m.format = "canonical";
    if (!Trim(t.Cell(row, "label")).empty()) m.label = Trim(t.Cell(row, "label"));
    result.measurements.push_back(std::move(m));
  }
  return result;
}

LogReadResult ReadCanonicalCsv(const std::string& path, const LogReadOptions& options) {
  return ParseCanonicalCsv(ReadTextFile(path), path, options);
}

std::string CanonicalCsvHeader() { return CsvLine(kCanonicalColumns); }

std::string CanonicalCsvRow(const Measurement& m) {
  const bool op_row = m.metric == MetricKind::kOpTime;
  RS_CHECK(!op_row || m.ops.size() == 1, "a canonical op row holds exactly one operator");
  std::string phase = op_row ? "op" : (m.step.phase == Phase::kPrefill ? "prefill" : "decode");
  const OpCost* op = op_row && !m.ops.empty() ? &m.ops.front() : nullptr;
  return CsvLine({op_row ? "" : m.model_id, m.hardware_id, m.engine, phase,
                  std::to_string(m.step.batch), std::to_string(m.step.past_tokens),
                  std::to_string(m.step.new_tokens), ToString(m.workload.weights),
                  ToString(m.workload.activations), ToString(m.workload.kv_cache),
                  std::to_string(m.workload.parallel.tensor), ToString(m.metric), Num(m.value),
                  op ? OpKindName(op->kind) : "", op ? Num(op->flops) : "",
                  op ? Num(op->bytes_read) : "", op ? Num(op->bytes_written) : "", m.label});
}

}  // namespace rightsize
