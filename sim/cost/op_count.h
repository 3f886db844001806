// Hardware-free operator counting: the FLOPs and bytes each operator of one step moves, per
// device. Pure arithmetic on ModelSpec x Workload x Step; the latency model (latency.h) turns
// these into time on a device.
#pragma once

#include <string>
#include <vector>

#include "sim/spec/model_spec.h"
#include "sim/workload/workload.h"

namespace rightsize {

enum class OpKind {
  kMatmul,       // weight matmuls (projections, MLP, experts, LM head): compute at weight peak
  kAttention,    // QK^T, softmax, AV over the KV cache
  kElementwise,  // norms, activations, residual adds, embedding gather
  kComm,         // collectives between devices (bytes = message size of one collective)
  kOptimizer,    // optimizer update (training): memory-bound
  // Host work of a serving step for each running sequence (scheduling, sampling, detokenising);
  // `launches` counts the sequences. No device FLOPs or bytes.
  kHost,
};

// How a kComm op moves its message (the latency model prices each with its own alpha-beta
// formula).
enum class CommPattern {
  kNone,       // not a collective
  kAllReduce,  // ring all-reduce over `participants` devices
  kAllToAll,   // all-to-all (MoE dispatch / combine)
  kSendRecv,   // point-to-point (pipeline stage boundary)
};

struct OpCost {
  // Static label (a string literal): no allocation in the hot path.
  const char* name = "";
  OpKind kind = OpKind::kMatmul;
  double flops = 0.0;          // per device, whole step
  double bytes_read = 0.0;     // per device, whole step, from device memory
  double bytes_written = 0.0;  // per device, whole step
  double launches = 0.0;       // kernels (or collectives) launched per step, per device
  double message_bytes = 0.0;  // kComm: bytes of one collective's message
  int participants = 1;        // kComm: devices in the collective
  CommPattern pattern = CommPattern::kNone;  // kComm: which collective
  // Done once per optimizer step, outside the pipeline schedule (optimizer update, data-parallel
  // gradient all-reduce); every other op is per micro-batch.
  bool once_per_step = false;
};

// Per-device operator costs of one step. Training steps include backward (2x forward matmul
// FLOPs, Kaplan et al. 2020; Hoffmann et al. 2022 App. F), recomputation and the optimizer.
std::vector<OpCost> CountOps(const ModelSpec& model, const Workload& workload, const Step& step);

struct StepTotals {
  double flops = 0.0;
  double bytes = 0.0;  // read + written
  double comm_bytes = 0.0;
};
StepTotals Sum(const std::vector<OpCost>& ops);

// Forward FLOPs of one token at a given context (whole model, one device, no parallelism):
// 2 x active matmul params + 4 x q_dim x attended tokens per full / sliding layer (QK^T and AV)
// + 7 x value_heads x key_head_dim x value_head_dim per linear-attention layer (the gated delta
// rule on a constant-size state: independent of the context).
double ForwardFlopsPerToken(const ModelSpec& model, int64_t context_tokens);
// Forward FLOPs of `new_tokens` consecutive tokens after `past_tokens` (contexts past + 1 ..
// past + new): the sum of ForwardFlopsPerToken over them, in closed form (constant time whatever
// the count).
double ForwardFlopsOfTokens(const ModelSpec& model, int64_t past_tokens, int64_t new_tokens);
// Sum over a prompt of attended tokens, causal, per layer kind: sum_{i=1..P} min(i, window).
double CausalAttendedTokens(const ModelSpec& model, AttentionKind kind, int64_t past_tokens,
                            int64_t new_tokens);
// Expected number of distinct experts a MoE layer reads for `tokens` routed tokens, uniform
// routing: E x (1 - (1 - k/E)^tokens).
double ExpectedDistinctExperts(const ModelSpec& model, double tokens);
// LoRA adapter parameters at rank r on every linear map of every block (q, k, v, o and the MLP
// or each routed expert's matrices).
double LoraAdapterParams(const ModelSpec& model, int64_t rank);

}  // namespace rightsize
