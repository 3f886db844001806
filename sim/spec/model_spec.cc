#include "sim/spec/model_spec.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "sim/util/error.h"
#include "sim/util/integers.h"

namespace rightsize {

int64_t ModelSpec::NumLayersOfKind(AttentionKind kind) const {
  return std::count(layer_attention.begin(), layer_attention.end(), kind);
}

bool ModelSpec::IsMoeLayer(int64_t layer) const {
  if (!moe || layer < first_dense_layers) return false;
  const int64_t step = std::max<int64_t>(1, moe_layer_step);
  return (layer - first_dense_layers + 1) % step == 0;
}

int64_t ModelSpec::NumMoeLayers() const {
  int64_t count = 0;
  for (int64_t i = 0; i < num_layers; ++i) count += IsMoeLayer(i) ? 1 : 0;
  return count;
}

int64_t ModelSpec::KvValuesPerTokenPerLayer() const {
  return mla ? mla->CacheValuesPerToken() : 2 * KvDim();
}

int64_t ModelSpec::AttendedTokens(AttentionKind kind, int64_t context_tokens) const {
  switch (kind) {
    case AttentionKind::kFull:
      return context_tokens;
    case AttentionKind::kSlidingWindow:
      return std::min(context_tokens, sliding_window_tokens);
    case AttentionKind::kLinear:
      return 0;
  }
  return context_tokens;
}

std::string ToString(AttentionKind kind) {
  switch (kind) {
    case AttentionKind::kFull:
      return "full";
    case AttentionKind::kSlidingWindow:
      return "sliding";
    case AttentionKind::kLinear:
      return "linear";
  }
  return "?";
}

// Every count below is a CheckedInt product: a spec outside ModelLimits throws InputError
// instead of wrapping to a negative count.
int64_t AttentionParamsPerLayer(const ModelSpec& m) {
  const CheckedInt h = m.d_model, q = m.QueryDim(), kv = m.KvDim();
  if (m.mla) {
    const MlaSpec& a = *m.mla;
    const CheckedInt heads = m.num_heads, q_lora = a.q_lora_rank, kv_lora = a.kv_lora_rank;
    const CheckedInt qk_head = CheckedInt(a.qk_nope_head_dim) + a.qk_rope_head_dim;
    const CheckedInt query =
        a.q_lora_rank > 0 ? h * q_lora + q_lora + q_lora * heads * qk_head : h * heads * qk_head;
    const CheckedInt latent = h * a.CacheValuesPerToken() + kv_lora;
    const CheckedInt expand = kv_lora * heads * (CheckedInt(a.qk_nope_head_dim) + a.v_head_dim);
    return (query + latent + expand + heads * a.v_head_dim * h + (m.o_bias ? h : CheckedInt(0)))
        .value();
  }
  CheckedInt params = h * q * (m.attention_output_gate ? 2 : 1) + 2 * h * kv + q * h;
  if (m.qkv_bias) params = params + q + 2 * kv;
  if (m.o_bias) params = params + h;
  if (m.qk_norm) params = params + 2 * m.head_dim;
  if (m.attention_sinks) params = params + m.num_heads;
  return params.value();
}

int64_t LinearAttentionParamsPerLayer(const ModelSpec& m) {
  if (!m.linear_attention) return 0;
  const LinearAttentionSpec& la = *m.linear_attention;
  const CheckedInt h = m.d_model, kd = la.KeyDim(), vd = la.ValueDim(), nv = la.num_value_heads;
  const CheckedInt projections =
      h * (2 * kd + vd) + h * vd + 2 * h * nv + vd * h;  // qkv, z, b, a, out
  const CheckedInt conv = CheckedInt(la.ConvDim()) * la.conv_kernel;
  return (projections + conv + 2 * nv + la.value_head_dim).value();  // + dt_bias, A_log, gated norm
}

namespace {

CheckedInt MlpParams(const ModelSpec& m, int64_t width_in, bool bias) {
  const CheckedInt h = m.d_model, width = width_in;
  if (m.mlp == MlpKind::kGated) return 3 * h * width + (bias ? 2 * width + h : CheckedInt(0));
  return 2 * h * width + (bias ? width + h : CheckedInt(0));
}

CheckedInt Sum(std::initializer_list<int64_t> terms) {
  CheckedInt total = 0;
  for (int64_t term : terms) total = total + term;
  return total;
}

}  // namespace

int64_t DenseMlpParamsPerLayer(const ModelSpec& m) {
  return MlpParams(m, m.d_ff, m.mlp_bias).value();
}

int64_t ExpertParams(const ModelSpec& m) {
  if (!m.moe) return 0;
  return MlpParams(m, m.moe->expert_d_ff, m.moe->expert_bias).value();
}

int64_t MoeBlockParams(const ModelSpec& m) {
  if (!m.moe) return 0;
  const MoeSpec& moe = *m.moe;
  const CheckedInt h = m.d_model;
  return (CheckedInt(moe.num_experts) * ExpertParams(m) +
          moe.num_shared_experts * MlpParams(m, moe.shared_expert_d_ff, false) +
          (moe.shared_expert_gate ? h : CheckedInt(0)) + h * moe.num_experts +
          (moe.router_bias ? moe.num_experts : 0))
      .value();
}

int64_t ParamCounts::Total() const {
  return Sum({embedding, lm_head, attention, linear_attention, dense_mlp, routed_experts,
              shared_experts, router, norms})
      .value();
}

int64_t ParamCounts::Active() const {
  return Sum({embedding, lm_head, attention, linear_attention, dense_mlp, active_routed_experts,
              shared_experts, router, norms})
      .value();
}

int64_t ParamCounts::ActiveMatmul() const {
  return Sum({attention, linear_attention, dense_mlp, active_routed_experts, shared_experts, router,
              output_matmul})
      .value();
}

ParamCounts CountParams(const ModelSpec& m) {
  ParamCounts counts;
  const CheckedInt layers = m.num_layers, h = m.d_model;
  counts.embedding = (CheckedInt(m.vocab_size) * h).value();
  counts.lm_head = m.tied_embeddings ? 0 : counts.embedding;
  counts.output_matmul = counts.embedding;
  const int64_t linear_layers = m.NumLayersOfKind(AttentionKind::kLinear);
  counts.attention =
      (CheckedInt(m.num_layers - linear_layers) * AttentionParamsPerLayer(m)).value();
  counts.linear_attention = (CheckedInt(linear_layers) * LinearAttentionParamsPerLayer(m)).value();
  const CheckedInt norm_size = m.norm == NormKind::kLayerNorm ? 2 * h : h;
  counts.norms = (layers * m.norms_per_layer * norm_size + norm_size).value();  // + final norm
  const CheckedInt moe_layers = m.NumMoeLayers();
  counts.dense_mlp = (CheckedInt(m.NumDenseMlpLayers()) * DenseMlpParamsPerLayer(m)).value();
  if (m.moe) {
    const MoeSpec& moe = *m.moe;
    const CheckedInt expert = ExpertParams(m);
    counts.routed_experts = (moe_layers * moe.num_experts * expert).value();
    counts.active_routed_experts = (moe_layers * moe.num_active_experts * expert).value();
    counts.shared_experts =
        (moe_layers * (moe.num_shared_experts * MlpParams(m, moe.shared_expert_d_ff, false) +
                       (moe.shared_expert_gate ? h : CheckedInt(0))))
            .value();
    counts.router =
        (moe_layers * (h * moe.num_experts + (moe.router_bias ? moe.num_experts : 0))).value();
  }
  if (m.mtp_layers > 0) {
    // DeepSeek-V3 MTP module: enorm + hnorm, eh_proj (2h -> h), one transformer block with the
    // MoE MLP, and the shared head's final norm; embedding and output head are the model's.
    const CheckedInt block = CheckedInt(AttentionParamsPerLayer(m)) +
                             (m.moe ? MoeBlockParams(m) : DenseMlpParamsPerLayer(m)) +
                             CheckedInt(m.norms_per_layer) * norm_size;
    counts.mtp = (CheckedInt(m.mtp_layers) * (block + 2 * h * h + 3 * norm_size)).value();
  }
  return counts;
}

bool Validate(const ModelSpec& m, std::string* why) {
  auto fail = [&](const std::string& message) {
    if (why) *why = message;
    return false;
  };
  using L = ModelLimits;
  // name, value, min, max: every dimension before anything is computed from them.
  struct Range {
    const char* name;
    int64_t value, min, max;
  };
  std::vector<Range> ranges = {
      {"num_layers", m.num_layers, 1, L::kMaxLayers},
      {"d_model", m.d_model, 1, L::kMaxDModel},
      {"num_heads", m.num_heads, 1, L::kMaxHeads},
      {"num_kv_heads", m.num_kv_heads, 1, L::kMaxHeads},
      {"head_dim", m.head_dim, 1, L::kMaxHeadDim},
      {"d_ff", m.d_ff, m.moe ? 0 : 1, L::kMaxFfn},
      {"vocab_size", m.vocab_size, 1, L::kMaxVocab},
      {"norms_per_layer", m.norms_per_layer, 0, L::kMaxNormsPerLayer},
      {"max_context_tokens", m.max_context_tokens, 0, L::kMaxContextTokens},
      {"sliding_window_tokens", m.sliding_window_tokens, 0, L::kMaxContextTokens}};
  if (m.moe) {
    const MoeSpec& moe = *m.moe;
    ranges.insert(ranges.end(),
                  {{"moe.num_experts", moe.num_experts, 2, L::kMaxExperts},
                   {"moe.num_active_experts", moe.num_active_experts, 1, moe.num_experts},
                   {"moe.expert_d_ff", moe.expert_d_ff, 1, L::kMaxFfn},
                   {"moe.num_shared_experts", moe.num_shared_experts, 0, L::kMaxExperts},
                   {"moe.shared_expert_d_ff", moe.shared_expert_d_ff,
                    moe.num_shared_experts > 0 ? 1 : 0, L::kMaxFfn}});
  }
  if (m.linear_attention) {
    const LinearAttentionSpec& la = *m.linear_attention;
    ranges.insert(ranges.end(),
                  {{"linear_attention.num_key_heads", la.num_key_heads, 1, L::kMaxHeads},
                   {"linear_attention.num_value_heads", la.num_value_heads, 1, L::kMaxHeads},
                   {"linear_attention.key_head_dim", la.key_head_dim, 1, L::kMaxHeadDim},
                   {"linear_attention.value_head_dim", la.value_head_dim, 1, L::kMaxHeadDim},
                   {"linear_attention.conv_kernel", la.conv_kernel, 1, L::kMaxConvKernel}});
  }
  ranges.insert(ranges.end(), {{"first_dense_layers", m.first_dense_layers, 0, m.num_layers},
                               {"moe_layer_step", m.moe_layer_step, 0, L::kMaxLayers},
                               {"mtp_layers", m.mtp_layers, 0, L::kMaxLayers}});
  if (m.mla) {
    const MlaSpec& a = *m.mla;
    ranges.insert(ranges.end(), {{"mla.q_lora_rank", a.q_lora_rank, 0, L::kMaxDModel},
                                 {"mla.kv_lora_rank", a.kv_lora_rank, 1, L::kMaxDModel},
                                 {"mla.qk_nope_head_dim", a.qk_nope_head_dim, 1, L::kMaxHeadDim},
                                 {"mla.qk_rope_head_dim", a.qk_rope_head_dim, 0, L::kMaxHeadDim},
                                 {"mla.v_head_dim", a.v_head_dim, 1, L::kMaxHeadDim}});
  }
  for (const Range& r : ranges) {
    if (r.value < r.min || r.value > r.max) {
      return fail(fmt::format("{} {} is outside the plausible range [{}, {}]", r.name, r.value,
                              r.min, r.max));
    }
  }
  if (m.num_heads % m.num_kv_heads != 0) {
    return fail(fmt::format("num_heads {} is not a multiple of num_kv_heads {}", m.num_heads,
                            m.num_kv_heads));
  }
  if (static_cast<int64_t>(m.layer_attention.size()) != m.num_layers) {
    return fail("layer_attention must have one entry per layer");
  }
  if (m.NumLayersOfKind(AttentionKind::kSlidingWindow) > 0 && m.sliding_window_tokens <= 0) {
    return fail("sliding_window_tokens must be positive when a layer uses sliding attention");
  }
  if (m.NumLayersOfKind(AttentionKind::kLinear) > 0) {
    if (!m.linear_attention)
      return fail("linear_attention must be given when a layer uses linear attention");
    const LinearAttentionSpec& la = *m.linear_attention;
    if (la.num_value_heads % la.num_key_heads != 0) {
      return fail(
          fmt::format("linear_attention num_value_heads {} is not a multiple of num_key_heads {}",
                      la.num_value_heads, la.num_key_heads));
    }
  }
  if (m.mla && (m.head_dim != m.mla->v_head_dim || m.num_kv_heads != m.num_heads)) {
    return fail("an mla model records head_dim = mla.v_head_dim and num_kv_heads = num_heads");
  }
  if (m.moe && m.NumDenseMlpLayers() > 0 && m.d_ff <= 0) {
    return fail("d_ff (the dense MLP width) must be positive when a MoE model has dense layers");
  }
  // The dimensions are in range; their products may still not fit (CountParams throws then).
  try {
    const double total = static_cast<double>(CountParams(m).Total());
    if (total > L::kMaxTotalParams) {
      return fail(fmt::format("{:.3g} parameters exceed the plausible maximum {:.0e}", total,
                              L::kMaxTotalParams));
    }
  } catch (const InputError&) {
    return fail("the parameter count does not fit in a 64-bit integer");
  }
  return true;
}

}  // namespace rightsize
