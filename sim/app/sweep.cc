#include "sim/app/sweep.h"

#include <chrono>

#include <fmt/format.h>

#include "sim/util/error.h"
#include "sim/util/output_path.h"

namespace rightsize::app {
namespace {

template <typename T>
void CheckAtLeastOne(const std::vector<T>& values, const char* key) {
  for (auto v : values) {
    if (v < 1) throw InputError({"", 0, key}, fmt::format("must be >= 1, got {}", v));
  }
}

}  // namespace

SweepGrid MakeSweepGrid(const SweepOptions& options) {
  if (options.models.empty()) throw InputError({"", 0, "models"}, "give at least one model");
  if (options.hardware.empty()) {
    throw InputError({"", 0, "hardware"}, "give at least one hardware id");
  }
  SweepGrid g;
  g.models = options.models;
  g.hardware = options.hardware;
  g.batch = options.batch;
  g.prompt_tokens = options.prompt_tokens;
  g.gen_tokens = options.gen_tokens;
  g.tensor_parallel = options.tensor_parallel;
  g.weights.clear();
  for (const auto& w : options.weights)
    g.weights.push_back(ParsePrecision(w, {"", 0, "--weights"}));
  for (auto b : g.batch) {
    if (b < 1) throw InputError({"", 0, "batch"}, fmt::format("batch must be >= 1, got {}", b));
  }
  CheckAtLeastOne(g.prompt_tokens, "prompt_tokens");
  CheckAtLeastOne(g.gen_tokens, "gen_tokens");
  CheckAtLeastOne(g.tensor_parallel, "tp");
  for (auto p : g.prompt_tokens) {
    for (auto n : g.gen_tokens) {
      if (p + n > kMaxContextTokens) {
        throw InputError(
            {"", 0, "--prompt-tokens + --gen-tokens"},
            fmt::format("{} + {} exceeds {} tokens per sequence", p, n, kMaxContextTokens));
      }
    }
  }
  if (g.Size() == 0) throw InputError({"", 0, "grid"}, "every axis needs at least one value");
  return g;
}

SweepResult RunSweepGrid(const SweepOptions& options, const Catalog& catalog) {
  SweepResult result;
  result.grid = MakeSweepGrid(options);
  result.calibration = LoadCalibration(
      options.calibration, options.hardware.size() == 1 ? options.hardware.front() : "");
  const auto start = std::chrono::steady_clock::now();
  result.rows = RunSweep(result.grid, catalog, ParamsOf(result.calibration), options.threads,
                         options.progress, options.runner);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

SweepStreamResult StreamSweepToCsvFile(const SweepOptions& options, const Catalog& catalog,
                                       const std::string& path) {
  SweepStreamResult result;
  const SweepGrid grid = MakeSweepGrid(options);
  result.calibration = LoadCalibration(
      options.calibration, options.hardware.size() == 1 ? options.hardware.front() : "");
  // Compressed in blocks where the rows are predicted; the file takes the blocks as they are.
  const BlockCompression compression = BlockCompressionOfPath(path);
  const auto start = std::chrono::steady_clock::now();
  const LocalUnitRunner local(options.threads);
  // Opened at the first rows: on an MPI job only the gathering rank gets any.
  std::optional<AtomicFileWriter> file;
  StreamSweepCsv(
      grid, catalog, ParamsOf(result.calibration), options.runner ? *options.runner : local,
      compression,
      [&](std::string&& bytes) {
        if (!file) file.emplace(path, AtomicFileWriter::Compression::kNone);
        file->Append(bytes);
      },
      options.progress);
  RS_CHECK(file.has_value(), "a sweep of at least one point wrote no rows");
  file->Commit();
  result.points = grid.Size();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

nlohmann::json ToJson(const SweepResult& result) {
  nlohmann::json doc = SweepJson(result.grid, result.rows);
  if (result.calibration) doc["calibration"] = ToJson(*result.calibration);
  return doc;
}

std::string ToCsv(const SweepResult& result) { return SweepCsv(result.grid, result.rows); }

}  // namespace rightsize::app
