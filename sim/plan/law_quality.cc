#include "sim/plan/law_quality.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <random>

#include <fmt/format.h>

#include "sim/fit/calibrator.h"
#include "sim/fit/law_fitter.h"
#include "sim/plan/study.h"
#include "sim/quality/characters_per_token.h"
#include "sim/util/csv.h"
#include "sim/util/file_io.h"
#include "sim/util/stats.h"

namespace rightsize {
namespace {

namespace fs = std::filesystem;

// Path as given, else next to the study file, else under the repository root.
std::string ResolvePath(const std::string& path, const std::string& study_file,
                        const SourceLocation& where) {
  const std::string resolved = ResolveProjectPath(path, study_file);
  std::error_code error;  // a name the file system rejects (too long) is no such file either
  if (!fs::exists(resolved, error)) throw InputError(where, "no such file '" + path + "'");
  return resolved;
}

// A law file, re-thrown at the study's key when the file itself is fine but the form is wrong.
Law LoadLawAt(YamlReader& q, const std::string& key, const std::string& study_file,
              const std::vector<LawForm>& forms, std::string* resolved) {
  const std::string path = q.RequiredString(key);
  *resolved = ResolvePath(path, study_file, q.Where(key));
  Law law = LoadLaw(*resolved);
  if (std::find(forms.begin(), forms.end(), law.form) == forms.end()) {
    std::vector<std::string> names;
    for (LawForm f : forms) names.push_back(LawFormName(f));
    throw InputError(q.Where(key), fmt::format("{} has form '{}'; expected {}", path,
                                               LawFormName(law.form), fmt::join(names, " or ")));
  }
  return law;
}

// Fits the loss -> score map on a data file named in the study.
void FitMap(YamlReader a, const std::string& study_file, LawQualityModel* m) {
  const std::string form_name = a.RequiredString("form");
  const LawForm form = ParseLawForm(form_name, a.Where("form"));
  if (form != LawForm::kGadreError && form != LawForm::kSigmoid) {
    throw InputError(a.Where("form"),
                     "the accuracy map must be gadre-error or sigmoid, got '" + form_name + "'");
  }
  const std::string data = a.RequiredString("data");
  const std::string path = ResolvePath(data, study_file, a.Where("data"));
  const std::string x_column = a.RequiredString("x_column");
  const std::string y_column = a.RequiredString("y_column");
  std::vector<std::pair<std::string, std::string>> filters;
  if (a.Has("filter")) {
    YamlReader filter = a.Child("filter");  // {column: value}
    for (const std::string& column : filter.Keys())
      filters.emplace_back(column, filter.RequiredString(column));
  }
  const CsvTable table = CsvTable::Load(path);
  for (const auto* column : {&x_column, &y_column}) {
    if (!table.HasColumn(*column))
      throw InputError(a.Where(column == &x_column ? "x_column" : "y_column"),
                       "no column '" + *column + "' in " + data);
  }
  for (const auto& f : filters) {
    if (!table.HasColumn(f.first))
      throw InputError(a.Where("filter"), "no column '" + f.first + "' in " + data);
  }
  std::vector<LawObservation> observations;
  for (const auto& row : table.rows()) {
    bool keep = true;
    for (const auto& f : filters) keep = keep && table.Cell(row, f.first) == f.second;
    if (!keep) continue;
    LawObservation o;
    o.x[0] = table.Number(row, x_column);
    o.y = table.Number(row, y_column);
    if (!(o.y >= 0.0 && o.y <= 1.0)) {
      throw InputError(table.Where(row, y_column),
                       "must be a fraction in [0, 1] (error or accuracy)");
    }
    o.where = table.Where(row, y_column);
    observations.push_back(o);
  }
  if (observations.size() < 4) {
    throw InputError(a.Where("data"),
                     fmt::format("{} rows match; the map needs at least 4", observations.size()));
  }
  CoefficientInterval range{observations.front().x[0], observations.front().x[0]};
  for (const auto& o : observations) {
    range.low = std::min(range.low, o.x[0]);
    range.high = std::max(range.high, o.x[0]);
  }
  m->map_loss_range_nats = range;
  m->map_corpus = a.OptionalString("corpus", "");
  LawFitOptions options;
  if (form == LawForm::kSigmoid) {
    if (!m->random_baseline_pct) {
      throw InputError(a.Where("form"),
                       "a fitted sigmoid map needs random_baseline (its floor, in %)");
    }
    options.sigmoid_floor = *m->random_baseline_pct / 100.0;
  }
  const LawFit fit = FitLaw(form, observations, options);
  if (!fit.usable) throw InputError(a.Where("data"), "the accuracy map fit failed: " + fit.report);
  m->accuracy_map = ToLaw(fit, "fitted " + form_name);
  m->accuracy_map.source = "fitted by rightsize on " + data;
  m->map_residual_sd_points = 100.0 * fit.rmse;
  std::string filter_text;
  for (const auto& f : filters) filter_text += fmt::format(", {} = {}", f.first, f.second);
  m->accuracy_map_source =
      fmt::format("{} fitted on {} ({} -> {}{}; {} points, {} {:.2f}-{:.2f}, RMSE {:.2f} points)",
                  form_name, data, x_column, y_column, filter_text, fit.n_points, x_column,
                  range.low, range.high, 100.0 * fit.rmse);
  a.RejectUnknownKeys();
}

// Fine-tune tokens (the candidate's priced fine-tune, or one already paid for) and the transfer
// law that turns them into effective data.
void ReadFinetune(YamlReader& q, const CandidateSpec& c, const std::string& study_file,
                  LawQualityModel* out) {
  LawQualityModel& m = *out;
  constexpr double kHuge = std::numeric_limits<double>::max();
  const std::optional<double> given = q.MaybeDouble("finetune_tokens", 0.0, kHuge);
  if (c.finetune) {
    if (given && *given != c.finetune->tokens) {
      throw InputError(
          q.Where("finetune_tokens"),
          fmt::format("{:g} differs from the candidate's finetune.tokens {:g}; give it once",
                      *given, c.finetune->tokens));
    }
    m.finetune_tokens = c.finetune->tokens;
  } else {
    m.finetune_tokens = given.value_or(0.0);
  }
  if (q.Has("transfer_law")) {
    m.transfer_law =
        LoadLawAt(q, "transfer_law", study_file, {LawForm::kTransfer}, &m.transfer_law_file);
    // Hernandez et al. 2021 count D_F and D_T in characters: the tokenizer's figure converts.
    const std::string tokenizer = q.RequiredString("tokenizer");
    const std::string table =
        q.OptionalString("characters_per_token_file", kCharactersPerTokenFile);
    const CharactersPerToken cpt = LoadCharactersPerToken(
        ResolvePath(table, study_file,
                    q.Where(q.Has("characters_per_token_file") ? "characters_per_token_file"
                                                               : "tokenizer")),
        tokenizer, q.Where("tokenizer"));
    m.characters_per_token = cpt.characters_per_token;
    m.characters_per_token_source =
        fmt::format("{}: {:g} characters/token on {}, {}", cpt.tokenizer, cpt.characters_per_token,
                    cpt.text, table);
  } else if (m.finetune_tokens > 0.0) {
    throw InputError(
        q.Where("transfer_law"),
        "a fine-tuned candidate needs transfer_law (e.g. models/laws/transfer-hernandez-2021.yaml) "
        "to turn its fine-tune tokens into effective data");
  }
}

// The post-training quantisation law, at the lowest-precision weights the candidate may be served
// in.
void ReadPtqLaw(YamlReader& q, const CandidateSpec& c, const std::string& study_file,
                LawQualityModel* out) {
  LawQualityModel& m = *out;
  m.ptq_law = LoadLawAt(q, "ptq_law", study_file, {LawForm::kPtq}, &m.ptq_law_file);
  // The lowest-precision weights the candidate may be served in (the cheapest layout may use it).
  const std::vector<Precision>& weights = c.weights;
  if (!weights.empty()) {
    // Kumar et al. 2024 count the integer bit width of the format, not its storage with scales.
    const auto lowest =
        std::min_element(weights.begin(), weights.end(),
                         [](Precision a, Precision b) { return ElementBits(a) < ElementBits(b); });
    if (ElementBits(*lowest) < 16.0) {
      m.post_bits = ElementBits(*lowest);
      m.post_precision = ToString(*lowest);
    }
  }
}

// The loss -> score map: a law file, or a law fitted on data (FitMap).
void ReadAccuracyMap(YamlReader& q, const std::string& study_file, LawQualityModel* out) {
  LawQualityModel& m = *out;
  YamlReader a = q.Child("accuracy_map");
  if (a.Has("law")) {
    std::string file;
    m.accuracy_map =
        LoadLawAt(a, "law", study_file, {LawForm::kGadreError, LawForm::kSigmoid}, &file);
    m.accuracy_map_source = file + " (" + m.accuracy_map.source + ")";
    m.map_loss_range_nats = m.accuracy_map.fitted_loss_range;
    m.map_corpus = m.accuracy_map.corpus;
    a.RejectUnknownKeys();
  } else if (a.Has("data")) {
    FitMap(a, study_file, &m);
  } else {
    throw InputError(
        a.Where("law"),
        "give the loss -> score map as a law file (law) or fit it on data (form, data, "
        "x_column, y_column)");
  }
}

// What the score's sd is made of, said once for the report.
std::string DescribeSd(const LawQualityModel& m, const std::string& sd_source) {
  std::vector<std::string> parts;
  auto law_part = [&](const Law& law, const std::string& what) {
    if (law.intervals.empty()) return;
    const double level = LevelFor(law, m.interval_level_override);
    if (level > 0.0) {
      parts.push_back(fmt::format("{} coefficient intervals at {:.0f}% (independent normal draws)",
                                  what, 100 * level));
    } else {
      parts.push_back(what +
                      " intervals NOT propagated (their level is unstated; set interval_level)");
    }
  };
  law_part(m.loss_law, "loss-law");
  if (m.transfer_law) law_part(*m.transfer_law, "transfer-law");
  if (m.ptq_law) law_part(*m.ptq_law, "PTQ-law");
  law_part(m.accuracy_map, "map");
  if (m.map_residual_sd_points > 0.0)
    parts.push_back(fmt::format("map residual RMSE {:.2f} points", m.map_residual_sd_points));
  if (m.extra_sd_points > 0.0)
    parts.push_back(fmt::format("study sd {:.2f} ({})", m.extra_sd_points, sd_source));
  if (m.map_loss_range_nats) {
    parts.push_back(
        "map extrapolation |map(L) - map(nearest end of its fitted loss range)| when L lies "
        "outside it");
  }
  return parts.empty() ? "no uncertainty given" : fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace

LawQualityModel ParseLawQuality(YamlReader q, const CandidateSpec& c, const std::string& study_file,
                                const LawQualityParams& params) {
  LawQualityModel m;
  constexpr double kHuge = std::numeric_limits<double>::max();
  m.loss_law = LoadLawAt(q, "law", study_file, {LawForm::kChinchilla, LawForm::kGadreLoss},
                         &m.loss_law_file);
  m.loss_corpus = m.loss_law.corpus;
  if (c.model.empty()) {
    throw InputError(q.Where("law"),
                     "law-based quality needs the candidate's model (its parameter count)");
  }
  m.n_non_embedding = params.non_embedding;
  m.n_params_kind = q.OptionalString("n_params", "total");
  if (m.n_params_kind == "total") {
    m.n_params = params.total;
  } else if (m.n_params_kind == "non_embedding") {
    m.n_params = m.n_non_embedding;
  } else {
    throw InputError(q.Where("n_params"),
                     "must be total or non_embedding, got '" + m.n_params_kind + "'");
  }
  m.pretrain_tokens = q.RequiredDouble("pretrain_tokens", 1.0, kHuge);
  m.pretrain_tokens_source = q.RequiredString("pretrain_tokens_source");

  ReadFinetune(q, c, study_file, &m);
  if (q.Has("ptq_law")) ReadPtqLaw(q, c, study_file, &m);
  if (q.Has("random_baseline"))
    m.random_baseline_pct = q.RequiredDouble("random_baseline", 0.0, 100.0);
  m.interval_level_override = q.OptionalDouble("interval_level", 0.0, 1e-6, 1.0 - 1e-6);
  m.extra_sd_points = q.OptionalDouble("sd", 0.0, 0.0, 1e9);
  const std::string sd_source = q.OptionalString("sd_source", "");
  if (m.extra_sd_points > 0.0 && sd_source.empty()) {
    throw InputError(q.Where("sd"), "say where the sd comes from (sd_source)");
  }

  ReadAccuracyMap(q, study_file, &m);
  q.RejectUnknownKeys();

  m.sd_source = DescribeSd(m, sd_source);

  // The chain must give a finite score at the nominal point.
  const LawQualityPoint p = EvaluateLawQuality(m, m.finetune_tokens);
  if (!std::isfinite(p.score) || !std::isfinite(p.loss_nats)) {
    throw InputError(q.Where("law"), "the law chain gives no finite score for this candidate");
  }
  return m;
}

}  // namespace rightsize
