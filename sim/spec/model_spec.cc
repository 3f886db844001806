#include "sim/spec/model_spec.h"

#include <algorithm>

#include <fmt/format.h>

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

int64_t AttentionParamsPerLayer(const ModelSpec& m) {
  const int64_t h = m.d_model, q = m.QueryDim(), kv = m.KvDim();
  if (m.mla) {
    const MlaSpec& a = *m.mla;
    const int64_t qk_head = a.qk_nope_head_dim + a.qk_rope_head_dim;
    const int64_t query = a.q_lora_rank > 0
                              ? h * a.q_lora_rank + a.q_lora_rank + a.q_lora_rank * m.num_heads * qk_head
                              : h * m.num_heads * qk_head;
    const int64_t latent = h * a.CacheValuesPerToken() + a.kv_lora_rank;
    const int64_t expand = a.kv_lora_rank * m.num_heads * (a.qk_nope_head_dim + a.v_head_dim);
    return query + latent + expand + m.num_heads * a.v_head_dim * h + (m.o_bias ? h : 0);
  }
  int64_t params = h * q * (m.attention_output_gate ? 2 : 1) + 2 * h * kv + q * h;
  if (m.qkv_bias) params += q + 2 * kv;
  if (m.o_bias) params += h;
  if (m.qk_norm) params += 2 * m.head_dim;
  if (m.attention_sinks) params += m.num_heads;
  return params;
}

int64_t LinearAttentionParamsPerLayer(const ModelSpec& m) {
  if (!m.linear_attention) return 0;
  const LinearAttentionSpec& la = *m.linear_attention;
  const int64_t h = m.d_model, kd = la.KeyDim(), vd = la.ValueDim(), nv = la.num_value_heads;
  const int64_t projections = h * (2 * kd + vd) + h * vd + 2 * h * nv + vd * h;  // qkv, z, b, a, out
  const int64_t conv = la.ConvDim() * la.conv_kernel;
  return projections + conv + 2 * nv + la.value_head_dim;  // + dt_bias, A_log, gated norm
}

namespace {

int64_t MlpParams(const ModelSpec& m, int64_t width, bool bias) {
  const int64_t h = m.d_model;
  if (m.mlp == MlpKind::kGated) return 3 * h * width + (bias ? 2 * width + h : 0);
  return 2 * h * width + (bias ? width + h : 0);
}

}  // namespace

int64_t DenseMlpParamsPerLayer(const ModelSpec& m) { return MlpParams(m, m.d_ff, m.mlp_bias); }

int64_t ExpertParams(const ModelSpec& m) {
  if (!m.moe) return 0;
  return MlpParams(m, m.moe->expert_d_ff, m.moe->expert_bias);
}

int64_t MoeBlockParams(const ModelSpec& m) {
  if (!m.moe) return 0;
  const MoeSpec& moe = *m.moe;
  const int64_t h = m.d_model;
  return moe.num_experts * ExpertParams(m) +
         moe.num_shared_experts * MlpParams(m, moe.shared_expert_d_ff, false) +
         (moe.shared_expert_gate ? h : 0) + h * moe.num_experts +
         (moe.router_bias ? moe.num_experts : 0);
}

int64_t ParamCounts::Total() const {
  return embedding + lm_head + attention + linear_attention + dense_mlp + routed_experts +
         shared_experts + router + norms;
}

int64_t ParamCounts::Active() const {
  return embedding + lm_head + attention + linear_attention + dense_mlp + active_routed_experts +
         shared_experts + router + norms;
}

int64_t ParamCounts::ActiveMatmul() const {
  return attention + linear_attention + dense_mlp + active_routed_experts + shared_experts + router +
         output_matmul;
}

ParamCounts CountParams(const ModelSpec& m) {
  ParamCounts counts;
  const int64_t layers = m.num_layers, h = m.d_model;
  counts.embedding = m.vocab_size * h;
  counts.lm_head = m.tied_embeddings ? 0 : m.vocab_size * h;
  counts.output_matmul = m.vocab_size * h;
  const int64_t linear_layers = m.NumLayersOfKind(AttentionKind::kLinear);
  counts.attention = (layers - linear_layers) * AttentionParamsPerLayer(m);
  counts.linear_attention = linear_layers * LinearAttentionParamsPerLayer(m);
  const int64_t norm_size = m.norm == NormKind::kLayerNorm ? 2 * h : h;
  counts.norms = layers * m.norms_per_layer * norm_size + norm_size;  // + final norm
  const int64_t moe_layers = m.NumMoeLayers();
  counts.dense_mlp = m.NumDenseMlpLayers() * DenseMlpParamsPerLayer(m);
  if (m.moe) {
    const MoeSpec& moe = *m.moe;
    const int64_t expert = ExpertParams(m);
    counts.routed_experts = moe_layers * moe.num_experts * expert;
    counts.active_routed_experts = moe_layers * moe.num_active_experts * expert;
    counts.shared_experts =
        moe_layers * (moe.num_shared_experts * MlpParams(m, moe.shared_expert_d_ff, false) +
                      (moe.shared_expert_gate ? h : 0));
    counts.router = moe_layers * (h * moe.num_experts + (moe.router_bias ? moe.num_experts : 0));
  }
  if (m.mtp_layers > 0) {
    // DeepSeek-V3 MTP module: enorm + hnorm, eh_proj (2h -> h), one transformer block with the
    // MoE MLP, and the shared head's final norm; embedding and output head are the model's.
    const int64_t block = AttentionParamsPerLayer(m) + (m.moe ? MoeBlockParams(m) : DenseMlpParamsPerLayer(m)) +
                          m.norms_per_layer * norm_size;
    counts.mtp = m.mtp_layers * (block + 2 * h * h + 3 * norm_size);
  }
  return counts;
}

bool Validate(const ModelSpec& m, std::string* why) {
  auto fail = [&](const std::string& message) {
    if (why) *why = message;
    return false;
  };
  if (m.num_layers <= 0) return fail("num_layers must be positive");
  if (m.d_model <= 0) return fail("d_model must be positive");
  if (m.num_heads <= 0 || m.num_kv_heads <= 0) return fail("head counts must be positive");
  if (m.num_heads % m.num_kv_heads != 0) {
    return fail(fmt::format("num_heads {} is not a multiple of num_kv_heads {}", m.num_heads,
                            m.num_kv_heads));
  }
  if (m.head_dim <= 0) return fail("head_dim must be positive");
  if (m.vocab_size <= 0) return fail("vocab_size must be positive");
  if (!m.moe && m.d_ff <= 0) return fail("d_ff must be positive for a dense model");
  if (static_cast<int64_t>(m.layer_attention.size()) != m.num_layers) {
    return fail("layer_attention must have one entry per layer");
  }
  if (m.NumLayersOfKind(AttentionKind::kSlidingWindow) > 0 && m.sliding_window_tokens <= 0) {
    return fail("sliding_window_tokens must be positive when a layer uses sliding attention");
  }
  if (m.NumLayersOfKind(AttentionKind::kLinear) > 0) {
    if (!m.linear_attention) return fail("linear_attention must be given when a layer uses linear attention");
    const LinearAttentionSpec& la = *m.linear_attention;
    if (la.num_key_heads <= 0 || la.num_value_heads <= 0 || la.key_head_dim <= 0 ||
        la.value_head_dim <= 0 || la.conv_kernel <= 0) {
      return fail("linear_attention head counts, head dims and conv_kernel must be positive");
    }
    if (la.num_value_heads % la.num_key_heads != 0) {
      return fail(fmt::format("linear_attention num_value_heads {} is not a multiple of num_key_heads {}",
                              la.num_value_heads, la.num_key_heads));
    }
  }
  if (m.mla) {
    const MlaSpec& a = *m.mla;
    if (a.kv_lora_rank <= 0 || a.qk_nope_head_dim <= 0 || a.qk_rope_head_dim < 0 ||
        a.v_head_dim <= 0 || a.q_lora_rank < 0) {
      return fail("mla ranks and head dims must be positive (q_lora_rank may be 0)");
    }
    if (m.head_dim != a.v_head_dim || m.num_kv_heads != m.num_heads) {
      return fail("an mla model records head_dim = mla.v_head_dim and num_kv_heads = num_heads");
    }
  }
  if (m.first_dense_layers < 0 || m.first_dense_layers > m.num_layers || m.moe_layer_step < 0) {
    return fail("first_dense_layers must be in [0, num_layers] and moe_layer_step >= 0");
  }
  if (m.moe && m.NumDenseMlpLayers() > 0 && m.d_ff <= 0) {
    return fail("d_ff (the dense MLP width) must be positive when a MoE model has dense layers");
  }
  if (m.moe) {
    const MoeSpec& moe = *m.moe;
    if (moe.num_experts < 2) return fail("moe.num_experts must be at least 2");
    if (moe.num_active_experts < 1 || moe.num_active_experts > moe.num_experts) {
      return fail("moe.num_active_experts must be in [1, num_experts]");
    }
    if (moe.expert_d_ff <= 0) return fail("moe.expert_d_ff must be positive");
    if (moe.num_shared_experts > 0 && moe.shared_expert_d_ff <= 0) {
      return fail("moe.shared_expert_d_ff must be positive when there are shared experts");
    }
  }
  return true;
}

}  // namespace rightsize
