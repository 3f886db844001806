#include "sim/cost/op_count.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/spec/weight_layout.h"
#include "sim/util/error.h"
#include "sim/workload/parallel_layout.h"

namespace rightsize {
namespace {

constexpr AttentionKind kKinds[] = {AttentionKind::kFull, AttentionKind::kSlidingWindow,
                                    AttentionKind::kLinear};

// Multipliers of a training step over the forward pass (per op kind).
struct PassFactors {
  double matmul = 1.0;        // forward + backward (+ recompute) matmul FLOPs
  double attention = 1.0;     // the attention core
  double other = 1.0;         // elementwise ops and activation traffic
  double weight_reads = 1.0;  // times the weights are streamed from memory
};

PassFactors FactorsFor(const Workload& w, Phase phase) {
  PassFactors f;
  if (phase != Phase::kTrainStep) return f;
  const bool full_training = w.mode == Mode::kTraining;
  // Backward costs 2x forward when weight gradients are computed (Kaplan et al. 2020, Sec. 2.1),
  // 1x when the base is frozen (LoRA / QLoRA: input gradients only).
  const double backward = full_training ? 2.0 : 1.0;
  const double recompute_all = w.recompute == Recompute::kFull ? 1.0 : 0.0;
  const double recompute_attention = w.recompute == Recompute::kNone ? 0.0 : 1.0;
  f.matmul = 1.0 + backward + recompute_all;
  f.attention = 1.0 + 2.0 + recompute_attention;
  f.other = 1.0 + 2.0 + recompute_all;
  f.weight_reads = 2.0 + recompute_all;
  return f;
}

double Layers(const ModelSpec& m, const Parallelism& p) {
  return std::ceil(static_cast<double>(m.num_layers) / p.pipeline);
}

// Layers of one kind on one pipeline stage (fractional share of the stage).
double LayersOfKind(const ModelSpec& m, const Parallelism& p, AttentionKind kind) {
  return static_cast<double>(m.NumLayersOfKind(kind)) * Layers(m, p) / m.num_layers;
}

// Gated delta rule, one token, one layer (recurrent form, transformers
// torch_recurrent_gated_delta_rule): per value head, decay the kd x vd state (1 FLOP per value),
// read S^T k (2), rank-1 update k (x) delta (2) and read the output S^T q (2): 7 FLOPs per state
// value, independent of the context length. The chunked prefill form does the same state work plus
// intra-chunk terms that this count leaves out.
double LinearStateFlopsPerToken(const LinearAttentionSpec& la, double value_heads) {
  return 7.0 * value_heads * static_cast<double>(la.key_head_dim * la.value_head_dim);
}

// FLOPs of one softmax-attention layer for one (query, cached key) pair, all heads: QK^T and AV,
// 2 x head_dim each per head (4 x q_dim). MLA prefill expands the latent into per-head keys of
// nope + rope and values of v_head_dim; MLA decode absorbs kv_b_proj and attends over the latent:
// scores over kv_lora + rope, output over kv_lora (DeepSeek-V2 Sec. 2.1.2).
double AttentionFlopsPerPair(const ModelSpec& m, bool decode) {
  if (!m.mla) return 4.0 * static_cast<double>(m.QueryDim());
  const MlaSpec& a = *m.mla;
  const double heads = static_cast<double>(m.num_heads);
  if (decode) return 2.0 * heads * static_cast<double>(2 * a.kv_lora_rank + a.qk_rope_head_dim);
  return 2.0 * heads * static_cast<double>(a.qk_nope_head_dim + a.qk_rope_head_dim + a.v_head_dim);
}

// MoE and dense-MLP layers of one pipeline stage (fractional share of the stage).
double MoeLayersOnStage(const ModelSpec& m, const Parallelism& p) {
  return static_cast<double>(m.NumMoeLayers()) * Layers(m, p) / m.num_layers;
}

// One step's operators, section by section in execution order: the quantities every section
// shares, computed once (CountOps).
struct OpCounter {
  OpCounter(const ModelSpec& model, const Workload& workload, const BatchAggregates& aggregates,
            std::vector<OpCost>* out)
      : m(model),
        w(workload),
        step(aggregates),
        p(workload.parallel),
        pass(FactorsFor(workload, aggregates.phase)),
        training(aggregates.phase == Phase::kTrainStep),
        tokens(aggregates.tokens),
        act(BytesPerValue(workload.activations)),
        layout(ResolveWeightLayout(model, BaseWeightPrecision(workload))),
        wb_attention(layout.Bytes(TensorClass::kAttention)),
        kvb(BytesPerValue(workload.kv_cache)),
        h(static_cast<double>(model.d_model)),
        tp(workload.parallel.tensor),
        q_dev(model.QueryDim() / tp),
        // Replicated when there are fewer K/V heads than ranks (sim/workload/parallel_layout.h).
        kv_dev(static_cast<double>(KvHeadsPerRank(model, workload.parallel.tensor)) *
               model.head_dim),
        layers(Layers(model, workload.parallel)),
        mats(model.mlp == MlpKind::kGated ? 3.0 : 2.0),
        ops(*out) {}

  const ModelSpec& m;
  const Workload& w;
  const BatchAggregates& step;
  const Parallelism& p;
  const PassFactors pass;
  const bool training;
  const double tokens;
  const double act;           // bytes per activation value
  const WeightLayout layout;  // bytes per weight of each tensor class (sim/spec/weight_layout.h)
  const double wb_attention;  // bytes per attention weight
  const double kvb;           // bytes per KV-cache value
  const double h;
  const double tp;
  const double q_dev;   // query width on this rank
  const double kv_dev;  // K (or V) width on this rank
  const double layers;  // on this pipeline stage
  const double mats;    // weight matrices of an MLP: 3 gated, 2 plain
  std::vector<OpCost>& ops;

  // A GEMM of tokens_in x in_dim by in_dim x out_dim, `count` times (layers).
  void Matmul(const char* name, TensorClass tensors, double tokens_in, double in_dim,
              double out_dim, double weight_params, double count) const {
    OpCost op{name, OpKind::kMatmul};
    op.flops = 2.0 * tokens_in * in_dim * out_dim * count * pass.matmul;
    op.bytes_read = (weight_params * layout.Bytes(tensors) * pass.weight_reads +
                     tokens_in * in_dim * act * pass.other) *
                    count;
    op.bytes_written = tokens_in * out_dim * act * count * pass.other;
    if (training && w.mode == Mode::kTraining)
      op.bytes_written += weight_params * count * 2.0;  // bf16 grads
    op.launches = count;
    ops.push_back(op);
  }

  // Embedding gather (first stage).
  void Embedding() const {
    OpCost op{"embedding", OpKind::kElementwise};
    op.bytes_read = tokens * h * layout.Bytes(TensorClass::kEmbedding);
    op.bytes_written = tokens * h * act;
    op.launches = 1;
    ops.push_back(op);
  }

  void SoftmaxAttention() const {
    // Softmax-attention layers (full and sliding); the Gated DeltaNet layers follow below.
    const double linear_layers = LayersOfKind(m, p, AttentionKind::kLinear);
    const double attention_layers = layers - linear_layers;
    const double q_out_dev = q_dev * (m.attention_output_gate ? 2.0 : 1.0);  // + output gate
    // MLA: every query, latent and expansion projection (all but o_proj), one multiply-add per
    // parameter per token, split over the TP ranks' heads.
    const double mla_in_params =
        m.mla ? static_cast<double>(AttentionParamsPerLayer(m) -
                                    m.num_heads * m.mla->v_head_dim * m.d_model) /
                    tp
              : 0.0;
    if (attention_layers > 0 && m.mla) {
      Matmul("qkv_proj", TensorClass::kAttention, tokens, h, mla_in_params / h, mla_in_params,
             attention_layers);
    } else if (attention_layers > 0) {
      Matmul("qkv_proj", TensorClass::kAttention, tokens, h, q_out_dev + 2 * kv_dev,
             h * (q_out_dev + 2 * kv_dev), attention_layers);
    }
    // Attention core: FLOPs over the attended tokens; the KV cache is read once per layer per step.
    if (attention_layers > 0) {
      ops.push_back(AttentionCoreTermsOf(m, w, step.phase).Op(step));
      Matmul("out_proj", TensorClass::kAttention, tokens, q_dev, h, q_dev * h, attention_layers);
    }
  }

  void LinearAttention() const {
    const double linear_layers = LayersOfKind(m, p, AttentionKind::kLinear);
    const double batch = step.sequences;
    // Gated DeltaNet layers: input projections (q, k, v, z, b, a), the depthwise causal conv and
    // the gated delta rule over a constant-size state, then the output projection. Heads split over
    // TP.
    if (m.linear_attention && linear_layers > 0) {
      const LinearAttentionSpec& la = *m.linear_attention;
      const double value_heads_dev = std::max(1.0, std::floor(la.num_value_heads / tp));
      const double head_share = value_heads_dev / la.num_value_heads;
      const double conv_dev = la.ConvDim() * head_share;
      const double value_dev = la.ValueDim() * head_share;
      const double in_out = conv_dev + value_dev + 2.0 * value_heads_dev;  // qkv, z, b, a
      Matmul("linear_in_proj", TensorClass::kAttention, tokens, h, in_out, h * in_out,
             linear_layers);
      OpCost op{"linear_attention", OpKind::kAttention};
      const double conv_flops = 2.0 * la.conv_kernel * conv_dev;  // per token
      op.flops = (conv_flops + LinearStateFlopsPerToken(la, value_heads_dev)) * tokens *
                 linear_layers * pass.attention;
      // Each sequence's recurrent and conv state is read and written once per layer per step.
      const double state_bytes = value_heads_dev * la.key_head_dim * la.value_head_dim *
                                     BytesPerValue(la.state_precision) +
                                 conv_dev * (la.conv_kernel - 1) * act;
      op.bytes_read = (batch * state_bytes + conv_dev * la.conv_kernel * wb_attention +
                       tokens * in_out * act * pass.other) *
                      linear_layers;
      op.bytes_written =
          (batch * state_bytes + tokens * value_dev * act * pass.other) * linear_layers;
      op.launches = 2.0 * linear_layers;  // conv + recurrence
      ops.push_back(op);
      Matmul("linear_out_proj", TensorClass::kAttention, tokens, value_dev, h, value_dev * h,
             linear_layers);
    }
  }

  void FeedForward() const {
    const double moe_layers = MoeLayersOnStage(m, p);
    const double dense_layers = layers - moe_layers;
    if (m.moe && moe_layers > 0) {
      const MoeSpec& moe = *m.moe;
      const double ep = p.expert;
      const double e_dev = moe.expert_d_ff / tp;
      Matmul("router", TensorClass::kRouter, tokens, h, moe.num_experts, h * moe.num_experts,
             moe_layers);
      // Each device holds E/ep experts and receives tokens*k/ep routed tokens; it streams only the
      // distinct experts those tokens hit.
      const double routed_tokens = step.moe_tokens * moe.num_active_experts / ep;
      const double distinct = ExpectedDistinctExperts(m, step.moe_tokens) / ep;
      OpCost op{"experts", OpKind::kMatmul};
      const double expert_params = mats * h * e_dev;
      op.flops = 2.0 * routed_tokens * expert_params * moe_layers * pass.matmul;
      op.bytes_read = (distinct * expert_params * layout.Bytes(TensorClass::kRoutedExperts) *
                           pass.weight_reads +
                       routed_tokens * h * act * pass.other) *
                      moe_layers;
      op.bytes_written = routed_tokens * h * act * moe_layers * pass.other;
      if (training && w.mode == Mode::kTraining)
        op.bytes_written += distinct * expert_params * 2.0 * moe_layers;
      op.launches = moe_layers;
      ops.push_back(op);
      if (moe.num_shared_experts > 0) {
        const double s_dev = moe.num_shared_experts * moe.shared_expert_d_ff / tp;
        Matmul("shared_experts", TensorClass::kSharedExperts, tokens, h, mats * s_dev,
               h * mats * s_dev, moe_layers);
      }
    }
    if (dense_layers > 0) {
      const double f_dev = m.d_ff / tp;
      Matmul("mlp", TensorClass::kDenseMlp, tokens, h, mats * f_dev, h * mats * f_dev,
             dense_layers);
    }
  }

  void NormsAndLogits() const {
    OpCost norms{"norms", OpKind::kElementwise};
    const double count = layers * m.norms_per_layer + 1;
    norms.flops = 4.0 * tokens * h * count * pass.other;
    norms.bytes_read = tokens * h * act * count * pass.other;
    norms.bytes_written = tokens * h * act * count * pass.other;
    norms.launches = count;
    ops.push_back(norms);

    // Logits: inference needs them for the last position of each sequence only.
    // The tied embedding is read as the output projection.
    Matmul("lm_head", m.tied_embeddings ? TensorClass::kEmbedding : TensorClass::kLmHead,
           step.logit_tokens, h, m.vocab_size / tp, h * m.vocab_size / tp, 1.0);
  }

  void Communication() const {
    // Communication (Shoeybi et al. 2019: two all-reduces per layer forward under TP).
    const double comm_passes = training ? 2.0 : 1.0;  // backward mirrors the forward collectives
    if (p.tensor > 1) {
      OpCost op{"tp_allreduce", OpKind::kComm};
      op.message_bytes = tokens * h * act;
      op.launches = 2.0 * layers * comm_passes;
      op.participants = p.tensor;
      op.pattern = CommPattern::kAllReduce;
      ops.push_back(op);
    }
    if (p.pipeline > 1) {
      OpCost op{"pp_send", OpKind::kComm};
      op.message_bytes = tokens * h * act;
      op.launches = comm_passes;
      op.participants = 2;
      op.pattern = CommPattern::kSendRecv;
      ops.push_back(op);
    }
    if (m.moe && p.expert > 1 && step.moe_allgather) {
      for (const auto& [name, pattern] :
           {std::pair{"ep_allgather", CommPattern::kAllGather},
            std::pair{"ep_reducescatter", CommPattern::kReduceScatter}}) {
        OpCost op{name, OpKind::kComm};
        op.message_bytes = step.moe_tokens * h * act;  // the whole group's hidden states
        op.launches = MoeLayersOnStage(m, p) * comm_passes;
        op.participants = p.expert;
        op.pattern = pattern;
        ops.push_back(op);
      }
    } else if (m.moe && p.expert > 1) {
      OpCost op{"ep_alltoall", OpKind::kComm};
      // Each rank dispatches its share of the group's tokens, k copies each (and combines as many).
      op.message_bytes = step.moe_tokens * m.moe->num_active_experts * h * act / p.expert;
      op.launches = 2.0 * MoeLayersOnStage(m, p) * comm_passes;  // dispatch and combine
      op.participants = p.expert;
      op.pattern = CommPattern::kAllToAll;
      ops.push_back(op);
    }
  }

  void HostWork() const {
    const double batch = step.sequences;
    // A serving engine's host touches every sequence of the batch once per step, however the
    // model is split (one scheduler per replica).
    if (!training) {
      OpCost op{"host_per_sequence", OpKind::kHost};
      op.launches = batch;
      op.once_per_step = true;
      ops.push_back(op);
    }
  }

  void TrainingUpdate() const {
    if (training) {
      const ParamCounts counts = CountParams(m);
      const double shard = static_cast<double>(p.tensor) * p.pipeline;
      const double trainable = w.mode == Mode::kTraining
                                   ? static_cast<double>(counts.Total()) / shard
                                   : LoraAdapterParams(m, w.lora_rank) / shard;
      if (w.mode != Mode::kTraining) {
        // Adapter matmuls: forward + backward (weights and inputs) on rank-r factors.
        OpCost op{"lora_adapters", OpKind::kMatmul};
        op.flops = 6.0 * tokens * trainable;
        op.bytes_read = trainable * 2.0 * 3.0;
        op.launches = layers * 7.0;
        ops.push_back(op);
      }
      if (p.data > 1) {
        OpCost op{"dp_allreduce", OpKind::kComm};
        op.message_bytes = trainable * 2.0;  // bf16 gradients
        op.launches = 1;
        op.participants = p.data;
        op.pattern = CommPattern::kAllReduce;
        op.once_per_step = true;
        ops.push_back(op);
      }
      // Adam update (mixed precision): read fp32 master, m, v and the bf16 grad; write master, m,
      // v and the bf16 weight copy (Rajbhandari et al. 2020, Sec. 3: 16 bytes/param of state).
      OpCost op{"optimizer", OpKind::kOptimizer};
      const double owned = w.zero_stage >= 1 ? trainable / p.data : trainable;
      op.flops = 12.0 * owned;
      op.bytes_read = owned * (4.0 + 4.0 + 4.0 + 2.0);
      op.bytes_written = owned * (4.0 + 4.0 + 4.0 + 2.0);
      op.launches = 1;
      op.once_per_step = true;
      ops.push_back(op);
    }
  }
};

}  // namespace

double CausalAttendedTokens(const ModelSpec& m, AttentionKind kind, int64_t past_tokens,
                            int64_t new_tokens) {
  if (kind == AttentionKind::kLinear) return 0.0;
  // Query i (1-based position past+1 .. past+new) attends to min(i, window) tokens.
  const double window = kind == AttentionKind::kSlidingWindow
                            ? static_cast<double>(m.sliding_window_tokens)
                            : std::numeric_limits<double>::infinity();
  auto prefix_sum = [&](double n) {  // sum_{i=1..n} min(i, window)
    if (n <= window) return n * (n + 1) / 2;
    return window * (window + 1) / 2 + (n - window) * window;
  };
  return prefix_sum(static_cast<double>(past_tokens + new_tokens)) -
         prefix_sum(static_cast<double>(past_tokens));
}

double ExpectedDistinctExperts(const ModelSpec& m, double tokens) {
  if (!m.moe) return 0.0;
  const double e = static_cast<double>(m.moe->num_experts);
  const double k = static_cast<double>(m.moe->num_active_experts);
  return e * (1.0 - std::pow(1.0 - k / e, tokens));
}

double LoraAdapterParams(const ModelSpec& m, int64_t rank) {
  const double r = static_cast<double>(rank);
  const double h = m.d_model, q = m.QueryDim(), kv = m.KvDim();
  const double q_out = q * (m.attention_output_gate ? 2.0 : 1.0);
  const double linear_layers = static_cast<double>(m.NumLayersOfKind(AttentionKind::kLinear));
  const double attention_layers = static_cast<double>(m.num_layers) - linear_layers;
  double mixers = attention_layers * r * ((h + q_out) + 2 * (h + kv) + (q + h));  // q, k, v, o
  if (m.linear_attention && linear_layers > 0) {
    // in_proj_qkv, in_proj_z and out_proj of the Gated DeltaNet layers.
    const LinearAttentionSpec& la = *m.linear_attention;
    mixers += linear_layers * r * ((h + la.ConvDim()) + (h + la.ValueDim()) + (la.ValueDim() + h));
  }
  const double mats = m.mlp == MlpKind::kGated ? 3.0 : 2.0;
  double mlps = static_cast<double>(m.NumDenseMlpLayers()) * mats * r * (h + m.d_ff);
  if (m.moe) {
    mlps += static_cast<double>(m.NumMoeLayers()) *
            (m.moe->num_experts * mats * r * (h + m.moe->expert_d_ff) +
             m.moe->num_shared_experts * mats * r * (h + m.moe->shared_expert_d_ff));
  }
  return mlps + mixers;
}

double ForwardFlopsPerToken(const ModelSpec& m, int64_t context_tokens) {
  double flops = 2.0 * static_cast<double>(CountParams(m).ActiveMatmul());
  for (AttentionKind kind : kKinds) {
    flops += AttentionFlopsPerPair(m, false) * m.NumLayersOfKind(kind) *
             static_cast<double>(m.AttendedTokens(kind, context_tokens));
  }
  if (m.linear_attention) {
    flops += m.NumLayersOfKind(AttentionKind::kLinear) *
             LinearStateFlopsPerToken(*m.linear_attention,
                                      static_cast<double>(m.linear_attention->num_value_heads));
  }
  return flops;
}

double ForwardFlopsOfTokens(const ModelSpec& m, int64_t past_tokens, int64_t new_tokens) {
  if (new_tokens <= 0) return 0.0;
  // ForwardFlopsPerToken at context 0 is the part every token pays; the attention part grows with
  // the attended tokens, whose sum over the tokens is CausalAttendedTokens.
  double flops = static_cast<double>(new_tokens) * ForwardFlopsPerToken(m, 0);
  for (AttentionKind kind : kKinds) {
    flops += AttentionFlopsPerPair(m, false) * m.NumLayersOfKind(kind) *
             CausalAttendedTokens(m, kind, past_tokens, new_tokens);
  }
  return flops;
}

AttentionCoreTerms AttentionCoreTermsOf(const ModelSpec& m, const Workload& w, Phase phase) {
  const Parallelism& p = w.parallel;
  const double tp = p.tensor;
  const PassFactors pass = FactorsFor(w, phase);
  AttentionCoreTerms t;
  t.attention_layers = Layers(m, p) - LayersOfKind(m, p, AttentionKind::kLinear);
  t.full_layers = LayersOfKind(m, p, AttentionKind::kFull);
  t.sliding_layers = LayersOfKind(m, p, AttentionKind::kSlidingWindow);
  // KV-cache values per token per layer on this rank (MLA's latent is whole on every rank; K/V
  // heads are replicated when there are fewer than ranks, sim/workload/parallel_layout.h).
  const double kv_dev = static_cast<double>(KvHeadsPerRank(m, p.tensor)) * m.head_dim;
  t.kv_values_dev = m.mla ? static_cast<double>(m.mla->CacheValuesPerToken()) : 2.0 * kv_dev;
  t.kv_bytes_per_value = BytesPerValue(w.kv_cache);
  t.pair_flops_dev = AttentionFlopsPerPair(m, phase == Phase::kDecode) / tp;
  t.q_dev = m.QueryDim() / tp;
  t.activation_bytes_per_value = BytesPerValue(w.activations);
  t.pass_attention = pass.attention;
  t.pass_other = pass.other;
  return t;
}

OpCost AttentionCoreTerms::Op(const BatchAggregates& step) const {
  OpCost op{"attention", OpKind::kAttention};
  const double tokens = step.tokens;
  const double kvb = kv_bytes_per_value;
  // Full layers first, then sliding ones (linear-attention layers have no KV cache).
  for (const bool full : {true, false}) {
    const double kind_layers = full ? full_layers : sliding_layers;
    if (kind_layers == 0) continue;
    const double attended = full ? step.attended_pairs_full : step.attended_pairs_sliding;
    op.flops += pair_flops_dev * attended * kind_layers * pass_attention;
    const double cached = full ? step.kv_tokens_full : step.kv_tokens_sliding;
    op.bytes_read += cached * kv_values_dev * kvb * kind_layers;
    op.bytes_written += tokens * kv_values_dev * kvb * kind_layers;  // append new K, V
  }
  const double act = activation_bytes_per_value;
  op.bytes_read += tokens * q_dev * act * attention_layers * pass_other;
  op.bytes_written += tokens * q_dev * act * attention_layers * pass_other;
  op.launches = attention_layers;
  return op;
}

BatchAggregates AggregatesOf(const ModelSpec& m, const Step& step) {
  BatchAggregates a;
  a.phase = step.phase;
  const double batch = static_cast<double>(step.batch);
  a.sequences = batch;
  a.tokens = static_cast<double>(step.batch * step.new_tokens);
  a.logit_tokens = step.phase == Phase::kTrainStep ? a.tokens : batch;
  a.attended_pairs_full =
      batch * CausalAttendedTokens(m, AttentionKind::kFull, step.past_tokens, step.new_tokens);
  a.attended_pairs_sliding = batch * CausalAttendedTokens(m, AttentionKind::kSlidingWindow,
                                                          step.past_tokens, step.new_tokens);
  const int64_t context = step.past_tokens + step.new_tokens;
  a.kv_tokens_full = batch * static_cast<double>(m.AttendedTokens(AttentionKind::kFull, context));
  a.kv_tokens_sliding =
      batch * static_cast<double>(m.AttendedTokens(AttentionKind::kSlidingWindow, context));
  a.moe_tokens = a.tokens;
  return a;
}

void AddSequence(const ModelSpec& m, int64_t past_tokens, int64_t new_tokens, double logit_tokens,
                 BatchAggregates* a) {
  a->sequences += 1.0;
  a->tokens += static_cast<double>(new_tokens);
  a->logit_tokens += logit_tokens;
  const int64_t context = past_tokens + new_tokens;
  if (new_tokens == 1) {  // a decode token attends to the whole (window-capped) context
    const double full = static_cast<double>(context);
    a->attended_pairs_full += full;
    a->kv_tokens_full += full;
    if (m.sliding_window_tokens > 0) {
      const double window = static_cast<double>(std::min(context, m.sliding_window_tokens));
      a->attended_pairs_sliding += window;
      a->kv_tokens_sliding += window;
    }
    return;
  }
  a->attended_pairs_full += CausalAttendedTokens(m, AttentionKind::kFull, past_tokens, new_tokens);
  a->kv_tokens_full += static_cast<double>(context);
  if (m.sliding_window_tokens > 0) {
    a->attended_pairs_sliding +=
        CausalAttendedTokens(m, AttentionKind::kSlidingWindow, past_tokens, new_tokens);
    a->kv_tokens_sliding +=
        static_cast<double>(m.AttendedTokens(AttentionKind::kSlidingWindow, context));
  }
}

std::vector<OpCost> CountOps(const ModelSpec& m, const Workload& w, const Step& step) {
  // Data-parallel attention over the expert-parallel group (parallel_layout.h): this rank attends
  // for its share of the sequences; the experts see the whole group's tokens.
  Step rank_step = step;
  rank_step.batch = SequencesPerAttentionRank(step.batch, w.parallel);
  BatchAggregates a = AggregatesOf(m, rank_step);
  a.moe_tokens = static_cast<double>(step.batch * step.new_tokens);
  std::vector<OpCost> ops = CountOps(m, w, a);
  // One scheduler serves the whole group (the replica): its host work covers every sequence.
  for (OpCost& op : ops) {
    if (op.kind == OpKind::kHost) op.launches = static_cast<double>(step.batch);
  }
  return ops;
}

std::vector<OpCost> CountOps(const ModelSpec& m, const Workload& w, const BatchAggregates& batch) {
  std::vector<OpCost> ops;
  CountOps(m, w, batch, &ops);
  return ops;
}

void CountOps(const ModelSpec& m, const Workload& w, const BatchAggregates& step,
              std::vector<OpCost>* ops_out) {
  std::string why;
  if (!Validate(w, &why)) throw InputError({"", 0, "workload"}, why);
  ops_out->clear();
  const OpCounter count(m, w, step, ops_out);
  count.Embedding();
  count.SoftmaxAttention();
  count.LinearAttention();
  count.FeedForward();
  count.NormsAndLogits();
  count.Communication();
  count.HostWork();
  count.TrainingUpdate();
}

StepTotals Sum(const std::vector<OpCost>& ops) {
  StepTotals t;
  for (const auto& op : ops) {
    t.flops += op.flops;
    if (op.kind == OpKind::kComm) {
      t.comm_bytes += op.message_bytes * op.launches;
    } else {
      t.bytes += op.bytes_read + op.bytes_written;
    }
  }
  return t;
}

}  // namespace rightsize
