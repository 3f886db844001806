// Model sizing from a Chinchilla-form loss law: the compute-optimal frontier (Hoffmann et al.
// 2022, eq. 4) and the inference-aware optimum of Sardana & Frankle 2024 (sec. 3), in FLOPs and
// in dollars with separate $/FLOP for training, prefill and decode.
#pragma once

#include "sim/quality/scaling_laws.h"

namespace rightsize {

// FLOPs per parameter per token: training 6 (forward + backward; Kaplan et al. 2020 sec. 2.1),
// inference 2 (forward only). Attention FLOPs are left out as in Sardana & Frankle 2024 eq. 2.
inline constexpr double kTrainFlopsPerParamToken = 6.0;
inline constexpr double kInferenceFlopsPerParamToken = 2.0;

// Lifetime inference demand, split because prefill and decode run at different utilisation.
struct InferenceDemand {
  double prefill_tokens = 0.0;  // prompt tokens processed over the model's life, >= 0
  double decode_tokens = 0.0;   // generated tokens over the model's life, >= 0
  double total_tokens() const { return prefill_tokens + decode_tokens; }
};

// Dollars per FLOP actually executed (price / (peak x utilisation)); the hardware cost model
// supplies these later. Each >= 0.
struct UsdPerFlop {
  double train = 0.0;
  double prefill = 0.0;
  double decode = 0.0;
};

// One (N, D) choice and what it costs.
struct SizingPoint {
  double n_params = 0.0;         // parameters, > 0
  double d_train_tokens = 0.0;   // pre-training tokens, > 0
  double loss_nats = 0.0;        // L(N, D) (nats/token)
  double train_flops = 0.0;      // 6 N D
  double inference_flops = 0.0;  // 2 N (prefill + decode tokens)
  double total_flops = 0.0;      // train + inference
  double total_usd = 0.0;        // with UsdPerFlop; 0 when priced in FLOPs only
  double tokens_per_param() const { return d_train_tokens / n_params; }
};

// Hoffmann et al. 2022 eq. 4: N_opt(C) = G (C/6)^(beta/(alpha+beta)),
// D_opt(C) = G^-1 (C/6)^(alpha/(alpha+beta)), G = (alpha A / (beta B))^(1/(alpha+beta)).
SizingPoint ComputeOptimal(const ChinchillaCoefficients& law, double train_flops);

// The compute-optimal model with n_params parameters: the C whose N_opt(C) = n_params.
SizingPoint ComputeOptimalForParams(const ChinchillaCoefficients& law, double n_params);

// The compute-optimal model that reaches target_loss_nats, the "equal-quality Chinchilla-style
// model" Sardana et al. 2024 compare against: the N on the frontier whose L(N, D_opt(N)) equals
// the target. Throws InputError if target <= E (unreachable).
SizingPoint ComputeOptimalForLoss(const ChinchillaCoefficients& law, double target_loss_nats);

// Training tokens that bring an N-parameter model to target_loss_nats:
// D = (B / (target - E - A / N^alpha))^(1/beta); +inf when N alone cannot reach the target.
double TokensForLoss(const ChinchillaCoefficients& law, double n_params, double target_loss_nats);

// Sardana & Frankle 2024 eq. 2-3: minimise 6 N D_train + 2 N D_inference subject to
// L(N, D_train) = target_loss_nats. Throws InputError if target <= E (unreachable).
SizingPoint InferenceAwareOptimumFlops(const ChinchillaCoefficients& law, double target_loss_nats,
                                       double inference_tokens);

// The same in dollars: minimise usd.train 6 N D + usd.prefill 2 N D_prefill +
// usd.decode 2 N D_decode at the target loss.
SizingPoint InferenceAwareOptimumUsd(const ChinchillaCoefficients& law, double target_loss_nats,
                                     const InferenceDemand& demand, const UsdPerFlop& usd);

}  // namespace rightsize
