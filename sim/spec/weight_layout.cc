#include "sim/spec/weight_layout.h"

#include "sim/util/error.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

WeightLayout Uniform(double bits) {
  WeightLayout layout;
  layout.bits_per_weight.fill(bits);
  return layout;
}

void Set(WeightLayout* layout, TensorClass c, double bits) {
  layout->bits_per_weight[static_cast<std::size_t>(c)] = bits;
}

// llama.cpp's K-quants need rows (ne[0], the matrix's input width) that are a multiple of the
// 256-value super-block; other tensors fall back to a 32-block type (llama_tensor_get_type).
constexpr int64_t kSuperBlock = 256;
double Q4KOrFallback(int64_t row) {
  return row % kSuperBlock == 0 ? BitsPerValue(Precision::kQ4_K) : 22.0 * 8.0 / 32.0;  // q5_0
}
double Q5KOrFallback(int64_t row) {
  return row % kSuperBlock == 0 ? BitsPerValue(Precision::kQ5_K) : 24.0 * 8.0 / 32.0;  // q5_1
}
double Q6KOrFallback(int64_t row) {
  return row % kSuperBlock == 0 ? BitsPerValue(Precision::kQ6_K) : BitsPerValue(Precision::kQ8_0);
}

// llama.cpp use_more_bits(i, n): the layers whose attn_v / ffn_down Q4_K_M stores in q6_k.
int64_t LayersWithMoreBits(int64_t n) {
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2) ++count;
  }
  return count;
}

// Average bits of an MLP (gate, up: rows of d_model; down: rows of `width`) under Q4_K_M.
double Q4KMMlpBits(const ModelSpec& m, int64_t width, double more_share) {
  const double up = Q4KOrFallback(m.d_model);
  const double down = more_share * Q6KOrFallback(width) + (1.0 - more_share) * Q4KOrFallback(width);
  const double in_mats = m.mlp == MlpKind::kGated ? 2.0 : 1.0;
  return (in_mats * up + down) / (in_mats + 1.0);
}

WeightLayout Q4KM(const ModelSpec& m) {
  const double more_share =
      static_cast<double>(LayersWithMoreBits(m.num_layers)) / static_cast<double>(m.num_layers);
  const bool eight_experts = m.moe && m.moe->num_experts == 8;
  const double h = m.d_model, q = m.QueryDim(), kv = m.KvDim();
  const double q_params = h * q * (m.attention_output_gate ? 2.0 : 1.0);
  double bits_q = Q4KOrFallback(m.d_model), bits_k = bits_q, bits_o = Q4KOrFallback(m.QueryDim());
  double bits_v = more_share * Q6KOrFallback(m.d_model) + (1.0 - more_share) * bits_q;
  if (eight_experts) {  // "for the 8-expert model, bumping this to Q8_0 trades just ~128MB"
    bits_k = bits_v = BitsPerValue(Precision::kQ8_0);
    bits_o = Q5KOrFallback(m.QueryDim());
  }
  WeightLayout layout = Uniform(BitsPerValue(Precision::kQ4_K));
  Set(&layout, TensorClass::kAttention,
      (q_params * bits_q + h * kv * (bits_k + bits_v) + q * h * bits_o) /
          (q_params + 2.0 * h * kv + q * h));
  Set(&layout, TensorClass::kDenseMlp, Q4KMMlpBits(m, m.d_ff, more_share));
  if (m.moe) {
    Set(&layout, TensorClass::kRoutedExperts, Q4KMMlpBits(m, m.moe->expert_d_ff, more_share));
    Set(&layout, TensorClass::kSharedExperts,
        Q4KMMlpBits(m, m.moe->shared_expert_d_ff > 0 ? m.moe->shared_expert_d_ff : m.d_model,
                    more_share));
  }
  // output.weight is q6_k; an untied token_embd keeps the base type, a tied one is the output.
  Set(&layout, TensorClass::kLmHead, Q6KOrFallback(m.d_model));
  Set(&layout, TensorClass::kEmbedding,
      m.tied_embeddings ? Q6KOrFallback(m.d_model) : Q4KOrFallback(m.d_model));
  Set(&layout, TensorClass::kNorms, 32.0);
  Set(&layout, TensorClass::kRouter, 32.0);
  return layout;
}

bool IsGgufType(Precision p) {
  return p == Precision::kQ8_0 || p == Precision::kQ4_K || p == Precision::kQ5_K ||
         p == Precision::kQ6_K;
}

bool IsFloatFormat(Precision p) {
  return p == Precision::kFp32 || p == Precision::kTf32 || p == Precision::kBf16 ||
         p == Precision::kFp16;
}

}  // namespace

WeightLayout ResolveWeightLayout(const ModelSpec& m, Precision scheme) {
  if (scheme == Precision::kReleased) {
    if (!m.released_weights) {
      throw InputError({"", 0, "weights"}, "model '" + m.id +
                                               "' states no released weight mix "
                                               "(released_weights); give a precision instead");
    }
    WeightLayout layout;
    for (std::size_t i = 0; i < kNumTensorClasses; ++i) {
      layout.bits_per_weight[i] = BitsPerValue(m.released_weights->by_class[i]);
    }
    return layout;
  }
  if (scheme == Precision::kQ4_K_M) return Q4KM(m);
  if (IsFloatFormat(scheme)) return Uniform(BitsPerValue(scheme));
  WeightLayout layout = Uniform(BitsPerValue(scheme));
  if (IsGgufType(scheme)) {
    Set(&layout, TensorClass::kNorms, 32.0);
    Set(&layout, TensorClass::kRouter, 32.0);
    return layout;
  }
  const double bf16 = BitsPerValue(Precision::kBf16);
  for (TensorClass c :
       {TensorClass::kEmbedding, TensorClass::kLmHead, TensorClass::kNorms, TensorClass::kRouter}) {
    Set(&layout, c, bf16);
  }
  return layout;
}

int64_t ParamsOfClass(const ParamCounts& counts, TensorClass tensor_class) {
  switch (tensor_class) {
    case TensorClass::kAttention:
      return counts.attention + counts.linear_attention;
    case TensorClass::kDenseMlp:
      return counts.dense_mlp;
    case TensorClass::kRoutedExperts:
      return counts.routed_experts;
    case TensorClass::kSharedExperts:
      return counts.shared_experts;
    case TensorClass::kEmbedding:
      return counts.embedding;
    case TensorClass::kLmHead:
      return counts.lm_head;
    case TensorClass::kNorms:
      return counts.norms;
    case TensorClass::kRouter:
      return counts.router;
  }
  return 0;
}

double WeightBytes(const ModelSpec& m, const WeightLayout& layout) {
  const ParamCounts counts = CountParams(m);
  double bytes = 0.0;
  for (std::size_t i = 0; i < kNumTensorClasses; ++i) {
    const auto c = static_cast<TensorClass>(i);
    bytes += static_cast<double>(ParamsOfClass(counts, c)) * layout.Bytes(c);
  }
  return bytes;
}

}  // namespace rightsize
