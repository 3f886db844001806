// llama.cpp llama-bench output (-o csv | json | jsonl, and the default markdown table). Fields
// used (same names in every machine-readable output; llama-bench's `test` struct):
//   model_filename, model_type ("llama 8B Q4_K_M"; old builds: "llama 7B mostly Q4_0"),
//   n_prompt, n_gen, n_depth (newer builds only: tokens already in the KV cache; 0 if absent),
//   avg_ts (mean tokens per second over the repetitions), type_k (KV cache type, default f16),
//   gpu_info, cpu_info, n_gpu_layers, backends (new) or cuda/metal/... flags (old).
// A pp test (n_prompt > 0, n_gen = 0) is one prefill of n_prompt tokens after n_depth; a tg test
// (n_gen > 0, n_prompt = 0) is n_gen decode steps after n_depth, priced at the mean position
// n_depth + n_gen / 2. Combined pg tests mix the two and are skipped with that reason.
// llama-bench runs one sequence, so batch = 1.
// The markdown table (`-o md`, the default) has the columns model (= model_type), size, params,
// backend, ngl (= n_gpu_layers; GPU backends only), the parameters that differ from their
// defaults (threads, type_k, ...), test ("pp512", "tg128", "pp512 @ d4096" with n_depth; older
// builds "pp 512") and t/s ("avg ± sd"). It names neither the model file nor the device, so
// such rows need --model and --hardware (they are skipped with that reason otherwise).
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

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

// "pp512", "tg128", "pp512 @ d4096", "pp 512" -> n_prompt, n_gen, n_depth; false otherwise.
bool ParseTestName(const std::string& text, int64_t* n_prompt, int64_t* n_gen, int64_t* n_depth) {
  std::string name = Trim(text);
  *n_depth = 0;
  const size_t at = name.find(" @ d");
  if (at != std::string::npos) {
    const std::string depth = Trim(name.substr(at + 4));
    if (depth.empty() || depth.find_first_not_of("0123456789") != std::string::npos ||
        depth.size() > 12)
      return false;
    *n_depth = std::stoll(depth);
    name = Trim(name.substr(0, at));
  }
  if (name.size() < 3) return false;
  const std::string kind = name.substr(0, 2);
  const std::string count = Trim(name.substr(2));
  if ((kind != "pp" && kind != "tg") || count.empty() || count.size() > 12 ||
      count.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  *n_prompt = kind == "pp" ? std::stoll(count) : 0;
  *n_gen = kind == "tg" ? std::stoll(count) : 0;
  return true;
}

std::vector<std::string> MarkdownCells(const std::string& line) {
  std::vector<std::string> cells;
  const std::string inner = Trim(line);
  size_t start = 1;  // after the leading '|'
  while (start < inner.size()) {
    const size_t bar = inner.find('|', start);
    if (bar == std::string::npos) break;
    cells.push_back(Trim(inner.substr(start, bar - start)));
    start = bar + 1;
  }
  return cells;
}

// The markdown table as records with the machine-readable field names.
std::vector<Record> LoadMarkdownRecords(const std::string& text, const std::string& path) {
  std::vector<Record> records;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    ++number;
    if (Trim(line).rfind('|', 0) != 0) continue;  // the "build: ..." footer, blank lines
    const std::vector<std::string> cells = MarkdownCells(line);
    if (header.empty()) {
      header = cells;
      continue;
    }
    if (!cells.empty() && cells[0].find_first_not_of("-: ") == std::string::npos)
      continue;  // ---|--:
    if (cells.size() != header.size()) {
      throw InputError({path, number, ""}, fmt::format("expected {} cells as in the header, got {}",
                                                       header.size(), cells.size()));
    }
    nlohmann::json object = nlohmann::json::object();
    for (size_t c = 0; c < header.size(); ++c) {
      const std::string& column = header[c];
      const std::string& cell = cells[c];
      if (column == "model") {
        object["model_type"] = cell;
      } else if (column == "ngl") {
        object["n_gpu_layers"] = cell;
      } else if (column == "backend") {
        object["backends"] = cell;
      } else if (column == "type_k") {
        object["type_k"] = cell;
      } else if (column == "test") {
        int64_t n_prompt = 0, n_gen = 0, n_depth = 0;
        if (!ParseTestName(cell, &n_prompt, &n_gen, &n_depth)) {
          throw InputError(
              {path, number, "test"},
              "expected a test like pp512, tg128 or pp512 @ d4096, got '" + cell + "'");
        }
        object["n_prompt"] = n_prompt;
        object["n_gen"] = n_gen;
        object["n_depth"] = n_depth;
      } else if (column == "t/s") {
        object["avg_ts"] = Trim(cell.substr(0, cell.find("\xC2\xB1")));  // "avg ± sd" (UTF-8 ±)
      }
    }
    for (const char* needed : {"model_type", "n_prompt", "avg_ts"}) {
      if (!object.contains(needed)) {
        throw InputError({path, number, needed},
                         "the markdown table has no column for it (model, test, t/s)");
      }
    }
    records.push_back(JsonDocument::FromValue(std::move(object), path, number).Root());
  }
  if (header.empty()) throw InputError({path, 1, ""}, "no markdown table");
  return records;
}

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
  if (text[first] == '|') return LoadMarkdownRecords(text, path);
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
  if (v.IsNumber())
    return v.AsDouble(std::numeric_limits<double>::lowest(), std::numeric_limits<double>::max());
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

// The weight format of model_type, which llama-bench fills with llama_model_desc: "<arch> <size>
// <ftype name>", the ftype name from llama_model_ftype_name (llama.cpp src/llama-model.cpp): one
// word for most formats ("F16", "Q8_0", "Q6_K"), "<type> - <variant>" for the K-quant mixes
// ("Q4_K - Medium", "Q3_K - Small") and some i-quants ("IQ4_XS - 4.25 bpw"), a " (guessed)"
// suffix when the file did not record it, "mostly <type>" in 2023 builds. "Q4_K - Medium" is
// q4_k_m; "Q4_K_M" (a file-name spelling) is accepted too.
std::optional<Precision> WeightFormat(const std::string& model_type) {
  std::string text = ToLower(Trim(model_type));
  const std::string guessed = " (guessed)";
  if (text.size() > guessed.size() &&
      text.compare(text.size() - guessed.size(), guessed.size(), guessed) == 0) {
    text.resize(text.size() - guessed.size());
  }
  std::string variant;
  const size_t dash = text.find(" - ");
  if (dash != std::string::npos) {
    variant = Trim(text.substr(dash + 3));
    text = Trim(text.substr(0, dash));
  }
  const auto words = Split(text, ' ');
  if (words.empty()) return std::nullopt;
  std::string f = words.back();
  if (variant == "medium") f += "_m";
  if (variant == "small") f += "_s";
  if (variant == "large") f += "_l";
  if (f == "f16") return Precision::kFp16;
  if (f == "bf16") return Precision::kBf16;
  if (f == "f32" || f == "all") return Precision::kFp32;
  if (f == "q8_0") return Precision::kQ8_0;
  if (f == "q4_k_m" || f == "q4_k") return Precision::kQ4_K_M;  // "Q4_K - Medium"
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
              "weight format in '" + model_type +
                  "' is not modelled (F16, BF16, all F32, Q8_0, Q4_K - Medium)");
      continue;
    }
    const auto kv = KvFormat(Has(r, "type_k") ? Text(r, "type_k") : "");
    if (!kv) {
      SkipRow(options, &result, At(r, "type_k"),
              "KV cache type '" + Text(r, "type_k") + "' is not modelled");
      continue;
    }
    const std::string file_stem =
        Has(r, "model_filename") ? std::filesystem::path(Text(r, "model_filename")).stem().string()
                                 : "";
    auto model_id = options.MapModel(file_stem);
    if (!model_id) {
      // "Meta-Llama-3-8B-Instruct-Q4_K_M" -> drop the quantisation suffix and try again.
      const auto dash = file_stem.find_last_of("-.");
      if (dash != std::string::npos) model_id = options.MapModel(file_stem.substr(0, dash));
    }
    if (!model_id) {
      SkipRow(
          options, &result, At(r, "model_filename"),
          "cannot tell the model from '" + file_stem + "' (" + model_type + "); pass --model ID");
      continue;
    }
    // The markdown table has no gpu_info: a GPU backend with layers offloaded is a GPU run.
    const std::string backend = Has(r, "backends") ? Trim(Text(r, "backends")) : "";
    const bool gpu_named = Has(r, "gpu_info")
                               ? !Trim(Text(r, "gpu_info")).empty()
                               : !backend.empty() && backend != "CPU" && backend != "BLAS";
    const bool on_gpu = Has(r, "n_gpu_layers") && Number(r, "n_gpu_layers") > 0 && gpu_named;
    const char* device_field = on_gpu ? "gpu_info" : "cpu_info";
    const std::string device = Has(r, device_field) ? Text(r, device_field) : "";
    const auto hardware =
        options.MapHardware(Split(device, ',').empty() ? device : Split(device, ',').front());
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
