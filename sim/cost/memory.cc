#include "sim/cost/memory.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "sim/cost/op_count.h"
#include "sim/spec/weight_layout.h"
#include "sim/util/error.h"
#include "sim/util/number_text.h"
#include "sim/util/units.h"
#include "sim/workload/parallel_layout.h"

namespace rightsize {
namespace {

double KvBytesPerSequenceOnDevice(const ModelSpec& m, const Workload& w, int64_t context) {
  const Parallelism& p = w.parallel;
  // K/V heads are split over TP ranks; with fewer heads than ranks, each holds one replicated.
  // MLA caches one latent per token that every head reads: each TP rank holds all of it.
  const double per_layer_token =
      (m.mla ? static_cast<double>(m.mla->CacheValuesPerToken())
             : 2.0 * static_cast<double>(KvHeadsPerRank(m, p.tensor)) * m.head_dim) *
      BytesPerValue(w.kv_cache);
  double tokens_times_layers = 0.0;
  for (AttentionKind kind : {AttentionKind::kFull, AttentionKind::kSlidingWindow}) {
    tokens_times_layers += static_cast<double>(m.NumLayersOfKind(kind)) *
                           static_cast<double>(m.AttendedTokens(kind, context));
  }
  double state = 0.0;  // linear-attention layers: a constant-size state, whatever the context
  if (m.linear_attention) {
    const LinearAttentionSpec& la = *m.linear_attention;
    const double value_heads =
        std::max(1.0, std::floor(static_cast<double>(la.num_value_heads) / p.tensor));
    const double head_share = value_heads / la.num_value_heads;
    state =
        static_cast<double>(m.NumLayersOfKind(AttentionKind::kLinear)) *
        (static_cast<double>(la.StateValues()) * head_share * BytesPerValue(la.state_precision) +
         static_cast<double>(la.ConvStateValues()) * head_share * BytesPerValue(w.activations));
  }
  return (per_layer_token * tokens_times_layers + state) / p.pipeline;
}

}  // namespace

StoredActivationBytes StoredActivationBytesPerToken(const ModelSpec& m) {
  const double h = m.d_model, q = m.QueryDim(), kv = m.KvDim();
  // MLP width a token's hidden state passes through: the dense MLP, or the routed experts it is
  // sent to plus the shared experts.
  double width = m.d_ff;
  if (m.moe && m.NumMoeLayers() == m.num_layers) {
    width = static_cast<double>(m.moe->expert_d_ff * m.moe->num_active_experts +
                                m.moe->shared_expert_d_ff * m.moe->num_shared_experts);
  }
  StoredActivationBytes a;
  // Outside the tensor-parallel blocks: each norm's input, the inputs of the QKV projection and
  // of the MLP, and the two dropout masks (1 byte each): 10 h for Korthikanti's 2 norms.
  a.replicated = 2.0 * h * m.norms_per_layer + 2.0 * h + 2.0 * h + 2.0 * h;
  // Inside: Q and K (for QK^T), V and the output projection's input: 4 q + 4 kv bytes (8 h for
  // MHA); the MLP: a plain one keeps its first linear's output and the activation's output,
  // 4 f bytes (16 h for f = 4 h); a gated one keeps gate and up outputs, the activation of the
  // gate and their product, 8 f bytes.
  const double mlp = (m.mlp == MlpKind::kGated ? 8.0 : 4.0) * width;
  a.split = 4.0 * q + 4.0 * kv + mlp;
  // Eager attention: softmax output (2 bytes), its dropout mask (1) and dropout output (2) per
  // head per (query, key) pair.
  a.scores_per_context_token = 5.0 * m.num_heads;
  return a;
}

double MemoryBreakdown::Total() const {
  return weights_bytes + kv_cache_bytes + activation_bytes + gradient_bytes + optimizer_bytes +
         adapter_bytes;
}

double KvCacheBytesPerToken(const ModelSpec& m, Precision kv) {
  const double kv_layers =
      static_cast<double>(m.num_layers - m.NumLayersOfKind(AttentionKind::kLinear));
  return kv_layers * static_cast<double>(m.KvValuesPerTokenPerLayer()) * BytesPerValue(kv);
}

double KvCacheBytesPerSequence(const ModelSpec& m, Precision kv, int64_t context_tokens) {
  Workload w;
  w.kv_cache = kv;
  return KvBytesPerSequenceOnDevice(m, w, context_tokens);
}

double WeightBytes(const ModelSpec& m, Precision precision) {
  return WeightBytes(m, ResolveWeightLayout(m, precision));
}

namespace {

// Parameters held by one device and their bytes at the inference storage formats.
struct WeightsOnDevice {
  double params = 0.0;
  double inference_bytes = 0.0;
};

WeightsOnDevice WeightsPerDevice(const ModelSpec& m, const Workload& w) {
  const Parallelism& p = w.parallel;
  const ParamCounts counts = CountParams(m);
  const double model_shard = static_cast<double>(p.tensor) * p.pipeline;
  // Each tensor class at its own storage format (sim/spec/weight_layout.h); routed experts are
  // further split over EP ranks.
  const WeightLayout layout = ResolveWeightLayout(m, BaseWeightPrecision(w));
  WeightsOnDevice on_device;
  for (std::size_t i = 0; i < kNumTensorClasses; ++i) {
    const auto c = static_cast<TensorClass>(i);
    const double split = c == TensorClass::kRoutedExperts ? model_shard * p.expert : model_shard;
    const double params = static_cast<double>(ParamsOfClass(counts, c)) / split;
    on_device.params += params;
    on_device.inference_bytes += params * layout.Bytes(c);
  }
  if (!m.mla && ReplicatesKvHeads(m, p.tensor)) {
    // Each rank holds the K and V projections (and biases) of a whole replicated K/V head instead
    // of the 1/tp share counted above.
    const double attention_layers =
        static_cast<double>(m.num_layers - m.NumLayersOfKind(AttentionKind::kLinear)) / p.pipeline;
    const double per_head = 2.0 * m.head_dim * (m.d_model + (m.qkv_bias ? 1.0 : 0.0));
    const double extra = attention_layers * per_head *
                         (static_cast<double>(KvHeadsPerRank(m, p.tensor)) -
                          static_cast<double>(m.num_kv_heads) / p.tensor);
    on_device.params += extra;
    on_device.inference_bytes += extra * layout.Bytes(TensorClass::kAttention);
  }
  return on_device;
}

// Inference: the transient peak while one layer prefills `sequences` prompts, plus the logits.
double PrefillActivationBytes(const ModelSpec& m, const Workload& w, int64_t sequences) {
  const Parallelism& p = w.parallel;
  const double act = BytesPerValue(w.activations);
  const double h = m.d_model;
  // Input, q/k/v, the MLP hidden and output of one layer.
  const double tokens = static_cast<double>(sequences * w.prompt_tokens);
  const double ffn = m.moe ? m.moe->expert_d_ff * m.moe->num_active_experts : m.d_ff;
  // Token mixer: the wider of the attention q/k/v (+ gate) and the Gated DeltaNet q/k/v/z/b/a.
  double mixer = m.QueryDim() * (m.attention_output_gate ? 2.0 : 1.0) + 2.0 * m.KvDim();
  if (m.linear_attention) {
    const LinearAttentionSpec& la = *m.linear_attention;
    mixer =
        std::max(mixer, static_cast<double>(la.ConvDim() + la.ValueDim() + 2 * la.num_value_heads));
  }
  const double widths = 2.0 * h + mixer + 2.0 * ffn;
  double bytes = tokens * widths * act / p.tensor;
  bytes += static_cast<double>(sequences) * m.vocab_size * 4.0 / p.tensor;  // fp32 logits
  return bytes;
}

// Training / fine-tuning: the activations stored for the backward pass on the first pipeline
// stage, plus one micro-batch's fp32 logits.
double StoredTrainingActivationBytes(const ModelSpec& m, const Workload& w) {
  const Parallelism& p = w.parallel;
  const double act = BytesPerValue(w.activations);
  const double h = m.d_model;
  // One micro-batch's (the whole batch when micro_batch is 0).
  const int64_t micro = w.micro_batch > 0 ? w.micro_batch : w.batch;
  const double sbh = static_cast<double>(micro) * w.prompt_tokens * h;
  const double scale = act / 2.0;  // the terms below count 2-byte activations
  const StoredActivationBytes stored = StoredActivationBytesPerToken(m);
  const double tokens_stored = static_cast<double>(micro) * w.prompt_tokens;
  const double replicated_split = w.sequence_parallel ? p.tensor : 1.0;
  double per_layer = 0.0;
  switch (w.recompute) {
    case Recompute::kNone:
      per_layer = tokens_stored * (stored.replicated / replicated_split + stored.split / p.tensor);
      if (!w.flash_attention) {
        per_layer += tokens_stored * stored.scores_per_context_token * w.prompt_tokens / p.tensor;
      }
      break;
    case Recompute::kSelective:  // the attention core is recomputed: no scores kept
      per_layer = tokens_stored * (stored.replicated / replicated_split + stored.split / p.tensor);
      break;
    case Recompute::kFull:  // only each layer's input is kept
      per_layer = sbh * 2.0 / replicated_split;
      break;
  }
  // Under 1F1B the first stage holds min(p, micro-batches) micro-batches of L/p layers (Narayanan
  // et al. 2021, Sec. 2.2.1); with micro_batch 0 the batch counts as p micro-batches: L layers'
  // worth, the most a stage can hold.
  const int64_t microbatches = w.micro_batch > 0 ? (w.batch + micro - 1) / micro : p.pipeline;
  const double in_flight = static_cast<double>(std::min<int64_t>(p.pipeline, microbatches));
  double bytes = per_layer * static_cast<double>(m.num_layers) / p.pipeline * in_flight * scale;
  // During a full recompute one layer's working set is live again.
  if (w.recompute == Recompute::kFull) {
    bytes +=
        tokens_stored * (stored.replicated / replicated_split + stored.split / p.tensor) * scale;
  }
  bytes += static_cast<double>(micro) * w.prompt_tokens * m.vocab_size * 4.0 / p.tensor;
  return bytes;
}

}  // namespace

double InferenceWeightBytesPerDevice(const ModelSpec& m, const Workload& w) {
  return WeightsPerDevice(m, w).inference_bytes;
}

MemoryBreakdown InferenceMemoryPerDevice(const ModelSpec& m, const Workload& w,
                                         double weights_bytes) {
  MemoryBreakdown mem;
  mem.weights_bytes = weights_bytes;
  // The expert-parallel group's attention is data-parallel (parallel_layout.h): each rank holds
  // the KV cache of its share of the sequences.
  const int64_t sequences = SequencesPerAttentionRank(w.batch, w.parallel);
  mem.kv_cache_bytes =
      static_cast<double>(sequences) * KvBytesPerSequenceOnDevice(m, w, w.ContextTokens());
  mem.activation_bytes = PrefillActivationBytes(m, w, sequences);
  return mem;
}

MemoryBreakdown EstimateMemoryPerDevice(const ModelSpec& m, const Workload& w) {
  std::string why;
  if (!Validate(w, &why)) throw InputError({"", 0, "workload"}, why);
  const Parallelism& p = w.parallel;
  const WeightsOnDevice weights = WeightsPerDevice(m, w);
  const double params_per_device = weights.params;
  const double model_shard = static_cast<double>(p.tensor) * p.pipeline;

  if (w.mode == Mode::kInference) return InferenceMemoryPerDevice(m, w, weights.inference_bytes);
  MemoryBreakdown mem;
  mem.weights_bytes = weights.inference_bytes;
  mem.activation_bytes = StoredTrainingActivationBytes(m, w);

  const double dp = p.data;
  if (w.mode == Mode::kTraining) {
    // Mixed-precision Adam: 2 (bf16 weights) + 2 (grads) + 12 (fp32 master, m, v) bytes per
    // parameter (Rajbhandari et al. 2020, Sec. 3); ZeRO stage s shards the first s of
    // {optimizer, gradients, weights} over the data-parallel ranks.
    mem.weights_bytes = params_per_device * 2.0 / (w.zero_stage >= 3 ? dp : 1.0);
    mem.gradient_bytes = params_per_device * 2.0 / (w.zero_stage >= 2 ? dp : 1.0);
    mem.optimizer_bytes = params_per_device * 12.0 / (w.zero_stage >= 1 ? dp : 1.0);
  } else {
    const double adapters = LoraAdapterParams(m, w.lora_rank) / model_shard;
    mem.adapter_bytes = adapters * 2.0;
    mem.gradient_bytes = adapters * 2.0;
    mem.optimizer_bytes = adapters * 12.0;
  }
  return mem;
}

KvCacheCapacity EstimateKvCacheCapacity(const ModelSpec& m, const HardwareSpec& hw,
                                        const Workload& w, int64_t max_batched_tokens,
                                        int64_t reserved_states, int64_t block_size_tokens) {
  RS_CHECK(max_batched_tokens >= 1 && reserved_states >= 0 && block_size_tokens >= 1,
           "KV capacity needs a positive token budget and block size");
  KvCacheCapacity c;
  c.block_size_tokens = block_size_tokens;
  // The profiling step: one sequence of max_batched_tokens prompt tokens, nothing generated.
  Workload profile = w;
  profile.mode = Mode::kInference;
  profile.batch = 1;
  profile.prompt_tokens = max_batched_tokens;
  profile.gen_tokens = 0;
  const MemoryBreakdown step = EstimateMemoryPerDevice(m, profile);
  // Per token: below the window KvBytesPerSequenceOnDevice is affine in the context (the
  // constant is the linear-attention state), so the slope is its difference between contexts 1
  // and 2, every sliding layer counted as a full one.
  const double one = KvBytesPerSequenceOnDevice(m, w, 1);
  c.bytes_per_token = KvBytesPerSequenceOnDevice(m, w, 2) - one;
  c.state_bytes_per_sequence = one - c.bytes_per_token;
  c.free_bytes = hw.memory_bytes * w.memory_utilization - step.weights_bytes -
                 step.activation_bytes -
                 static_cast<double>(reserved_states) * c.state_bytes_per_sequence;
  if (c.free_bytes > 0 && c.bytes_per_token > 0) {
    c.blocks = static_cast<int64_t>(
        std::floor(c.free_bytes / (c.bytes_per_token * static_cast<double>(block_size_tokens))));
  }
  return c;
}

namespace {

double UsableBytes(const HardwareSpec& hw, const Workload& w) {
  return hw.memory_bytes * w.memory_utilization;
}

// The largest part of the breakdown: its name and bytes.
std::pair<const char*, double> LargestComponent(const MemoryBreakdown& b) {
  const std::pair<const char*, double> parts[] = {
      {"weights", b.weights_bytes},           {"kv_cache", b.kv_cache_bytes},
      {"activations", b.activation_bytes},    {"gradients", b.gradient_bytes},
      {"optimizer_state", b.optimizer_bytes}, {"adapters", b.adapter_bytes}};
  return *std::max_element(std::begin(parts), std::end(parts),
                           [](const auto& x, const auto& y) { return x.second < y.second; });
}

}  // namespace

bool FitsDevice(const MemoryBreakdown& breakdown, const HardwareSpec& hw, const Workload& w) {
  return breakdown.Total() <= UsableBytes(hw, w);
}

void AppendOutOfMemoryReason(const MemoryBreakdown& breakdown, const HardwareSpec& hw,
                             const Workload& w, std::string* out) {
  const double required = breakdown.Total(), capacity = UsableBytes(hw, w);
  const auto [largest, largest_bytes] = LargestComponent(breakdown);
  // The numbers through FixedText (printf's %.2f, fast; short enough to need no allocation).
  auto gib = [&](double bytes) { out->append(FixedText(bytes / kGiB, 2)); };
  out->append("out of memory on ").append(hw.id).append(": needs ");
  gib(required);
  out->append(" GiB per device, ");
  gib(capacity);
  out->append(" GiB usable (").append(FixedText(100 * w.memory_utilization, 0)).append("% of ");
  gib(hw.memory_bytes);
  out->append(" GiB); short by ");
  gib(required - capacity);
  out->append(" GiB; largest part: ").append(largest).append(" ");
  gib(largest_bytes);
  out->append(" GiB");
}

FitVerdict FitOf(const MemoryBreakdown& breakdown, const HardwareSpec& hw, const Workload& w) {
  FitVerdict v;
  v.breakdown = breakdown;
  v.capacity_bytes = UsableBytes(hw, w);
  v.required_bytes = v.breakdown.Total();
  v.fits = FitsDevice(breakdown, hw, w);
  v.largest_component = LargestComponent(breakdown).first;
  if (!v.fits) {
    v.shortfall_bytes = v.required_bytes - v.capacity_bytes;
    AppendOutOfMemoryReason(breakdown, hw, w, &v.reason);
  }
  return v;
}

FitVerdict CheckFit(const ModelSpec& m, const HardwareSpec& hw, const Workload& w) {
  FitVerdict v = FitOf(EstimateMemoryPerDevice(m, w), hw, w);
  // Largest batch / longest context: memory grows monotonically in both, so bisect.
  auto fits_with = [&](int64_t batch, int64_t context) {
    Workload trial = w;
    trial.batch = batch;
    trial.micro_batch = std::min(w.micro_batch, batch);  // a micro-batch is at most the batch
    if (w.mode == Mode::kInference) {
      trial.prompt_tokens = std::max<int64_t>(1, context - w.gen_tokens);
      trial.gen_tokens = context - trial.prompt_tokens;
    } else {
      trial.prompt_tokens = context;
    }
    return EstimateMemoryPerDevice(m, trial).Total() <= v.capacity_bytes;
  };
  auto bisect = [](int64_t hi_cap, const auto& ok) -> int64_t {
    if (!ok(1)) return 0;
    int64_t lo = 1, hi = 2;
    while (hi <= hi_cap && ok(hi)) {
      lo = hi;
      hi *= 2;
    }
    hi = std::min(hi, hi_cap + 1);
    while (hi - lo > 1) {
      const int64_t mid = lo + (hi - lo) / 2;
      (ok(mid) ? lo : hi) = mid;
    }
    return lo;
  };
  const int64_t context = w.mode == Mode::kInference ? w.ContextTokens() : w.prompt_tokens;
  v.max_batch = bisect(int64_t{1} << 24, [&](int64_t b) { return fits_with(b, context); });
  const int64_t context_cap = m.max_context_tokens > 0 ? m.max_context_tokens : int64_t{1} << 24;
  v.max_context_tokens = bisect(context_cap, [&](int64_t c) { return fits_with(w.batch, c); });
  return v;
}

}  // namespace rightsize
