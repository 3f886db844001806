// Scaling-law forms, each a function template on the scalar T so that the same formula is called
// with double to predict and with ceres::Jet inside the fits (sim/fit/residuals.h); the two can
// never drift apart.
//
// Notation: N = parameters (count, > 0), D = training tokens (count, > 0), L = next-token loss
// (nats/token, > 0), C = training compute (FLOPs, C = 6 N D; Kaplan et al. 2020 sec. 2.1,
// Hoffmann et al. 2022 App. F).
#pragma once

#include <array>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

namespace rightsize {

// ---- Chinchilla (Hoffmann et al. 2022, eq. 2 and App. D.2) ----
//
// L(N, D) = E + A / N^alpha + B / D^beta.
// Fitting happens in log space with a = log A, b = log B, e = log E (App. D.2):
//   log L = LSE(a - alpha log N, b - beta log D, e).
// Parameter block order for fitting: {a, b, e, alpha, beta}.
inline constexpr int kChinchillaNumParams = 5;
inline constexpr std::array<std::string_view, 5> kChinchillaLogParamNames = {"a", "b", "e", "alpha",
                                                                             "beta"};

template <typename T>
T LogSumExp3(const T& x, const T& y, const T& z) {
  using std::exp;
  using std::log;
  using std::max;
  // Subtract the maximum (compared on the value part for Jets) so exp never overflows.
  T m = x;
  if (y > m) m = y;
  if (z > m) m = z;
  return m + log(exp(x - m) + exp(y - m) + exp(z - m));
}

// log L predicted by Hoffmann's App. D.2 parameterisation; log_n = log N, log_d = log D.
template <typename T>
T ChinchillaLogLoss(const T* p, double log_n, double log_d) {
  return LogSumExp3(p[0] - p[3] * log_n, p[1] - p[4] * log_d, p[2]);
}

// Chinchilla coefficients in natural units (eq. 2).
struct ChinchillaCoefficients {
  double e_nats = 0.0;  // irreducible loss E (nats/token), >= 0
  double a = 0.0;       // A (nats/token x params^alpha), > 0
  double b = 0.0;       // B (nats/token x tokens^beta), > 0
  double alpha = 0.0;   // parameter exponent, in (0, 2]
  double beta = 0.0;    // data exponent, in (0, 2]
};

template <typename T>
T ChinchillaLoss(const T& e, const T& a, const T& alpha, const T& b, const T& beta, const T& n,
                 const T& d) {
  using std::pow;
  return e + a / pow(n, alpha) + b / pow(d, beta);
}

inline double ChinchillaLoss(const ChinchillaCoefficients& c, double n_params, double d_tokens) {
  return ChinchillaLoss(c.e_nats, c.a, c.alpha, c.b, c.beta, n_params, d_tokens);
}

// ---- Kaplan et al. 2020, eq. 1.1 and 1.2 ----
//
// L(N) = (N_c / N)^alpha_N (data unlimited), L(D) = (D_c / D)^alpha_D (model unlimited).
// Fitted in log space: log L = alpha (log X_c - log X); parameter block {log_x_c, alpha}.
template <typename T>
T KaplanLogLoss(const T* p, double log_x) {
  return p[1] * (p[0] - log_x);
}

// ---- Gadre et al. 2024, eq. 4 (over-training) and eq. 5 (loss -> downstream error) ----
//
// With a token multiplier M = D / N and a shared exponent eta (Chinchilla with alpha = beta =
// eta; the paper writes it in C = 6 N D and M), L = E + a N^-eta + b' D^-eta with D = M N and
// b' = b 6^(-eta/2). We keep the repository's parameterisation
//   L(N, M) = E + a N^(-eta) + b 6^(-eta/2) (M N)^(-eta)
// (mlfoundations/scaling, scaling/laws.py) so fitted coefficients compare with theirs.
// Parameter block {a, b, eta, E}.
inline constexpr std::array<std::string_view, 4> kGadreLossParamNames = {"a", "b", "eta", "E"};

template <typename T>
T GadreLoss(const T* p, double n_params, double token_multiplier) {
  using std::pow;
  return p[3] + p[0] * pow(T(n_params), -p[2]) +
         p[1] * pow(T(6.0), -p[2] / 2.0) * pow(T(token_multiplier * n_params), -p[2]);
}

// Err(L) = epsilon - k exp(-gamma L) (Gadre et al. 2024, eq. 5). Parameter block
// {epsilon, k, gamma}: epsilon = error of a random guesser (upper asymptote, fraction in [0,1]).
inline constexpr std::array<std::string_view, 3> kGadreErrorParamNames = {"epsilon", "k", "gamma"};

template <typename T>
T GadreTopOneError(const T* p, const T& loss_nats) {
  using std::exp;
  return p[0] - p[1] * exp(-p[2] * loss_nats);
}

// ---- Sigmoid loss/compute -> accuracy map with the task's random baseline as floor ----
//
// acc(x) = floor + (ceiling - floor) * sigmoid(w (x - x0)), x = loss (w < 0) or log10 compute
// (w > 0). Llama 3 (Dubey et al. 2024, sec. 3.2.1) maps normalised NLL to accuracy with a
// sigmoid; Ruan et al. 2024 (eq. 3) use the same link with a fitted floor/ceiling. Here the floor
// is fixed to the task's random-guess accuracy. Parameter block {w, x0, ceiling}.
inline constexpr std::array<std::string_view, 3> kSigmoidParamNames = {"w", "x0", "ceiling"};

template <typename T>
T SigmoidAccuracy(const T* p, const T& x, double floor_accuracy) {
  using std::exp;
  // Logistic evaluated on the side where exp cannot overflow (x spans ~25 units for log10 C).
  const T z = p[0] * (x - p[1]);
  const T sigmoid = z >= T(0.0) ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
  return floor_accuracy + (p[2] - floor_accuracy) * sigmoid;
}

// ---- Specialisation: effective data transferred (Hernandez et al. 2021, eq. 1.1) ----
//
// D_T = k (D_F)^alpha (N)^beta: pre-training on text is worth D_T extra fine-tuning tokens.
// Parameter block {log_k, alpha, beta}; fitted in log space: log D_T = log k + alpha log D_F +
// beta log N.
inline constexpr std::array<std::string_view, 3> kTransferParamNames = {"log_k", "alpha", "beta"};

template <typename T>
T LogEffectiveDataTransferred(const T* p, double finetune_tokens, double n_params) {
  using std::log;
  return p[0] + p[1] * log(finetune_tokens) + p[2] * log(n_params);
}

// ---- Fine-tuning joint law (Zhang et al. 2024, "When scaling meets LLM finetuning", eq. 1) ----
//
// L(X, D_f) = A / X^alpha / D_f^beta + E, X the scaled factor (model parameters, pre-training
// tokens, or PEFT parameters), D_f fine-tuning tokens. Parameter block {log_a, alpha, beta, E};
// A = exp(log_a) keeps A > 0 and well scaled.
inline constexpr std::array<std::string_view, 4> kFinetuneParamNames = {"log_a", "alpha", "beta",
                                                                        "E"};

template <typename T>
T FinetuneLoss(const T* p, double scaled_factor, double finetune_tokens) {
  using std::exp;
  using std::log;
  return exp(p[0] - p[1] * log(scaled_factor) - p[2] * log(finetune_tokens)) + p[3];
}

// ---- Post-training quantisation penalty (Kumar et al. 2024, "Scaling laws for precision",
// sec. 3.1 eq. 2 / Finding 1) ----
//
// delta_PTQ(N, D, P_post) = C_T (D^gamma_D / N^gamma_N) exp(-P_post / gamma_post + b): grows with
// the data-to-parameter ratio and decays exponentially in the post-training bit width P_post, the
// integer bit width of the format (sec. 2, "Notation": precisions are "in integer-type"; 4 for
// int4 / nf4 / fp4 formats, 8 for int8 / fp8), not the storage bits with block scales. b is the
// exponent bias of App. K ("a fit of the form e^(x/gamma_x) in the main text is really computed
// with offset e^(x/gamma_x + n)"; Table 2: b = 1.1277). b and log C_T are the same degree of
// freedom, so a fit estimates their sum as log_c_t; a published law keeps them apart (law_spec.cc).
// Parameter block {log_c_t, gamma_d, gamma_n, gamma_post}, log_c_t = log C_T + b.
inline constexpr std::array<std::string_view, 4> kPtqParamNames = {"log_c_t", "gamma_d", "gamma_n",
                                                                   "gamma_post"};

template <typename T>
T PtqLossPenalty(const T* p, double n_params, double d_tokens, double post_bits) {
  using std::exp;
  using std::log;
  return exp(p[0] + p[1] * log(d_tokens) - p[2] * log(n_params) - post_bits / p[3]);
}

}  // namespace rightsize
