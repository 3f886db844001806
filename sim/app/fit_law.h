// `fit-law`: fits a scaling law to the user's points and writes it (with intervals, objective,
// point count and the input's hash) as JSON that `rightsize size --law` reads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/util/work_units.h"

namespace rightsize::app {

// Progress of a long stage ("starts": the multi-start fit, "bootstrap"): `done` of `total`.
using FitLawProgress = std::function<void(const std::string& stage, int done, int total)>;

struct FitLawOptions {
  std::string data_path;  // CSV of observations
  std::string form = "chinchilla";
  std::string output_path;       // JSON written atomically
  int bootstrap_resamples = 0;   // >= 0; 0 = no intervals
  double interval_level = 0.80;  // in (0, 1)
  int drop_highest_loss = 0;     // >= 0 (loss forms only)
  // Loss forms (chinchilla, kaplan-n, kaplan-d, gadre): column names; D from flops when given.
  std::string n_column = "n_params";
  std::string d_column = "d_tokens";
  std::string flops_column;
  std::string loss_column = "loss";
  // Other forms: comma-separated input columns (see LawObservation) and the target column.
  std::string x_columns;
  std::string y_column;
  double floor = 0.0;   // sigmoid: random-guess accuracy, in [0, 1)
  int num_threads = 0;  // 0 = all cores
  // Chinchilla: run every start of the App. D.2 grid to its own end instead of stopping those
  // that join an earlier start's path (HoffmannFitOptions::stop_on_known_path).
  bool every_start_to_end = false;
  uint64_t seed = 20240417;  // bootstrap seed
  FitLawProgress progress;   // null = silent
  // Spreads the bootstrap resamples over MPI ranks (rightsize-mpi); null = this process. Every
  // rank runs the fit itself (the same bits), then the resamples are split; rank 0 writes.
  const UnitRunner* runner = nullptr;
};

struct FitLawResult {
  // The law JSON `rightsize size --law` reads (also written to output_path when non-empty). An
  // unusable fit (the data cannot identify the coefficients) is still a document, with usable:
  // false and the reason.
  nlohmann::json document;
  bool usable = false;
};

// Bad input throws InputError naming file:line: column.
FitLawResult RunFitLaw(const FitLawOptions& options);

}  // namespace rightsize::app
