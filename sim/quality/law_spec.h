// A scaling law as data: its form, named coefficients in natural units, and where they came
// from. Published laws live in models/laws/*.yaml (reviewed like code, each with a source and
// an equation reference); fitted laws are written by `rightsize fit-law` as JSON. Both load into
// Law so that sizing and prediction never care which.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/quality/law_data.h"
#include "sim/quality/scaling_laws.h"
#include "sim/util/error.h"

namespace rightsize {

enum class LawForm {
  kChinchilla,  // Hoffmann et al. 2022 eq. 2: e_nats, a, alpha, b, beta
  kKaplanN,     // Kaplan et al. 2020 eq. 1.1: n_c, alpha_n
  kKaplanD,     // Kaplan et al. 2020 eq. 1.2: d_c, alpha_d
  kGadreLoss,   // Gadre et al. 2024 eq. 4 (repository form): a, b, eta, e_nats
  kGadreError,  // Gadre et al. 2024 eq. 5: epsilon, k, gamma
  kSigmoid,     // sigmoid accuracy with random floor: w, x0, ceiling, floor
  kTransfer,    // Hernandez et al. 2021 eq. 1.1: k, alpha, beta
  kFinetune,    // Zhang et al. 2024 eq. 1: a, alpha, beta, e_nats
  kPtq,         // Kumar et al. 2024 eq. 2: c_t, gamma_d, gamma_n, gamma_post (+ optional b)
};

// "chinchilla", "kaplan-n", "kaplan-d", "gadre", "gadre-error", "sigmoid", "transfer",
// "finetune", "ptq".
std::string LawFormName(LawForm form);
std::vector<std::string> AllLawFormNames();
// Throws InputError at where (listing close matches) for an unknown name.
LawForm ParseLawForm(const std::string& name, const SourceLocation& where);
// Coefficient names of a form, in natural units, in a fixed order.
std::vector<std::string> LawCoefficientNames(LawForm form);
// Coefficients a law file may give and a fit never estimates, with the value they take when
// absent: ptq's exponent bias b (Kumar et al. 2024 App. K), 0 (a fitted c_t already holds it).
std::vector<std::pair<std::string, double>> LawOptionalCoefficients(LawForm form);

// A confidence interval on one coefficient.
struct CoefficientInterval {
  double low = 0.0;
  double high = 0.0;
};

struct Law {
  std::string id;  // file stem or user label
  LawForm form = LawForm::kChinchilla;
  std::map<std::string, double> coefficients;            // natural units; names per form
  std::map<std::string, CoefficientInterval> intervals;  // optional, same names
  double interval_level = 0.0;  // confidence level of intervals in (0, 1); 0 = unstated
  std::string source;           // paper / repository, with equation reference
  std::string equation;         // the equation as cited
  std::string verification;     // how the numbers were checked ("primary", "UNVERIFIED ...")
  std::string notes;
  // The corpus the law's loss (x or y) is measured on, e.g. "MassiveText" or "C4 (Gadre et al.
  // eval split)"; "" when the file does not say. A loss from one corpus fed to a map fitted on
  // another is flagged (law_quality.h).
  std::string corpus;
  // For a loss -> score map: the loss range (nats/token) it was fitted on; nullopt when unknown.
  std::optional<CoefficientInterval> fitted_loss_range;
  // The observations the law was fitted on, when the file points to a bundled dataset
  // (`data: {path, n_column, d_column | flops_column, loss_column}`); data_path "" when none.
  std::string data_path;  // as written in the file (relative to the repository root)
  LossColumns data_columns;

  double Coefficient(const std::string& name) const;  // throws InvariantError if absent
};

// Loads models/laws/<id>.yaml. Required keys: id, form, source, equation, coefficients (every
// name of the form, plus its optional ones); optional: intervals {name: {low, high}},
// interval_level, verification, notes, corpus, fitted_loss_range {low, high} (maps), fit
// (free-form, what data and procedure produced the numbers), data (the loss points the law was
// fitted on: path, n_column, d_column or flops_column, loss_column). Unknown keys are errors.
Law LoadLawYaml(const std::string& path);

// Loads a law written by `rightsize fit-law` (JSON: schema_version, form, coefficients, ...).
// A law marked `usable: false` (its points cannot identify the coefficients) is an InputError.
Law LoadLawJson(const std::string& path);
// .yaml / .yml -> LoadLawYaml, .json -> LoadLawJson.
Law LoadLaw(const std::string& path);

// Chinchilla coefficients of a loss law over (N, D): chinchilla directly, gadre as
// alpha = beta = eta and B = b 6^(-eta/2) (Gadre et al. 2024 eq. 4). Throws InputError for
// other forms.
ChinchillaCoefficients ToChinchilla(const Law& law);

// Post-training quantisation penalty delta_PTQ (nats/token) of a ptq law at N params trained on
// D tokens and quantised to post_bits bits, the format's integer bit width (Kumar et al. 2024,
// eq. 2, with App. K's exponent bias b).
double PtqPenalty(const Law& law, double n_params, double d_tokens, double post_bits);
// Effective data transferred D_T (tokens) (Hernandez et al. 2021, eq. 1.1).
double EffectiveDataTransferred(const Law& law, double finetune_tokens, double n_params);
// Fine-tuned loss (nats/token) (Zhang et al. 2024, eq. 1).
double FinetunedLoss(const Law& law, double scaled_factor, double finetune_tokens);
// Downstream top-1 error in [0, 1] from loss (Gadre et al. 2024, eq. 5).
double DownstreamError(const Law& law, double loss_nats);
// Accuracy in [floor, ceiling] from x (sigmoid form).
double SigmoidAccuracyOf(const Law& law, double x);

}  // namespace rightsize
