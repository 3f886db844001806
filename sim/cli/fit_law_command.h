// `rightsize fit-law DATA.csv --form F [--bootstrap N] [--drop-highest-loss K] -o law.json`:
// fits a scaling law to the user's points and writes it (with intervals, objective, point count
// and the input's hash) as JSON that `rightsize size --law` reads.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace rightsize {

struct FitLawCommandOptions {
  std::string data_path;          // CSV of observations
  std::string form = "chinchilla";
  std::string output_path;        // JSON written atomically
  int bootstrap_resamples = 0;    // >= 0; 0 = no intervals
  double interval_level = 0.80;   // in (0, 1)
  int drop_highest_loss = 0;      // >= 0 (loss forms only)
  // Loss forms (chinchilla, kaplan-n, kaplan-d, gadre): column names; D from flops when given.
  std::string n_column = "n_params";
  std::string d_column = "d_tokens";
  std::string flops_column;
  std::string loss_column = "loss";
  // Other forms: comma-separated input columns (see LawObservation) and the target column.
  std::string x_columns;
  std::string y_column;
  double floor = 0.0;             // sigmoid: random-guess accuracy, in [0, 1)
  int num_threads = 0;            // 0 = all cores
  uint64_t seed = 20240417;       // bootstrap seed
  bool progress = false;          // force the progress display even when stderr is not a tty
};

// Runs the fit and returns the JSON document (also written to output_path when non-empty).
// Bad input throws InputError naming file:line: column.
nlohmann::json RunFitLaw(const FitLawCommandOptions& options);

// Exit code: 0 for a usable fit; 2 (bad input) when the data cannot identify the coefficients:
// the law JSON is still written, with usable: false and the reason.
void RegisterFitLawCommand(CLI::App& app, int* exit_code);

}  // namespace rightsize
