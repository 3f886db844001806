#include "sim/plan/study.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "sim/plan/finetune_gain.h"
#include "sim/plan/law_quality.h"
#include "sim/quality/published_scores.h"
#include "sim/spec/catalog.h"
#include "sim/util/csv.h"
#include "sim/util/file_io.h"
#include "sim/util/strings.h"
#include "sim/util/yaml_reader.h"

namespace rightsize {
namespace {

// Fine-tuning tokens: a million times the largest published pre-training runs (~1e13 tokens);
// beyond it nothing the cost model prices is meaningful.
constexpr double kMaxFinetuneTokens = 1e18;

// Every id a candidate names must be in the catalogue (or, for `model`, a readable file); an
// unknown one is reported at the study line that names it.
void CheckCandidateIds(const CandidateSpec& c, const YamlReader& r, const Catalog& catalog) {
  if (!c.model.empty()) AtLocation(r.Where("model"), [&] { catalog.ResolveModel(c.model); });
  for (const auto& id : c.hardware) AtLocation(r.Where("hardware"), [&] { catalog.Hardware(id); });
}

std::vector<int> ParseDegrees(YamlReader& r, const std::string& key) {
  std::vector<int> out;
  for (const auto& text : r.OptionalStringList(key)) {
    char* end = nullptr;
    const long v = std::strtol(text.c_str(), &end, 10);
    if (end == text.c_str() || *end != '\0' || v < 1 || v > 1024) {
      throw InputError(r.Where(key), "'" + text + "' is not a degree in 1..1024");
    }
    out.push_back(static_cast<int>(v));
  }
  return out;
}

// A score given in the study (with its source), or looked up in the scores table by model name,
// benchmark and (optionally) evaluator / variant.
QualitySpec ParseQuality(YamlReader q, const std::string& scores_file,
                         const std::string& study_file) {
  QualitySpec s;
  s.sd = q.OptionalDouble("sd", 0.0, 0.0, 1e9);
  std::optional<FinetuneGain> gain;
  if (q.Has("finetune_gain")) gain = ReadFinetuneGain(q.Child("finetune_gain"), study_file);
  // Sampling error of an accuracy in percent measured on n questions: 100 sqrt(p (1 - p) / n).
  const int64_t questions = q.OptionalInt("questions", 0, 0, int64_t{1} << 40);
  auto binomial_sd = [&] {
    if (questions == 0) return;
    const double p = std::clamp(s.score / 100.0, 0.0, 1.0);
    s.sd = std::max(s.sd, 100.0 * std::sqrt(p * (1.0 - p) / static_cast<double>(questions)));
  };
  // Between-evaluator variance of a looked-up score (0 for a given score or a pinned evaluator).
  double between_evaluator_variance = 0.0;
  // The base score's sd first (the binomial error is of the base eval, the evaluator's offset on
  // top of it), then the gain on top.
  auto finish = [&] {
    binomial_sd();
    s.sd = std::sqrt(s.sd * s.sd + between_evaluator_variance);
    s.evaluator_sd = std::sqrt(between_evaluator_variance);
    if (gain) ApplyFinetuneGain(*gain, &s);
    return s;
  };
  if (q.Has("score")) {
    s.score = q.RequiredDouble("score", -1e9, 1e9);
    s.source = q.RequiredString("source");
    q.RejectUnknownKeys();
    return finish();
  }
  const std::string model = q.RequiredString("model_name");
  const std::string benchmark = q.RequiredString("benchmark");
  const std::string evaluator = q.OptionalString("evaluator", "");
  const std::string variant = q.OptionalString("variant", "");
  q.RejectUnknownKeys();
  const PublishedScores table = PublishedScores::Load(scores_file);
  std::vector<PublishedScore> matches;
  for (const PublishedScore& p : table.Find(model, benchmark)) {
    if (!evaluator.empty() && p.evaluator != evaluator) continue;
    if (!variant.empty() && p.variant != variant) continue;
    matches.push_back(p);
  }
  if (matches.empty()) {
    const std::string hint = DidYouMean(model, table.ModelNames());
    throw InputError(q.Where("model_name"),
                     fmt::format("no {} score for '{}' in {}{}", benchmark, model, scores_file,
                                 hint.empty() ? "" : "; " + hint));
  }
  std::set<std::string> evaluators;
  for (const PublishedScore& p : matches) {
    if (!evaluators.insert(p.evaluator).second) {
      throw InputError(q.Where("model_name"),
                       fmt::format("{} has several {} scores for '{}' in {}: add variant",
                                   p.evaluator, benchmark, model, scores_file));
    }
  }
  for (const PublishedScore& p : matches)
    s.score += p.score_pct / static_cast<double>(matches.size());
  std::vector<std::string> cited;
  for (const PublishedScore& p : matches) {
    cited.push_back(fmt::format("{}:{} ({}, {}, {}; {}: {:g})", scores_file, p.line, p.model,
                                benchmark, p.setting, p.evaluator, p.score_pct));
  }
  std::vector<std::string> names(evaluators.begin(), evaluators.end());
  s.evaluators = fmt::format("{}", fmt::join(names, " + "));
  s.benchmark = benchmark;
  const EvaluatorSpread spread = table.BetweenEvaluatorSpread(benchmark);
  if (spread.models > 0) s.benchmark_evaluator_spread = spread.sd;
  if (!evaluator.empty()) {
    // A pinned evaluator: its score alone, with its sampling error only.
    const PublishedScore& p = matches.front();
    s.evaluators += " (pinned)";
    s.source = fmt::format("{}:{} ({}, {}, {}; {})", scores_file, p.line, p.model, benchmark,
                           p.setting, p.evaluator);
    return finish();
  }
  // Every published source: their mean, and the evaluator's own offset as a random effect whose
  // variance the mean of k sources divides by k.
  between_evaluator_variance = spread.sd * spread.sd / static_cast<double>(matches.size());
  s.source = fmt::format(
      "{} of {}; between-evaluator sd {:.2f} on {} ({})", matches.size() > 1 ? "mean" : "score",
      fmt::join(cited, ", "), spread.sd, benchmark,
      spread.models > 0
          ? fmt::format("pooled over the {} models with two or more evaluators in the table",
                        spread.models)
          : "no model has two evaluators in the table");
  return finish();
}

CandidateSpec ParseCandidate(const YAML::Node& node, const std::string& file, size_t index,
                             const std::string& scores_file, const Catalog& catalog) {
  YamlReader r(node, file, "candidates[" + std::to_string(index) + "]");
  CandidateSpec c;
  c.line = LineOf(node);
  c.name = r.RequiredString("name");
  c.role = r.RequiredString("role");
  if (c.role != "small" && c.role != "large") {
    throw InputError(r.Where("role"), "must be small or large, got '" + c.role + "'");
  }
  YamlReader quality = r.Child("quality");
  const bool law_quality = quality.Has("law");
  if (!law_quality) c.quality = ParseQuality(quality, scores_file, file);
  if (r.Has("api")) {
    YamlReader a = r.Child("api");
    ApiSpec api;
    api.usd_per_million_input_tokens = a.RequiredDouble("usd_per_million_input_tokens", 0, 1e6);
    api.usd_per_million_output_tokens = a.RequiredDouble("usd_per_million_output_tokens", 0, 1e6);
    api.source = a.RequiredString("source");
    a.RejectUnknownKeys();
    c.api = api;
  }
  // Self-hosted layouts, next to the API when both are given: each month takes the cheapest.
  if (!c.api || r.Has("hardware")) {
    c.model = r.RequiredString("model");
    c.hardware = r.OptionalStringList("hardware");
    if (c.hardware.empty()) throw InputError(r.Where("hardware"), "list at least one hardware id");
    if (r.Has("tensor_parallel")) c.tensor_parallel = ParseDegrees(r, "tensor_parallel");
    if (r.Has("weights")) {
      c.weights.clear();
      for (const auto& w : r.OptionalStringList("weights"))
        c.weights.push_back(ParsePrecision(w, r.Where("weights")));
    }
  }
  if (r.Has("finetune")) {
    YamlReader f = r.Child("finetune");
    FinetuneSpec ft;
    ft.method = f.RequiredString("method");
    if (ft.method != "full" && ft.method != "lora" && ft.method != "qlora") {
      throw InputError(f.Where("method"), "must be full, lora or qlora, got '" + ft.method + "'");
    }
    ft.tokens = f.RequiredDouble("tokens", 1, kMaxFinetuneTokens);
    ft.hardware_id = f.RequiredString("hardware");
    AtLocation(f.Where("hardware"), [&] { catalog.Hardware(ft.hardware_id); });
    ft.devices = static_cast<int>(f.OptionalInt("devices", 1, 1, 100000));
    ft.sequence_tokens = f.OptionalInt("sequence_tokens", 2048, 1, 1 << 24);
    ft.batch = f.OptionalInt("batch", 8, 1, 1 << 20);
    f.RejectUnknownKeys();
    if (c.api && c.model.empty()) c.model = r.OptionalString("model", "");
    c.finetune = ft;
  }
  if (c.api) c.model = r.OptionalString("model", c.model);
  if (c.finetune && c.model.empty()) {
    throw InputError(r.Where("model"), "a fine-tuned candidate needs the model it fine-tunes");
  }
  CheckCandidateIds(c, r, catalog);
  if (law_quality) {
    LawQualityParams params;
    if (!c.model.empty()) {
      const ParamCounts counts = CountParams(catalog.ResolveModel(c.model));
      params.total = static_cast<double>(counts.Total());
      params.non_embedding =
          static_cast<double>(counts.Total() - counts.embedding - counts.lm_head);
    }
    auto model = std::make_shared<LawQualityModel>(ParseLawQuality(quality, c, file, params));
    c.quality.score = EvaluateLawQuality(*model, model->finetune_tokens).score;
    c.quality.sd = LawQualitySd(*model, model->finetune_tokens);
    c.quality.source = DescribeLawQuality(*model);
    c.quality.law = std::move(model);
  }
  r.RejectUnknownKeys();
  return c;
}

// The largest monthly traffic a study may reach: costs are summed in doubles (replicas too, see
// ReplicasNeeded), which stay finite and exact enough far beyond it; any real traffic is below
// 1e15 requests a month.
constexpr double kMaxGrownRequestsPerMonth = 1e30;

// Traffic compounds by (1 + monthly_growth) each month; the sensitivity analysis scales traffic
// and the horizon by up to kSensitivityHighScale. The largest traffic any cost is computed at must
// stay bounded.
void CheckTrafficGrowth(const StudySpec& s, const YamlReader& r) {
  if (s.monthly_growth <= 0) return;
  const double months = std::ceil(kSensitivityHighScale * s.horizon_months);
  const double peak =
      kSensitivityHighScale * std::max(s.requests_per_month, s.sweep_max_requests_per_month);
  const double log10_peak = std::log10(peak) + months * std::log10(1.0 + s.monthly_growth);
  if (log10_peak > std::log10(kMaxGrownRequestsPerMonth)) {
    throw InputError(
        r.Where("monthly_growth"),
        fmt::format(
            "traffic would grow to 1e{:.0f} requests/month within {} months (the horizon x{} "
            "of the sensitivity analysis); at most {:.0e}: lower monthly_growth, horizon_months "
            "or the traffic",
            log10_peak, months, kSensitivityHighScale, kMaxGrownRequestsPerMonth));
  }
}

// The `uncertainty:` block: throughput (required), traffic forecast and utilisation (optional).
void ReadUncertainty(YamlReader u, StudySpec* s) {
  s->throughput_rel_sd = u.RequiredDouble("throughput_rel_sd", 0.0, 10.0);
  s->throughput_rel_sd_source = u.RequiredString("source");
  s->traffic_rel_sd = u.OptionalDouble("traffic_rel_sd", 0.0, 0.0, 10.0);
  if (s->traffic_rel_sd > 0) s->traffic_rel_sd_source = u.RequiredString("traffic_source");
  if (u.Has("utilisation")) {
    YamlReader t = u.Child("utilisation");
    s->utilisation = t.RequiredDouble("nominal", 0.01, 1.0);
    s->utilisation_min = t.OptionalDouble("min", s->utilisation, 0.01, 1.0);
    s->utilisation_max = t.OptionalDouble("max", s->utilisation, 0.01, 1.0);
    if (s->utilisation_min > s->utilisation || s->utilisation > s->utilisation_max) {
      throw InputError(t.Where("nominal"), "needs min <= nominal <= max");
    }
    s->utilisation_source = t.RequiredString("source");
    t.RejectUnknownKeys();
  }
  u.RejectUnknownKeys();
}

// The `prices:` block: which kinds of quote price the devices. Spot capacity can be taken back at
// any time, so it is allowed only for a workload the study says tolerates interruption.
PriceChoice ReadPriceChoice(YamlReader p) {
  PriceChoice choice;
  choice.interruptible = p.OptionalBool("interruptible", false);
  choice.packed = p.OptionalBool("packed", false);
  if (p.Has("kinds")) {
    choice.kinds = p.OptionalStringList("kinds");
    if (choice.kinds.empty()) throw InputError(p.Where("kinds"), "list at least one price kind");
  }
  for (const std::string& kind : choice.kinds) {
    CheckPriceKind(kind, p.Where("kinds"));
    if (kind == kPriceSpot && !choice.interruptible) {
      throw InputError(p.Where("kinds"),
                       "cloud-spot capacity can be reclaimed at any time: list it only with "
                       "`interruptible: true` (the workload tolerates interruption)");
    }
  }
  if (choice.Serverless()) {
    if (choice.AlwaysOnKinds().empty()) {
      throw InputError(p.Where("kinds"),
                       "serverless prices scale-to-zero workers beside always-on devices: list an "
                       "always-on kind too (e.g. cloud-on-demand)");
    }
    YamlReader w = p.Child("serverless");
    choice.idle_timeout_s = w.RequiredDouble("idle_timeout_s", 0.0, 86400.0);
    choice.cold_start_s = w.RequiredDouble("cold_start_s", 0.0, 86400.0);
    choice.serverless_source = w.RequiredString("source");
    w.RejectUnknownKeys();
  }
  p.RejectUnknownKeys();
  return choice;
}

// Without `quality_tolerance`, the tolerance is the benchmark's between-evaluator spread: two
// scores closer than evaluators disagree on one model are not told apart.
void DefaultQualityTolerance(const YamlReader& r, StudySpec* s) {
  for (const CandidateSpec& c : s->candidates) {
    if (c.quality.benchmark_evaluator_spread > 0) {
      s->quality_tolerance = c.quality.benchmark_evaluator_spread;
      s->quality_tolerance_source =
          fmt::format("the between-evaluator spread of {}", c.quality.benchmark);
      return;
    }
  }
  throw InputError(r.Where("quality_tolerance"),
                   "required: no candidate's score was looked up on a benchmark whose evaluators' "
                   "spread is known, so there is no default tolerance");
}

}  // namespace

bool PriceChoice::Serverless() const {
  return std::find(kinds.begin(), kinds.end(), kPriceServerless) != kinds.end();
}

std::vector<std::string> PriceChoice::AlwaysOnKinds() const { return AlwaysOnOf(kinds); }

double QualityAtFinetuneTokens(const QualitySpec& quality, double finetune_tokens) {
  if (!quality.law || !quality.law->transfer_law) return quality.score;
  return EvaluateLawQuality(*quality.law, finetune_tokens).score;
}

StudySpec LoadStudy(const std::string& path, const Catalog& catalog) {
  return LoadStudy(LoadYamlFile(path), path, catalog);
}

StudySpec LoadStudy(const YAML::Node& root, const std::string& path, const Catalog& catalog) {
  YamlReader r(root, path);
  StudySpec s;
  s.file = path;
  s.title = r.RequiredString("title");
  s.question = r.OptionalString("question", "");
  s.task = r.RequiredString("task");
  const std::string scores_file = ResolveProjectPath(
      r.OptionalString("scores_file", "data/quality/model-benchmarks.csv"), path);
  const bool tolerance_given = r.Has("quality_tolerance");
  if (tolerance_given) {
    s.quality_tolerance = r.RequiredDouble("quality_tolerance", 0, 1e9);
    s.quality_tolerance_source = "the study";
  }
  s.horizon_months = r.RequiredDouble("horizon_months", 0.01, 1200);
  s.monthly_growth = r.OptionalDouble("monthly_growth", 0.0, -0.99, 10.0);
  {
    YamlReader t = r.Child("traffic");
    s.requests_per_month = t.RequiredDouble("requests_per_month", 1e-3, 1e15);
    s.sweep_min_requests_per_month =
        t.OptionalDouble("sweep_min_requests_per_month", s.requests_per_month / 1e3, 1e-3, 1e15);
    s.sweep_max_requests_per_month =
        t.OptionalDouble("sweep_max_requests_per_month", s.requests_per_month * 1e3, 1e-3, 1e15);
    if (s.sweep_max_requests_per_month <= s.sweep_min_requests_per_month) {
      throw InputError(t.Where("sweep_max_requests_per_month"),
                       "must exceed sweep_min_requests_per_month");
    }
    const double max_context = static_cast<double>(kMaxContextTokens);
    s.prompt_tokens = t.RequiredDouble("prompt_tokens", 1, max_context);
    s.output_tokens = t.RequiredDouble("output_tokens", 1, max_context);
    if (s.prompt_tokens + s.output_tokens > max_context) {
      throw InputError(
          t.Where("output_tokens"),
          fmt::format("prompt + output tokens must be at most {} per request", kMaxContextTokens));
    }
    t.RejectUnknownKeys();
  }
  CheckTrafficGrowth(s, r);
  s.slo = ReadSloSpec(r);
  s.simulation = ReadServingSimSettings(r);
  ReadUncertainty(r.Child("uncertainty"), &s);
  if (r.Has("prices")) s.prices = ReadPriceChoice(r.Child("prices"));
  if (r.Has("finetune_token_grid")) {
    const YAML::Node grid = r.Raw("finetune_token_grid");
    if (!grid.IsSequence())
      throw InputError(r.Where("finetune_token_grid"), "expected a list of token counts");
    for (const auto& item : grid) {
      double v = 0;
      try {
        v = item.as<double>();
      } catch (const YAML::Exception&) {
        v = -1;
      }
      if (!(v > 0) || !(v <= kMaxFinetuneTokens)) {
        throw InputError(
            {path, LineOf(item), "finetune_token_grid"},
            fmt::format("token counts must be positive numbers up to {:.0e}", kMaxFinetuneTokens));
      }
      s.finetune_token_grid.push_back(v);
    }
  }
  const YAML::Node candidates = r.Raw("candidates");
  if (!candidates.IsSequence() || candidates.size() < 2) {
    throw InputError(r.Where("candidates"), "list at least two candidates (a small and a large)");
  }
  for (size_t i = 0; i < candidates.size(); ++i)
    s.candidates.push_back(ParseCandidate(candidates[i], path, i, scores_file, catalog));
  bool has_small = false, has_large = false;
  for (const auto& c : s.candidates) {
    has_small |= c.role == "small";
    has_large |= c.role == "large";
  }
  if (!has_small || !has_large) {
    throw InputError(r.Where("candidates"), "needs at least one small and one large candidate");
  }
  if (!tolerance_given) DefaultQualityTolerance(r, &s);
  r.RejectUnknownKeys();
  return s;
}

}  // namespace rightsize
