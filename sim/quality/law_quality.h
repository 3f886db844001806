// Quality from scaling laws: a study candidate's task score predicted from its size and data
// instead of measured. The chain (docs/quality.md, "Quality from laws in a study"):
//
//   N          parameters of the candidate's model, total or non-embedding
//   D_E        effective data of the fine-tune, D_F + D_T with D_T = k D_F^alpha N^beta
//              (Hernandez et al. 2021 eq. 1.1; transfer law file); 0 without a fine-tune
//   L          = L_law(N, D_pre + D_E)            (loss law file: chinchilla or gadre form)
//              + delta_PTQ(N, D_pre, bits)        (Kumar et al. 2024; ptq law file, optional)
//   score      = map(L) in %, never below the task's random baseline
//                gadre-error map: 100 (1 - Err(L)); sigmoid map: 100 acc(L)
//
// Every coefficient comes from a law file (with its source) or is fitted, at load, on a data
// file named in the study. The score's sd combines (in quadrature) the laws' coefficient
// intervals propagated by Monte Carlo, the fitted map's residual scatter, and an optional sd
// given in the study.
#pragma once

#include <optional>
#include <string>

#include "sim/quality/law_spec.h"

namespace rightsize {

struct LawQualityModel {
  // Loss law over (N, D) and its file.
  Law loss_law;
  std::string loss_law_file;
  std::string n_params_kind = "total";  // total | non_embedding: which count the loss law takes
  double n_params = 0.0;                // N for the loss law (count)
  double n_non_embedding = 0.0;         // N for the transfer and PTQ laws (count)
  double pretrain_tokens = 0.0;         // D_pre (tokens)
  std::string pretrain_tokens_source;
  double finetune_tokens = 0.0;         // D_F at the study's nominal fine-tune (tokens)
  std::optional<Law> transfer_law;      // required when the candidate is fine-tuned
  std::string transfer_law_file;
  std::optional<Law> ptq_law;           // optional: quantisation penalty
  std::string ptq_law_file;
  double post_bits = 0.0;               // bits per weight of the lowest precision served; 0: none
  std::string post_precision;           // its name (e.g. "int4")
  // Loss -> score map: gadre-error or sigmoid (x = loss in nats/token), from a file or fitted.
  Law accuracy_map;
  std::string accuracy_map_source;      // file, or "fitted on FILE (n points, ...)"
  double map_residual_sd_points = 0.0;  // RMSE of a fitted map, in score points (0 for a file)
  std::optional<double> random_baseline_pct;  // lower bound of the score (%)
  double interval_level_override = 0.0; // level for law intervals whose file leaves it unstated
  double extra_sd_points = 0.0;         // `sd` given in the study
  std::string sd_source;                // sentence: what the sd is made of
};

// One evaluation of the chain.
struct LawQualityPoint {
  double finetune_tokens = 0.0;       // D_F
  double transferred_tokens = 0.0;    // D_T
  double effective_tokens = 0.0;      // D_pre + D_F + D_T
  double pretrained_loss_nats = 0.0;  // L_law(N, D_pre + D_E)
  double ptq_penalty_nats = 0.0;
  double loss_nats = 0.0;             // with the penalty
  double score = 0.0;                 // task score (%)
};

LawQualityPoint EvaluateLawQuality(const LawQualityModel& model, double finetune_tokens);

// The interval level used for a law's coefficient intervals: its own, else override_level (the
// study's), else 0 (not propagated).
double LevelFor(const Law& law, double override_level);

// Standard deviation of the score (points) at finetune_tokens: law coefficient intervals drawn
// independently as normals (sd = interval width / (2 z_level), fixed seed), combined in
// quadrature with the map's residual sd and the study's sd.
double LawQualitySd(const LawQualityModel& model, double finetune_tokens);

// One-line description of the chain for the report's quality-source table.
std::string DescribeLawQuality(const LawQualityModel& model);

}  // namespace rightsize
