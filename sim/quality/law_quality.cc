#include "sim/quality/law_quality.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include <fmt/format.h>

#include "sim/util/stats.h"

namespace rightsize {
namespace {

constexpr int kSdDraws = 2000;  // Monte Carlo draws of the law coefficients
constexpr uint64_t kSdSeed = 20240417;

double MapScore(const LawQualityModel& m, const Law& map, double loss) {
  double score = 0.0;
  if (map.form == LawForm::kGadreError) {
    score = 100.0 * (1.0 - DownstreamError(map, loss));
  } else {
    score = 100.0 * SigmoidAccuracyOf(map, loss);
  }
  if (m.random_baseline_pct) score = std::max(score, *m.random_baseline_pct);
  return score;
}

LawQualityPoint Evaluate(const LawQualityModel& m, const Law& loss_law, const Law* transfer,
                         const Law* ptq, const Law& map, double finetune_tokens) {
  LawQualityPoint p;
  const ChinchillaCoefficients law = ToChinchilla(loss_law);
  p.finetune_tokens = finetune_tokens;
  p.base_loss_nats = ChinchillaLoss(law, m.n_params, m.pretrain_tokens);
  p.finetuned_loss_nats = std::numeric_limits<double>::infinity();
  p.effective_tokens = m.pretrain_tokens;
  if (finetune_tokens > 0.0 && transfer && m.characters_per_token > 0.0) {
    // Hernandez et al. 2021 sec. 1.2: D_F and D_T in characters.
    p.finetune_characters = finetune_tokens * m.characters_per_token;
    p.transferred_characters =
        EffectiveDataTransferred(*transfer, p.finetune_characters, m.n_non_embedding);
    p.transferred_tokens = p.transferred_characters / m.characters_per_token;
    const double effective_finetune_tokens = finetune_tokens + p.transferred_tokens;
    p.finetuned_loss_nats = ChinchillaLoss(law, m.n_params, effective_finetune_tokens);
    if (p.finetuned_loss_nats < p.base_loss_nats) {
      p.finetune_used = true;
      p.effective_tokens = effective_finetune_tokens;
    }
  }
  p.unquantised_loss_nats = std::min(p.base_loss_nats, p.finetuned_loss_nats);
  if (ptq && m.post_bits > 0.0) {
    p.ptq_penalty_nats = PtqPenalty(*ptq, m.n_non_embedding, m.pretrain_tokens, m.post_bits);
  }
  p.loss_nats = p.unquantised_loss_nats + p.ptq_penalty_nats;
  p.score = MapScore(m, map, p.loss_nats);
  if (m.map_loss_range_nats) {
    const double edge =
        std::clamp(p.loss_nats, m.map_loss_range_nats->low, m.map_loss_range_nats->high);
    if (edge != p.loss_nats) {
      p.map_extrapolated = true;
      p.map_extrapolation_sd_points = std::abs(p.score - MapScore(m, map, edge));
    }
  }
  return p;
}

// One draw of a law: every coefficient with an interval ~ N(value, (high - low) / (2 z)).
Law Draw(const Law& law, double level, std::mt19937_64& rng) {
  Law out = law;
  if (!(level > 0.0 && level < 1.0)) return out;
  const double z = NormalQuantileTwoSided(level);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (const auto& [name, ci] : law.intervals) {
    auto it = out.coefficients.find(name);
    if (it == out.coefficients.end()) continue;
    it->second += (ci.high - ci.low) / (2.0 * z) * normal(rng);
  }
  return out;
}

bool HasUsableIntervals(const Law& law, double override_level) {
  const double level = LevelFor(law, override_level);
  return !law.intervals.empty() && level > 0.0 && level < 1.0;
}

}  // namespace

// The interval level used for a law: its own, else the study's override, else 0 (not used).
double LevelFor(const Law& law, double override_level) {
  return law.interval_level > 0.0 ? law.interval_level : override_level;
}

LawQualityPoint EvaluateLawQuality(const LawQualityModel& m, double finetune_tokens) {
  return Evaluate(m, m.loss_law, m.transfer_law ? &*m.transfer_law : nullptr,
                  m.ptq_law ? &*m.ptq_law : nullptr, m.accuracy_map, finetune_tokens);
}

double LawQualitySd(const LawQualityModel& m, double finetune_tokens) {
  double law_var = 0.0;
  const double lvl = m.interval_level_override;
  const bool any = HasUsableIntervals(m.loss_law, lvl) ||
                   (m.transfer_law && HasUsableIntervals(*m.transfer_law, lvl)) ||
                   (m.ptq_law && HasUsableIntervals(*m.ptq_law, lvl)) ||
                   HasUsableIntervals(m.accuracy_map, lvl);
  if (any) {
    std::mt19937_64 rng(kSdSeed);
    double sum = 0.0, sum_sq = 0.0;
    int n = 0;
    for (int d = 0; d < kSdDraws; ++d) {
      const Law loss = Draw(m.loss_law, LevelFor(m.loss_law, lvl), rng);
      std::optional<Law> transfer, ptq;
      if (m.transfer_law) transfer = Draw(*m.transfer_law, LevelFor(*m.transfer_law, lvl), rng);
      if (m.ptq_law) ptq = Draw(*m.ptq_law, LevelFor(*m.ptq_law, lvl), rng);
      const Law map = Draw(m.accuracy_map, LevelFor(m.accuracy_map, lvl), rng);
      const double score = Evaluate(m, loss, transfer ? &*transfer : nullptr, ptq ? &*ptq : nullptr,
                                    map, finetune_tokens)
                               .score;
      if (!std::isfinite(score)) continue;
      sum += score;
      sum_sq += score * score;
      ++n;
    }
    if (n > 1) law_var = std::max(0.0, (sum_sq - sum * sum / n) / (n - 1));
  }
  const double extrapolation = EvaluateLawQuality(m, finetune_tokens).map_extrapolation_sd_points;
  return std::sqrt(law_var + m.map_residual_sd_points * m.map_residual_sd_points +
                   extrapolation * extrapolation + m.extra_sd_points * m.extra_sd_points);
}

std::string LawQualityWarnings(const LawQualityModel& m) {
  const LawQualityPoint p = EvaluateLawQuality(m, m.finetune_tokens);
  std::string text;
  if (p.map_extrapolated) {
    text += fmt::format(
        "EXTRAPOLATED: loss {:.3f} nats/token lies outside the {:.2f}-{:.2f} the map was fitted "
        "on; sd "
        "widened by |map(L) - map(nearest end)| = {:.2f} points.",
        p.loss_nats, m.map_loss_range_nats->low, m.map_loss_range_nats->high,
        p.map_extrapolation_sd_points);
  }
  if (!m.loss_corpus.empty() && !m.map_corpus.empty() && m.loss_corpus != m.map_corpus) {
    if (!text.empty()) text += " ";
    text += fmt::format(
        "CORPUS MISMATCH: the loss law predicts loss on {} but the map was fitted on losses on {} "
        "(not "
        "corrected).",
        m.loss_corpus, m.map_corpus);
  }
  return text;
}

std::string DescribeLawQuality(const LawQualityModel& m) {
  const LawQualityPoint p = EvaluateLawQuality(m, m.finetune_tokens);
  std::string text =
      fmt::format("law {} ({} N = {:.3g}) at D_pre = {:.3g} tokens ({}): L = {:.4f} nats/token",
                  m.loss_law_file, m.n_params_kind, m.n_params, m.pretrain_tokens,
                  m.pretrain_tokens_source, p.base_loss_nats);
  if (m.finetune_tokens > 0.0) {
    text += fmt::format(
        "; fine-tune D_F = {:.3g} tokens = {:.3g} characters ({}) worth D_T = {:.3g} characters "
        "more "
        "({}): L(N, D_F + D_T = {:.3g} tokens) = {:.4f}, {}",
        m.finetune_tokens, p.finetune_characters, m.characters_per_token_source,
        p.transferred_characters, m.transfer_law_file, m.finetune_tokens + p.transferred_tokens,
        p.finetuned_loss_nats,
        p.finetune_used ? "used" : "not used (no lower than the pre-trained loss)");
  }
  if (p.ptq_penalty_nats > 0.0) {
    text += fmt::format(" + PTQ {:.4f} at {} ({} bits; {})", p.ptq_penalty_nats, m.post_precision,
                        m.post_bits, m.ptq_law_file);
  }
  text += fmt::format("; score via {}; sd: {}", m.accuracy_map_source, m.sd_source);
  const std::string warnings = LawQualityWarnings(m);
  if (!warnings.empty()) text += " " + warnings;
  return text;
}

}  // namespace rightsize
