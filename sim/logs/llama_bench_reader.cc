// llama.cpp llama-bench output (-o csv | json | jsonl). Fields used (same names in every
// output; llama-bench's `test` struct):
//   model_filename, model_type ("llama 8B Q4_K_M"; old builds: "llama 7B mostly Q4_0"),
//   n_prompt, n_gen, n_depth (newer builds only: tokens already in the KV cache; 0 if absent),
//   avg_ts (mean tokens per second over the repetitions), type_k (KV cache type, default f16),
//   gpu_info, cpu_info, n_gpu_layers, backends (new) or cuda/metal/... flags (old).
// A pp test (n_prompt > 0, n_gen = 0) is one prefill of n_prompt tokens after n_depth; a tg test
// (n_gen > 0, n_prompt = 0) is n_gen decode steps after n_depth, priced at the mean position
// n_depth + n_gen / 2. Combined pg tests mix the two and are skipped with that reason.
// llama-bench runs one sequence, so batch = 1.
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "sim/logs/readers.h"
#include "sim/util/csv.h"
#include "sim/util/file_io.h"
#include "sim/util/integers.h"
#include "sim/util/json_reader.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

// One test: a JSON object (JSON, JSONL) or a CSV row seen as an object of strings (cells arrive
// as strings, JSON values as they are); errors name its file:line: key.
using Record = JsonValue;

std::vector<Record> LoadRecords(const std::string& path) {
  const std::string text = ReadTextFile(path);
  std::vector<Record> records;
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) throw InputError({path, 1, ""}, "empty file");
  if (text[first] == '[') {
    for (const JsonValue& test : JsonDocument::Parse(text, path).Root().Elements()) {
      if (!test.IsObject()) test.Fail("expected a JSON object per test");
      records.push_back(test);
    }
    return records;
  }
  if (text[first] == '{') {  // JSONL: one object per line
    std::istringstream in(text);
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (Trim(line).empty()) continue;
      const JsonValue test = JsonDocument::Parse(line, path, number).Root();
      if (!test.IsObject()) test.Fail("expected a JSON object");
      records.push_back(test);
    }
    return records;
  }
  const CsvTable t = CsvTable::Parse(text, path);
  for (const CsvRow& row : t.rows()) {
    nlohmann::json object = nlohmann::json::object();
    for (size_t c = 0; c < t.header().size(); ++c) {
      object[t.header()[c]] = c < row.fields.size() ? row.fields[c] : "";
    }
    records.push_back(JsonDocument::FromValue(std::move(object), path, row.line).Root());
  }
  return records;
}

SourceLocation At(const Record& r, const std::string& key) { return r.Where(key); }

bool Has(const Record& r, const std::string& key) { return r.Has(key); }

std::string Text(const Record& r, const std::string& key) {
  if (!Has(r, key)) throw InputError(At(r, key), "missing field (is this llama-bench output?)");
  const JsonValue v = r.Child(key);
  return v.IsString() ? v.AsString() : v.Preview();
}

double Number(const Record& r, const std::string& key) {
  if (!Has(r, key)) throw InputError(At(r, key), "missing field (is this llama-bench output?)");
  const JsonValue v = r.Child(key);
  if (v.IsNumber()) return v.AsDouble(std::numeric_limits<double>::lowest(), std::numeric_limits<double>::max());
  if (!v.IsString()) v.Fail("expected a number, got " + v.Preview());
  const std::string s = Trim(v.AsString());
  char* end = nullptr;
  const double value = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0') v.Fail("expected a number, got '" + s + "'");
  if (!std::isfinite(value)) v.Fail("value is not finite");
  return value;
}

int64_t Count(const Record& r, const std::string& key) {
  return WholeInRange(Number(r, key), 0, kMaxLogTokens, At(r, key));
}

// The weight format is the last word of model_type ("llama 8B Q4_K_M", "llama 7B mostly Q4_0").
std::optional<Precision> WeightFormat(const std::string& model_type) {
  const auto words = Split(Trim(model_type), ' ');
  if (words.empty()) return std::nullopt;
  const std::string f = ToLower(words.back());
  if (f == "f16") return Precision::kFp16;
  if (f == "bf16") return Precision::kBf16;
  if (f == "f32" || f == "all" ) return Precision::kFp32;
  if (f == "q8_0") return Precision::kQ8_0;
  if (f == "q4_k_m" || f == "q4_k") return Precision::kQ4_K_M;
  return std::nullopt;
}

std::optional<Precision> KvFormat(const std::string& type) {
  const std::string f = ToLower(Trim(type));
  if (f.empty() || f == "f16") return Precision::kFp16;
  if (f == "bf16") return Precision::kBf16;
  if (f == "f32") return Precision::kFp32;
  if (f == "q8_0") return Precision::kQ8_0;
  return std::nullopt;
}

}  // namespace

LogReadResult ReadLlamaBench(const std::string& path, const LogReadOptions& options) {
  const std::vector<Record> records = LoadRecords(path);
  LogReadResult result;
  const Catalog& catalog = options.GetCatalog();
  for (const Record& r : records) {
    const int64_t n_prompt = Count(r, "n_prompt");
    const int64_t n_gen = Count(r, "n_gen");
    const int64_t n_depth = Has(r, "n_depth") ? Count(r, "n_depth") : 0;
    const double tokens_per_s = Number(r, "avg_ts");
    RequirePositive(tokens_per_s, At(r, "avg_ts"), "avg_ts");
    if ((n_prompt > 0) == (n_gen > 0)) {
      SkipRow(options, &result, At(r, "n_prompt"),
              "combined or empty test (n_prompt and n_gen both set or both 0): prefill and decode "
              "are mixed in one rate");
      continue;
    }
    const std::string model_type = Text(r, "model_type");
    const auto weights = WeightFormat(model_type);
    if (!weights) {
      SkipRow(options, &result, At(r, "model_type"),
              "weight format in '" + model_type + "' is not modelled (f16, bf16, f32, q8_0, q4_k_m)");
      continue;
    }
    const auto kv = KvFormat(Has(r, "type_k") ? Text(r, "type_k") : "");
    if (!kv) {
      SkipRow(options, &result, At(r, "type_k"), "KV cache type '" + Text(r, "type_k") + "' is not modelled");
      continue;
    }
    const std::string file_stem =
        Has(r, "model_filename") ? std::filesystem::path(Text(r, "model_filename")).stem().string() : "";
    auto model_id = options.MapModel(file_stem);
    if (!model_id) {
      // "Meta-Llama-3-8B-Instruct-Q4_K_M" -> drop the quantisation suffix and try again.
      const auto dash = file_stem.find_last_of("-.");
      if (dash != std::string::npos) model_id = options.MapModel(file_stem.substr(0, dash));
    }
    if (!model_id) {
      SkipRow(options, &result, At(r, "model_filename"),
              "cannot tell the model from '" + file_stem + "' (" + model_type + "); pass --model ID");
      continue;
    }
    const bool on_gpu = Has(r, "n_gpu_layers") && Number(r, "n_gpu_layers") > 0 &&
                        Has(r, "gpu_info") && !Trim(Text(r, "gpu_info")).empty();
    const std::string device = on_gpu ? Text(r, "gpu_info") : (Has(r, "cpu_info") ? Text(r, "cpu_info") : "");
    const auto hardware = options.MapHardware(Split(device, ',').empty() ? device : Split(device, ',').front());
    if (!hardware) {
      SkipRow(options, &result, At(r, on_gpu ? "gpu_info" : "cpu_info"),
              "unknown device '" + device + "'; pass --hardware ID (or a measured CPU spec)",
              SkipKind::kUnknownHardware);
      continue;
    }

    Workload w;
    w.engine = options.engine.empty() ? "llama.cpp" : options.engine;
    w.weights = *weights;
    // ggml dequantises quantised blocks and accumulates in f32 on CPU and f16 on GPU backends.
    w.activations = on_gpu ? Precision::kFp16 : Precision::kFp32;
    w.kv_cache = *kv;
    w.batch = 1;
    Step step;
    if (n_prompt > 0) {
      w.prompt_tokens = n_depth + n_prompt;
      w.gen_tokens = 1;
      step = {Phase::kPrefill, 1, n_prompt, n_depth};
    } else {
      w.prompt_tokens = std::max<int64_t>(1, n_depth);
      w.gen_tokens = n_gen;
      step = DecodeStep(w, n_depth + n_gen / 2);
    }
    const ModelSpec& model = catalog.Model(*model_id);
    Measurement m = MakeStepMeasurement(model, *hardware, w, step, MetricKind::kTokensPerS,
                                        tokens_per_s, At(r, "avg_ts"));
    m.format = "llama-bench";
    result.measurements.push_back(std::move(m));
  }
  return result;
}

}  // namespace rightsize
