// Quality from scaling laws: a study candidate's task score predicted from its size and data
// instead of measured. The chain (docs/quality.md, "Quality from laws in a study"):
//
//   N          parameters of the candidate's model, total or non-embedding
//   L_base     = L_law(N, D_pre)                   the pre-trained model (loss law file)
//   fine-tune  Hernandez et al. 2021 count data in characters (sec. 1.2): D_F,chars = D_F c with c
//              the tokenizer's characters per token (data/quality/characters-per-token.csv);
//              D_T,chars = k D_F,chars^alpha N^beta (eq. 1.1; transfer law file); the fine-tuned
//              model has the loss of a from-scratch model trained on D_E = D_F + D_T of the
//              fine-tune's data (sec. 1.1, the definition of D_T), so
//   L_ft       = L_law(N, (D_F,chars + D_T,chars) / c)   (the loss law stands in for the from-
//              scratch law of the fine-tune's distribution, which no law file gives)
//   L          = min(L_base, L_ft) + delta_PTQ(N, D_pre, bits)   a fine-tune that does not lower
//              the loss is not shipped; Kumar et al. 2024 eq. 2 at the integer bit width of the
//              lowest precision served (ptq law file, optional)
//   score      = map(L) in %, never below the task's random baseline
//                gadre-error map: 100 (1 - Err(L)); sigmoid map: 100 acc(L)
// Fine-tune tokens are never added to D_pre: the transfer law already prices what pre-training is
// worth to the fine-tune.
//
// A map is used inside the loss range it was fitted on and on its own corpus. A loss outside
// the range is scored by the map all the same and flagged; the score's sd then gains, in
// quadrature, the extrapolation term |map(L) - map(L_edge)| (L_edge the nearest end of the
// range): the part of the prediction no fitted point supports counts as one sd. A loss law on
// another corpus than the map's is flagged, not corrected (no law relates the two corpora).
//
// Every coefficient comes from a law file (with its source) or is fitted, at load, on a data
// file named in the study. The score's sd combines (in quadrature) the laws' coefficient
// intervals propagated by Monte Carlo, the fitted map's residual scatter, the extrapolation term
// and an optional sd given in the study.
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
  double finetune_tokens = 0.0;     // D_F at the study's nominal fine-tune (tokens)
  std::optional<Law> transfer_law;  // required when the candidate is fine-tuned
  std::string transfer_law_file;
  double characters_per_token = 0.0;        // of the model's tokenizer, > 0 with a transfer law
  std::string characters_per_token_source;  // "TOKENIZER: c characters/token on TEXT (SOURCE)"
  std::optional<Law> ptq_law;               // optional: quantisation penalty
  std::string ptq_law_file;
  double post_bits = 0.0;      // integer bit width of the lowest precision served; 0: none
  std::string post_precision;  // its name (e.g. "int4")
  // Loss -> score map: gadre-error or sigmoid (x = loss in nats/token), from a file or fitted.
  Law accuracy_map;
  std::string accuracy_map_source;      // file, or "fitted on FILE (n points, ...)"
  double map_residual_sd_points = 0.0;  // RMSE of a fitted map, in score points (0 for a file)
  std::optional<CoefficientInterval> map_loss_range_nats;  // losses the map was fitted on
  std::string map_corpus;                     // corpus of the map's losses ("" unknown)
  std::string loss_corpus;                    // corpus of the loss law ("" unknown)
  std::optional<double> random_baseline_pct;  // lower bound of the score (%)
  double interval_level_override = 0.0;  // level for law intervals whose file leaves it unstated
  double extra_sd_points = 0.0;          // `sd` given in the study
  std::string sd_source;                 // sentence: what the sd is made of
};

// One evaluation of the chain.
struct LawQualityPoint {
  double finetune_tokens = 0.0;         // D_F (tokens)
  double finetune_characters = 0.0;     // D_F (characters)
  double transferred_characters = 0.0;  // D_T (characters)
  double transferred_tokens = 0.0;      // D_T (tokens)
  double base_loss_nats = 0.0;          // L_law(N, D_pre)
  double finetuned_loss_nats = 0.0;     // L_law(N, D_E); +inf without a fine-tune
  bool finetune_used = false;           // L_ft < L_base
  double effective_tokens = 0.0;        // the D the loss law is read at: D_E or D_pre
  double unquantised_loss_nats = 0.0;   // min(L_base, L_ft)
  double ptq_penalty_nats = 0.0;
  double loss_nats = 0.0;                  // with the penalty
  double score = 0.0;                      // task score (%)
  bool map_extrapolated = false;           // loss outside the map's fitted range
  double map_extrapolation_sd_points = 0;  // |map(L) - map(L_edge)|, 0 inside the range
};

LawQualityPoint EvaluateLawQuality(const LawQualityModel& model, double finetune_tokens);

// The interval level used for a law's coefficient intervals: its own, else override_level (the
// study's), else 0 (not propagated).
double LevelFor(const Law& law, double override_level);

// Standard deviation of the score (points) at finetune_tokens: law coefficient intervals drawn
// independently as normals (sd = interval width / (2 z_level), fixed seed), combined in
// quadrature with the map's residual sd, the extrapolation term and the study's sd.
double LawQualitySd(const LawQualityModel& model, double finetune_tokens);

// One-line description of the chain for the report's quality-source table, with the
// extrapolation and corpus flags.
std::string DescribeLawQuality(const LawQualityModel& model);

// The flags of the nominal point, one sentence each ("" when none): the map extrapolated, and
// the loss law's corpus differing from the map's.
std::string LawQualityWarnings(const LawQualityModel& model);

}  // namespace rightsize
