#include "sim/quality/law_spec.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "sim/util/file_io.h"
#include "sim/util/json_reader.h"
#include "sim/util/strings.h"
#include "sim/util/yaml_reader.h"

namespace rightsize {
namespace {

const std::vector<std::pair<LawForm, std::string>>& FormTable() {
  static const std::vector<std::pair<LawForm, std::string>> table = {
      {LawForm::kChinchilla, "chinchilla"},
      {LawForm::kKaplanN, "kaplan-n"},
      {LawForm::kKaplanD, "kaplan-d"},
      {LawForm::kGadreLoss, "gadre"},
      {LawForm::kGadreError, "gadre-error"},
      {LawForm::kSigmoid, "sigmoid"},
      {LawForm::kTransfer, "transfer"},
      {LawForm::kFinetune, "finetune"},
      {LawForm::kPtq, "ptq"},
  };
  return table;
}

}  // namespace

std::string LawFormName(LawForm form) {
  for (const auto& [f, name] : FormTable()) {
    if (f == form) return name;
  }
  RS_CHECK(false, "unhandled LawForm");
  return "";
}

std::vector<std::string> AllLawFormNames() {
  std::vector<std::string> names;
  for (const auto& entry : FormTable()) names.push_back(entry.second);
  return names;
}

LawForm ParseLawForm(const std::string& name, const SourceLocation& where) {
  for (const auto& [form, form_name] : FormTable()) {
    if (form_name == name) return form;
  }
  throw InputError(
      where, fmt::format("unknown law form '{}' (known: {}) {}", name,
                         fmt::join(AllLawFormNames(), ", "), DidYouMean(name, AllLawFormNames())));
}

std::vector<std::string> LawCoefficientNames(LawForm form) {
  switch (form) {
    case LawForm::kChinchilla:
      return {"e_nats", "a", "alpha", "b", "beta"};
    case LawForm::kKaplanN:
      return {"n_c", "alpha_n"};
    case LawForm::kKaplanD:
      return {"d_c", "alpha_d"};
    case LawForm::kGadreLoss:
      return {"a", "b", "eta", "e_nats"};
    case LawForm::kGadreError:
      return {"epsilon", "k", "gamma"};
    case LawForm::kSigmoid:
      return {"w", "x0", "ceiling", "floor"};
    case LawForm::kTransfer:
      return {"k", "alpha", "beta"};
    case LawForm::kFinetune:
      return {"a", "alpha", "beta", "e_nats"};
    case LawForm::kPtq:
      return {"c_t", "gamma_d", "gamma_n", "gamma_post"};
  }
  RS_CHECK(false, "unhandled LawForm");
  return {};
}

std::vector<std::pair<std::string, double>> LawOptionalCoefficients(LawForm form) {
  if (form == LawForm::kPtq) return {{"b", 0.0}};
  return {};
}

double Law::Coefficient(const std::string& name) const {
  auto it = coefficients.find(name);
  RS_CHECK(it != coefficients.end(), "law " + id + " has no coefficient " + name);
  return it->second;
}

Law LoadLawYaml(const std::string& path) {
  YamlReader root(LoadYamlFile(path), path);
  Law law;
  law.id = root.RequiredString("id");
  const std::string form_name = root.RequiredString("form");
  law.form = ParseLawForm(form_name, root.Where("form"));
  law.source = root.RequiredString("source");
  law.equation = root.RequiredString("equation");
  law.verification = root.OptionalString("verification", "");
  law.notes = root.OptionalString("notes", "");
  law.corpus = root.OptionalString("corpus", "");
  if (root.Has("fitted_loss_range")) {
    YamlReader range = root.Child("fitted_loss_range");
    CoefficientInterval r;
    r.low = range.RequiredDouble("low", 0.0, 1e3);
    r.high = range.RequiredDouble("high", r.low, 1e3);
    range.RejectUnknownKeys();
    law.fitted_loss_range = r;
  }
  if (root.Has("fit")) root.Raw("fit");  // free-form description of the procedure
  if (root.Has("data")) {
    YamlReader data = root.Child("data");
    law.data_path = data.RequiredString("path");
    law.data_columns.n_params = data.RequiredString("n_column");
    if (data.Has("flops_column")) {
      law.data_columns.flops = data.RequiredString("flops_column");
    } else {
      law.data_columns.d_tokens = data.RequiredString("d_column");
    }
    law.data_columns.loss = data.RequiredString("loss_column");
    data.RejectUnknownKeys();
  }
  const double kHuge = std::numeric_limits<double>::max();
  YamlReader coefficients = root.Child("coefficients");
  for (const std::string& name : LawCoefficientNames(law.form)) {
    law.coefficients[name] = coefficients.RequiredDouble(name, -kHuge, kHuge);
  }
  for (const auto& [name, absent] : LawOptionalCoefficients(law.form)) {
    law.coefficients[name] = coefficients.OptionalDouble(name, absent, -kHuge, kHuge);
  }
  coefficients.RejectUnknownKeys();
  if (root.Has("intervals")) {
    YamlReader intervals = root.Child("intervals");
    for (const std::string& name : LawCoefficientNames(law.form)) {
      if (!intervals.Has(name)) continue;
      YamlReader interval = intervals.Child(name);
      CoefficientInterval ci;
      ci.low = interval.RequiredDouble("low", -kHuge, kHuge);
      ci.high = interval.RequiredDouble("high", ci.low, kHuge);
      interval.RejectUnknownKeys();
      law.intervals[name] = ci;
    }
    intervals.RejectUnknownKeys();
  }
  law.interval_level = root.OptionalDouble("interval_level", 0.0, 0.0, 1.0);
  root.RejectUnknownKeys();
  return law;
}

Law LoadLawJson(const std::string& path) {
  const JsonValue doc = JsonDocument::Load(path).Root();
  if (!doc.IsObject()) doc.Fail("expected a JSON object (a law written by `rightsize fit-law`)");
  if (doc.RequiredInt("schema_version", 1, 1) != 1) doc.Fail("unsupported schema_version");
  // `rightsize fit-law` marks a fit its points cannot identify: such a law is refused, not used.
  if (!doc.OptionalBool("usable", true)) {
    throw InputError(doc.Where("usable"), "the fit is not usable (" +
                                              doc.OptionalString("report", "no report") +
                                              "); refit on points that identify every coefficient");
  }
  const double kHuge = std::numeric_limits<double>::max();
  Law law;
  law.id = doc.Has("id") && doc.Child("id").IsString() ? doc.RequiredString("id") : path;
  law.form = ParseLawForm(doc.RequiredString("form"), doc.Where("form"));
  const JsonValue coefficients = doc.Child("coefficients");
  for (const std::string& name : LawCoefficientNames(law.form)) {
    law.coefficients[name] = coefficients.RequiredDouble(name, -kHuge, kHuge);
  }
  for (const auto& [name, absent] : LawOptionalCoefficients(law.form))
    law.coefficients[name] = absent;
  if (doc.Has("intervals") && doc.Child("intervals").IsObject()) {
    const JsonValue intervals = doc.Child("intervals");
    for (const std::string& name : intervals.Keys()) {
      const JsonValue interval = intervals.Child(name);
      CoefficientInterval ci;
      ci.low = interval.RequiredDouble("low", -kHuge, kHuge);
      ci.high = interval.RequiredDouble("high", ci.low, kHuge);
      law.intervals[name] = ci;
    }
  }
  law.interval_level = doc.OptionalDouble("interval_level", 0.0, 0.0, 1.0);
  law.source = doc.OptionalString("source", "fitted by rightsize fit-law");
  return law;
}

Law LoadLaw(const std::string& path) {
  auto ends_with = [&](const std::string& suffix) {
    return path.size() >= suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with(".yaml") || ends_with(".yml")) return LoadLawYaml(path);
  if (ends_with(".json")) return LoadLawJson(path);
  throw InputError({path, 0, ""}, "law file must end in .yaml, .yml or .json");
}

ChinchillaCoefficients ToChinchilla(const Law& law) {
  ChinchillaCoefficients c;
  if (law.form == LawForm::kChinchilla) {
    c.e_nats = law.Coefficient("e_nats");
    c.a = law.Coefficient("a");
    c.alpha = law.Coefficient("alpha");
    c.b = law.Coefficient("b");
    c.beta = law.Coefficient("beta");
    return c;
  }
  if (law.form == LawForm::kGadreLoss) {
    // Gadre et al. 2024 eq. 4 (repository form): E + a N^-eta + b 6^(-eta/2) D^-eta.
    const double eta = law.Coefficient("eta");
    c.e_nats = law.Coefficient("e_nats");
    c.a = law.Coefficient("a");
    c.alpha = eta;
    c.b = law.Coefficient("b") * std::pow(6.0, -eta / 2.0);
    c.beta = eta;
    return c;
  }
  throw InputError({law.id, 0, "form"},
                   "law form '" + LawFormName(law.form) +
                       "' is not a loss law over (N, D); use chinchilla or gadre");
}

double PtqPenalty(const Law& law, double n_params, double d_tokens, double post_bits) {
  RS_CHECK(law.form == LawForm::kPtq, "PtqPenalty needs a ptq law");
  // App. K's bias enters the exponent: C_T exp(-P/gamma_post + b) = exp(log C_T + b -
  // P/gamma_post).
  const double p[4] = {std::log(law.Coefficient("c_t")) + law.Coefficient("b"),
                       law.Coefficient("gamma_d"), law.Coefficient("gamma_n"),
                       law.Coefficient("gamma_post")};
  return PtqLossPenalty(p, n_params, d_tokens, post_bits);
}

double EffectiveDataTransferred(const Law& law, double finetune_tokens, double n_params) {
  RS_CHECK(law.form == LawForm::kTransfer, "EffectiveDataTransferred needs a transfer law");
  const double p[3] = {std::log(law.Coefficient("k")), law.Coefficient("alpha"),
                       law.Coefficient("beta")};
  return std::exp(LogEffectiveDataTransferred(p, finetune_tokens, n_params));
}

double FinetunedLoss(const Law& law, double scaled_factor, double finetune_tokens) {
  RS_CHECK(law.form == LawForm::kFinetune, "FinetunedLoss needs a finetune law");
  const double p[4] = {std::log(law.Coefficient("a")), law.Coefficient("alpha"),
                       law.Coefficient("beta"), law.Coefficient("e_nats")};
  return FinetuneLoss(p, scaled_factor, finetune_tokens);
}

double DownstreamError(const Law& law, double loss_nats) {
  RS_CHECK(law.form == LawForm::kGadreError, "DownstreamError needs a gadre-error law");
  const double p[3] = {law.Coefficient("epsilon"), law.Coefficient("k"), law.Coefficient("gamma")};
  return GadreTopOneError(p, loss_nats);
}

double SigmoidAccuracyOf(const Law& law, double x) {
  RS_CHECK(law.form == LawForm::kSigmoid, "SigmoidAccuracyOf needs a sigmoid law");
  const double p[3] = {law.Coefficient("w"), law.Coefficient("x0"), law.Coefficient("ceiling")};
  return SigmoidAccuracy(p, x, law.Coefficient("floor"));
}

}  // namespace rightsize
