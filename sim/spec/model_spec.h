// ModelSpec: the architecture of a transformer language model, and exact parameter counts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/spec/precision.h"
#include "sim/spec/tensor_class.h"

namespace rightsize {

enum class AttentionKind {
  kFull,           // causal attention over the whole context
  kSlidingWindow,  // causal attention over the last sliding_window_tokens
  kLinear,         // linear attention / recurrent state: no KV cache, constant state
};

enum class MlpKind { kGated, kPlain };         // gated: 3 matrices (SwiGLU / GeGLU); plain: 2
enum class NormKind { kRmsNorm, kLayerNorm };  // RMSNorm: weight only; LayerNorm: weight + bias

struct MoeSpec {
  int64_t num_experts = 0;          // routed experts per MoE layer, >= 2
  int64_t num_active_experts = 0;   // experts each token is routed to, 1..num_experts
  int64_t expert_d_ff = 0;          // hidden width of one routed expert
  int64_t num_shared_experts = 0;   // always-on experts (Qwen2-MoE, DeepSeek), >= 0
  int64_t shared_expert_d_ff = 0;   // hidden width of one shared expert
  bool shared_expert_gate = false;  // sigmoid gate (d_model x 1) on the shared expert output
  bool router_bias = false;
  bool expert_bias = false;  // biases on the expert projections (gpt-oss)
};

// Gated DeltaNet linear attention (Yang, Kautz and Hatamizadeh 2025; Qwen3-Next, Qwen3.5): the
// token mixer of every kLinear layer. q and k have num_key_heads heads of key_head_dim; v and the
// output gate z have num_value_heads heads of value_head_dim; a depthwise causal conv1d with
// conv_kernel taps runs over q, k and v; each value head carries a key_head_dim x value_head_dim
// recurrent state, so the per-sequence state has a constant size instead of growing with context.
// Parameters per layer (transformers Qwen3NextGatedDeltaNet / Qwen3_5GatedDeltaNet):
//   in_proj_qkv h x (2 kd + vd), in_proj_z h x vd, in_proj_b and in_proj_a h x nv each,
//   conv1d (2 kd + vd) x conv_kernel (no bias), dt_bias nv, A_log nv, gated RMSNorm value_head_dim,
//   out_proj vd x h   (kd = num_key_heads x key_head_dim, vd = num_value_heads x value_head_dim).
struct LinearAttentionSpec {
  int64_t num_key_heads = 0;    // linear_num_key_heads
  int64_t num_value_heads = 0;  // linear_num_value_heads (a multiple of num_key_heads)
  int64_t key_head_dim = 0;     // linear_key_head_dim
  int64_t value_head_dim = 0;   // linear_value_head_dim
  int64_t conv_kernel = 0;      // linear_conv_kernel_dim
  Precision state_precision = Precision::kFp32;  // recurrent state (config mamba_ssm_dtype)

  int64_t KeyDim() const { return num_key_heads * key_head_dim; }
  int64_t ValueDim() const { return num_value_heads * value_head_dim; }
  int64_t ConvDim() const { return 2 * KeyDim() + ValueDim(); }  // channels of the conv (q, k, v)
  // Values in one sequence's recurrent state of one layer: heads x key dim x value dim.
  int64_t StateValues() const { return num_value_heads * key_head_dim * value_head_dim; }
  // Values in one sequence's conv state of one layer: the last conv_kernel - 1 inputs.
  int64_t ConvStateValues() const { return ConvDim() * (conv_kernel - 1); }
};

// Multi-head latent attention (DeepSeek-V2, arXiv 2405.04434, Sec. 2.1; DeepSeek-V3): keys and
// values are compressed into one latent of kv_lora_rank values per token plus a decoupled RoPE key
// of qk_rope_head_dim values shared by the heads; the cache holds only those. Queries optionally
// pass through a low-rank bottleneck of q_lora_rank. Per layer (transformers DeepseekV3Attention):
//   q_a_proj h x q_lora (+ q_a_layernorm q_lora) and q_b_proj q_lora x heads (nope + rope), or
//   q_proj h x heads (nope + rope) when q_lora_rank is 0; kv_a_proj_with_mqa h x (kv_lora + rope),
//   kv_a_layernorm kv_lora, kv_b_proj kv_lora x heads (nope + v), o_proj heads v x h.
// At decode the engines absorb kv_b_proj into the query and output (Sec. 2.1.2): attention then
// runs over the latent, 2 x (2 kv_lora + rope) FLOPs per head per cached token.
struct MlaSpec {
  int64_t q_lora_rank = 0;       // 0: queries projected directly from h
  int64_t kv_lora_rank = 0;      // latent width, > 0
  int64_t qk_nope_head_dim = 0;  // per-head query / key width without RoPE
  int64_t qk_rope_head_dim = 0;  // decoupled RoPE key width (shared by the heads)
  int64_t v_head_dim = 0;        // per-head value width (ModelSpec::head_dim equals it)
  int64_t CacheValuesPerToken() const { return kv_lora_rank + qk_rope_head_dim; }
};

// Plausible range of every dimension: the one place the YAML and config.json loaders and
// Validate take them from. Each bound is ~60x or more above the largest value in models/ (126
// layers, d_model 16,384 and d_ff 53,248 for Llama-3.1-405B, 128 heads, head_dim 256, vocab
// 256,000, 128 experts, 262,144 tokens of context), and kMaxTotalParams (2,500x the largest
// catalogue model) bounds their products, so every count fits in int64 and a typo such as
// `num_hidden_layers: 1099511627776` is refused instead of allocating per-layer tables.
struct ModelLimits {
  static constexpr int64_t kMaxLayers = 10'000;
  static constexpr int64_t kMaxDModel = int64_t{1} << 20;
  static constexpr int64_t kMaxHeads = int64_t{1} << 16;  // query, KV and linear-attention heads
  static constexpr int64_t kMaxHeadDim = int64_t{1} << 16;
  static constexpr int64_t kMaxFfn = int64_t{1} << 24;  // d_ff and expert widths
  static constexpr int64_t kMaxVocab = int64_t{1} << 24;
  static constexpr int64_t kMaxContextTokens = int64_t{1} << 34;  // also the sliding window
  static constexpr int64_t kMaxExperts = int64_t{1} << 16;        // routed and shared
  static constexpr int64_t kMaxConvKernel = 1024;
  static constexpr int64_t kMaxNormsPerLayer = 16;
  static constexpr double kMaxTotalParams = 1e15;
};

struct ModelSpec {
  // Identity and provenance.
  std::string id;    // catalogue id, e.g. "llama-3-8b"
  std::string name;  // display name
  std::string family;
  std::string hf_repo;
  // Other names logs and datasets give this model (Catalog::MatchModel), and where they come from.
  std::vector<std::string> aliases;
  std::string aliases_source;
  std::string source;  // where the architecture numbers come from
  std::string notes;
  std::optional<double> published_params;         // total, as stated by the model card
  std::optional<double> published_active_params;  // MoE only
  std::string published_params_source;

  // Shapes.
  int64_t num_layers = 0;
  int64_t d_model = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;  // == num_heads: MHA; 1: MQA; otherwise GQA
  int64_t head_dim = 0;
  int64_t d_ff = 0;  // dense MLP width (0 for all-MoE models)
  int64_t vocab_size = 0;
  bool tied_embeddings = false;
  MlpKind mlp = MlpKind::kGated;
  NormKind norm = NormKind::kRmsNorm;
  int64_t norms_per_layer = 2;
  bool qkv_bias = false;
  bool o_bias = false;
  bool mlp_bias = false;
  bool qk_norm = false;          // per-head RMSNorm on q and k (Qwen3)
  bool attention_sinks = false;  // learned per-head sink logit (gpt-oss)
  // Gated attention (Qwen3-Next, Qwen3.5): q_proj also produces a per-channel sigmoid gate on the
  // attention output, so it is h x 2q instead of h x q.
  bool attention_output_gate = false;
  int64_t max_context_tokens = 0;
  // One entry per layer (the YAML pattern repeated).
  std::vector<AttentionKind> layer_attention;
  int64_t sliding_window_tokens = 0;  // > 0 when any layer is kSlidingWindow
  std::optional<MoeSpec> moe;         // set for mixture-of-experts models
  // MoE models: the first first_dense_layers layers have a dense MLP of width d_ff (DeepSeek
  // first_k_dense_replace); after them every moe_layer_step-th layer is MoE, the others dense
  // (Llama 4 interleave_moe_layer_step: layers step-1, 2 step-1, ...). 0 and 1: every layer MoE.
  int64_t first_dense_layers = 0;
  int64_t moe_layer_step = 1;
  std::optional<MlaSpec> mla;  // multi-head latent attention (replaces the q / k / v projections)
  // Multi-token-prediction modules shipped with the checkpoint (DeepSeek-V3
  // num_nextn_predict_layers): each is one more MoE block + 2 norms + a 2h x h projection, sharing
  // the embedding and output head. Counted apart (ParamCounts::mtp): the published totals and the
  // served model exclude them unless speculative decoding loads them.
  int64_t mtp_layers = 0;
  std::optional<LinearAttentionSpec> linear_attention;  // set when any layer is kLinear
  // The storage format of each tensor class in the checkpoint as its maker released it (gpt-oss:
  // MXFP4 routed experts, bf16 elsewhere); `--weights released` selects it. Unset: not stated.
  std::optional<TensorPrecisions> released_weights;
  std::string released_weights_source;

  int64_t QueryDim() const { return num_heads * head_dim; }
  int64_t KvDim() const { return num_kv_heads * head_dim; }
  bool IsMoe() const { return moe.has_value(); }
  // Whether layer i (0-based) has the MoE block (first_dense_layers, moe_layer_step).
  bool IsMoeLayer(int64_t layer) const;
  int64_t NumMoeLayers() const;
  int64_t NumDenseMlpLayers() const { return num_layers - NumMoeLayers(); }
  // KV-cache values one token adds to one softmax-attention layer: K and V of every K/V head, or
  // the MLA latent + RoPE key.
  int64_t KvValuesPerTokenPerLayer() const;
  int64_t NumLayersOfKind(AttentionKind kind) const;
  // Tokens of context a layer attends to when the sequence holds context_tokens.
  int64_t AttendedTokens(AttentionKind kind, int64_t context_tokens) const;
};

// Exact parameter counts by component, in int64 with every product and sum overflow-checked
// (an InputError for a spec outside ModelLimits; Validate refuses those first).
struct ParamCounts {
  int64_t embedding = 0;  // input token embedding
  int64_t lm_head = 0;    // output projection (0 when tied)
  int64_t attention = 0;  // full and sliding layers: q, k, v, o (+ gate, biases, qk-norm, sinks)
  int64_t linear_attention = 0;       // kLinear layers: the whole Gated DeltaNet token mixer
  int64_t dense_mlp = 0;              // all layers
  int64_t routed_experts = 0;         // all experts of all layers
  int64_t active_routed_experts = 0;  // the num_active_experts a token uses, all layers
  int64_t shared_experts = 0;
  int64_t router = 0;
  int64_t norms = 0;
  // Parameters of the output projection multiply (vocab x d_model), counted once in the totals
  // above (as lm_head, or as the embedding when tied).
  int64_t output_matmul = 0;
  // Multi-token-prediction modules (ModelSpec::mtp_layers), outside Total() and Active().
  int64_t mtp = 0;

  int64_t Total() const;
  // Parameters one token touches, embedding table included (Mixtral's 12.88B convention).
  int64_t Active() const;
  // Parameters in matrix multiplies one token performs: Active() less the input embedding
  // (a table lookup) and norms. 2 x this is the forward FLOPs per token before attention (the
  // depthwise conv of linear-attention layers also costs 2 FLOPs per weight per token; their few
  // per-head A_log / dt_bias / norm values are counted here too, as biases are).
  int64_t ActiveMatmul() const;
};

ParamCounts CountParams(const ModelSpec& model);

// Parameters of one layer's attention projections, one dense MLP, one expert.
int64_t AttentionParamsPerLayer(const ModelSpec& model);
// Parameters of one kLinear layer's token mixer (0 when the model has no linear attention).
int64_t LinearAttentionParamsPerLayer(const ModelSpec& model);
int64_t ExpertParams(const ModelSpec& model);  // one routed expert
// Parameters of one MoE layer's router, routed experts and shared experts.
int64_t MoeBlockParams(const ModelSpec& model);
int64_t DenseMlpParamsPerLayer(const ModelSpec& model);

// Checks every dimension against ModelLimits, the total parameter count against
// kMaxTotalParams, and the shapes for consistency; on failure fills *why and returns false.
bool Validate(const ModelSpec& model, std::string* why);

std::string ToString(AttentionKind kind);

}  // namespace rightsize
