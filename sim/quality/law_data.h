// Observations that scaling laws are fitted to, and their CSV loaders. Every point keeps the
// file:line it came from so a bad value is reported where the user can fix it.
#pragma once

#include <string>
#include <vector>

#include "sim/util/error.h"

namespace rightsize {

// One training run: N parameters trained on D tokens reached loss L.
struct LossPoint {
  double n_params = 0.0;   // parameters (count), > 0
  double d_tokens = 0.0;   // training tokens (count), > 0
  double loss_nats = 0.0;  // next-token loss (nats/token), > 0
  SourceLocation where;    // file:line of the row
};

// Which CSV columns hold N, D (or training FLOPs C, then D = C / (6 N)) and L.
struct LossColumns {
  std::string n_params = "n_params";
  std::string d_tokens = "d_tokens";  // used when flops is empty
  std::string flops;                  // training FLOPs column; D = C / (6 N) (Kaplan 2020)
  std::string loss = "loss";
};

// Loads loss points; every value must be finite and > 0. Errors name file:line: column.
std::vector<LossPoint> LoadLossPoints(const std::string& path, const LossColumns& columns);

// The Epoch AI replication data (data/quality/epoch-chinchilla-replication): columns
// "Model Size", "Training FLOP", "loss"; D = C / (6 N) as in Besiroglu et al. 2024.
std::vector<LossPoint> LoadEpochChinchillaPoints(const std::string& path);

// Removes the k points with the highest loss (Besiroglu et al. 2024 drop the 5 highest-loss
// points, which sit far off the fitted surface). k >= 0 and k < points.size().
std::vector<LossPoint> DropHighestLoss(std::vector<LossPoint> points, int k);

// A run of Gadre et al. 2024 (data/quality/gadre-overtraining-2024).
struct GadreRun {
  std::string name;               // e.g. "rpj-open_lm_1b-32.0"
  std::string dataset;            // c4_original | rpj | rw_original
  std::string model_config;       // e.g. "d=96_l=8_h=4", "open_lm_1b"
  double n_params = 0.0;          // parameters incl. embeddings (count), > 0
  double d_tokens = 0.0;          // training tokens (count), > 0
  double token_multiplier = 0.0;  // M = D / N (tokens per parameter), > 0; 20 = compute-optimal
  double loss_c4_val_nats = 0.0;  // final loss on the paper's default C4 eval (nats/token)
  double err_avg17 = 0.0;         // mean top-1 error over the 17-task subset, in [0, 1]
  double err_avg46 = 0.0;         // mean top-1 error over the 46 tasks, in [0, 1]
  SourceLocation where;
};

std::vector<GadreRun> LoadGadreRuns(const std::string& path);

}  // namespace rightsize
