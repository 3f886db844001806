// `sweep`: every combination of a grid of models, hardware, batch, prompt / output lengths,
// weight precision and tensor-parallel degree, predicted in parallel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/app/calibration_choice.h"
#include "sim/plan/sweep.h"
#include "sim/spec/catalog.h"

namespace rightsize::app {

struct SweepOptions {
  std::vector<std::string> models;              // catalogue ids or config.json paths, at least one
  std::vector<std::string> hardware;            // catalogue ids, at least one
  std::vector<int64_t> batch = {1};             // each >= 1
  std::vector<int64_t> prompt_tokens = {512};   // each >= 1
  std::vector<int64_t> gen_tokens = {128};      // each >= 1; prompt + gen <= kMaxContextTokens
  std::vector<std::string> weights = {"bf16"};  // precision names
  std::vector<int> tensor_parallel = {1};       // each >= 1
  int threads = 0;                              // 0: all cores
  CalibrationChoice calibration;       // one parameter set for the grid; one device picks its group
  SweepProgress progress;              // points done of total; null = silent
  const UnitRunner* runner = nullptr;  // spreads the points over MPI ranks; null = this process
};

struct SweepResult {
  SweepGrid grid;
  std::vector<SweepRow> rows;  // grid order
  std::optional<UsedCalibration> calibration;
  double seconds = 0.0;  // wall-clock of the sweep alone
};

// The grid the options describe; InputError (key named as the option) for an empty axis, a value
// below 1, an unknown precision or a sequence longer than kMaxContextTokens.
SweepGrid MakeSweepGrid(const SweepOptions& options);

SweepResult RunSweepGrid(const SweepOptions& options, const Catalog& catalog);

// `rightsize sweep -o FILE` in CSV: the rows are written to FILE as they are predicted (through
// options.runner, else this process's threads), gzip-compressed when FILE ends in `.gz`, zstd when
// it ends in `.zst` (sim/util/block_compress.h); memory
// stays flat however large the grid. FILE appears complete or not at all (AtomicFileWriter).
struct SweepStreamResult {
  size_t points = 0;
  std::optional<UsedCalibration> calibration;
  double seconds = 0.0;  // predicting and writing
};
SweepStreamResult StreamSweepToCsvFile(const SweepOptions& options, const Catalog& catalog,
                                       const std::string& path);

// `rightsize sweep --format json` / `--format csv`.
nlohmann::json ToJson(const SweepResult& result);
std::string ToCsv(const SweepResult& result);

}  // namespace rightsize::app
