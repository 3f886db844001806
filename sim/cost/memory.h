// Device memory: what a workload needs per device, whether it fits, and the largest batch and
// context that fit.
#pragma once

#include <cstdint>
#include <string>

#include "sim/spec/hardware_spec.h"
#include "sim/spec/model_spec.h"
#include "sim/workload/workload.h"

namespace rightsize {

// Bytes per device, by component.
struct MemoryBreakdown {
  double weights_bytes = 0.0;     // model weights (frozen base for LoRA / QLoRA)
  double kv_cache_bytes = 0.0;    // inference: batch x context, window-capped, plus the
                                  // constant recurrent + conv state of linear-attention layers
  double activation_bytes = 0.0;  // inference: transient peak of one layer + logits;
                                  // training: stored activations (StoredActivationBytes)
  double gradient_bytes = 0.0;    // training: bf16 gradients of the trainable parameters
  double optimizer_bytes = 0.0;   // training: fp32 master copy + Adam m and v
  double adapter_bytes = 0.0;     // LoRA / QLoRA: bf16 adapter weights

  double Total() const;
};

// KV cache bytes per token of context for the whole model on one device (all layers, K and V):
// 2 x layers x kv_heads x head_dim x bytes(kv precision); MLA: layers x (kv_lora_rank +
// qk_rope_head_dim) x bytes (DeepSeek-V3: 61 x 576 x 2 = 70,272). Linear-attention layers add none.
double KvCacheBytesPerToken(const ModelSpec& model, Precision kv_precision);
// KV cache bytes one sequence of context_tokens holds (sliding layers capped at the window), plus
// the recurrent state of linear-attention layers, which does not grow with context: per layer
// value_heads x key_head_dim x value_head_dim at the state precision + the conv state
// (conv channels x (kernel - 1) at the activation precision).
double KvCacheBytesPerSequence(const ModelSpec& model, Precision kv_precision,
                               int64_t context_tokens);
// Weight bytes of the whole model stored in a precision or scheme (no parallelism): each tensor
// class at its format (sim/spec/weight_layout.h).
double WeightBytes(const ModelSpec& model, Precision precision);

// Bytes of activations one transformer layer stores per token for the backward pass with 2-byte
// activations, generalising Korthikanti et al. 2022 (arXiv 2205.05198) eq. (1): 34 h + 5 a s for
// a GPT layer (MHA, 4 h GeLU MLP, 2 LayerNorms), of which 10 h lie outside the tensor-parallel
// regions. Here q and kv widths (GQA), the MLP kind and width (a SwiGLU of f keeps 8 f bytes, a
// plain MLP 4 f) and the norm count enter; Llama-2-7B (f = 2.69 h) stores 39.5 h, Qwen2.5-7B
// (f = 5.29 h, GQA) 61 h.
struct StoredActivationBytes {
  double replicated = 0.0;  // per token: norms, block inputs, dropout masks (split only by SP)
  double split = 0.0;       // per token: inside the TP blocks (split over the TP ranks)
  double scores_per_context_token = 0.0;  // eager attention: x context length per token
};
StoredActivationBytes StoredActivationBytesPerToken(const ModelSpec& model);

MemoryBreakdown EstimateMemoryPerDevice(const ModelSpec& model, const Workload& workload);
// The two parts of EstimateMemoryPerDevice for inference, for loops over many batches and
// lengths at one layout: the weights' bytes on a device (they depend on the model, precisions and
// parallel layout only), then the breakdown given them. Same value, bit for bit; the workload is
// assumed valid (EstimateMemoryPerDevice checks it).
double InferenceWeightBytesPerDevice(const ModelSpec& model, const Workload& workload);
MemoryBreakdown InferenceMemoryPerDevice(const ModelSpec& model, const Workload& workload,
                                         double weights_bytes);

struct FitVerdict {
  bool fits = false;
  double capacity_bytes = 0.0;    // device memory x memory_utilization
  double required_bytes = 0.0;    // per device
  double shortfall_bytes = 0.0;   // required - capacity when it does not fit, else 0
  std::string largest_component;  // e.g. "weights" (what most needs the memory)
  std::string reason;             // one line; empty when it fits
  MemoryBreakdown breakdown;
  // Largest batch that fits at this context, and the longest context (prompt + generated) that
  // fits at this batch; 0 when even 1 does not fit. Capped at the model's max context for the
  // context search.
  int64_t max_batch = 0;
  int64_t max_context_tokens = 0;
};

FitVerdict CheckFit(const ModelSpec& model, const HardwareSpec& hardware, const Workload& workload);
// CheckFit's verdict for a breakdown already estimated, without the largest batch / context
// searches (max_batch and max_context_tokens stay 0).
FitVerdict FitOf(const MemoryBreakdown& breakdown, const HardwareSpec& hardware,
                 const Workload& workload);
// FitOf's `fits` and, when it does not fit, FitOf's `reason` appended to *out: nothing allocated
// once *out has room (a sweep decides this for millions of points, sim/plan/sweep.cc).
bool FitsDevice(const MemoryBreakdown& breakdown, const HardwareSpec& hardware,
                const Workload& workload);
void AppendOutOfMemoryReason(const MemoryBreakdown& breakdown, const HardwareSpec& hardware,
                             const Workload& workload, std::string* out);

// The KV cache a serving engine allocates on each device at start-up, as vLLM sizes it (profile a
// step of max_batched_tokens tokens, then give the KV cache what is left of memory x
// memory_utilization after the weights and that step's activation peak; Kwon et al. 2023,
// PagedAttention), in blocks of block_size_tokens. Sliding-window layers are counted at full
// length (engines without a hybrid allocator keep every block); linear-attention layers hold a
// constant state per sequence: `reserved_states` of them are set aside before the blocks (an
// engine's preallocated state pool; 0 when the engine takes each running request's state from
// the block pool instead, as vLLM V1's hybrid allocator does).
struct KvCacheCapacity {
  double free_bytes = 0.0;       // per device for the KV cache; <= 0: nothing is left for it
  double bytes_per_token = 0.0;  // per device, one token of context in this stage's KV layers
  double state_bytes_per_sequence = 0.0;  // per device, linear-attention state of one sequence
  int64_t blocks = 0;                     // whole blocks that fit, >= 0
  int64_t block_size_tokens = 0;
  int64_t Tokens() const { return blocks * block_size_tokens; }
};
KvCacheCapacity EstimateKvCacheCapacity(const ModelSpec& model, const HardwareSpec& hardware,
                                        const Workload& workload, int64_t max_batched_tokens,
                                        int64_t reserved_states, int64_t block_size_tokens);

}  // namespace rightsize
