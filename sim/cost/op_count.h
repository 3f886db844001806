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
  // All-gather / reduce-scatter of a message (each device ends with, or contributes to, the
  // whole message): ring cost (n-1)/n x bytes, as all-to-all.
  kAllGather,
  kReduceScatter,
  kSendRecv,  // point-to-point (pipeline stage boundary)
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

// One step described by aggregates over the sequences it carries, so a mixed batch (prefill
// chunks and decode tokens, each sequence at its own context) is priced without an op list per
// sequence. Sums run over the sequences of the step on this device's replica (one data-parallel
// rank); every count is >= 0.
struct BatchAggregates {
  Phase phase = Phase::kPrefill;  // kTrainStep selects the training multipliers
  double sequences = 0.0;         // sequences in the step: host work, linear-attention state reads
  double tokens = 0.0;            // new (query) tokens processed, summed over sequences
  double logit_tokens = 0.0;  // positions whose logits are computed (inference: one per sequence;
                              // speculative verification: k + 1 per sequence; training: tokens)
  // Attended (query, key) pairs: sum over sequences of CausalAttendedTokens(past, new), the
  // sliding-window layers capped at the window.
  double attended_pairs_full = 0.0;
  double attended_pairs_sliding = 0.0;
  // KV-cache tokens read per layer: sum over sequences of the context after the step
  // (AttendedTokens(kind, past + new)), window-capped for sliding layers.
  double kv_tokens_full = 0.0;
  double kv_tokens_sliding = 0.0;
  // Tokens entering the MoE layers across the expert-parallel group: `tokens` when the group is
  // this replica, the sum over the group's ranks when attention is data-parallel (each rank
  // holds its own sequences) and the experts are shared over expert parallelism.
  double moe_tokens = 0.0;
  // How the expert-parallel group exchanges tokens: false, an all-to-all of each token's k
  // routed copies (dispatch and combine); true, an all-gather of the group's hidden states and a
  // reduce-scatter of the expert outputs (vLLM's allgather_reducescatter all2all backend, its
  // default for data-parallel attention).
  bool moe_allgather = false;
};

// The aggregates of a uniform step (`batch` sequences, each adding `new_tokens` after
// `past_tokens`): the special case every phase-level estimate uses.
BatchAggregates AggregatesOf(const ModelSpec& model, const Step& step);
// Adds one sequence that processes `new_tokens` after `past_tokens` cached tokens, with
// `logit_tokens` sampled positions (no MoE tokens: the caller adds those for its group).
void AddSequence(const ModelSpec& model, int64_t past_tokens, int64_t new_tokens,
                 double logit_tokens, BatchAggregates* batch);

// Per-device operator costs of one step. Training steps include backward (2x forward matmul
// FLOPs, Kaplan et al. 2020; Hoffmann et al. 2022 App. F), recomputation and the optimizer.
std::vector<OpCost> CountOps(const ModelSpec& model, const Workload& workload, const Step& step);
// The same for a step given by its aggregates (CountOps(m, w, step) is this of AggregatesOf).
// The second form refills *ops, so a simulator can reuse one vector across steps.
std::vector<OpCost> CountOps(const ModelSpec& model, const Workload& workload,
                             const BatchAggregates& batch);
void CountOps(const ModelSpec& model, const Workload& workload, const BatchAggregates& batch,
              std::vector<OpCost>* ops);

// The attention core of a step's softmax-attention layers (CountOps's "attention" op) with
// everything but the step's aggregates resolved once, so that the op can be rebuilt for many
// steps of one model, workload and phase (decode steps at many contexts: sim/cost/step_table.h).
// CountOps builds its attention op with Op(), so the two cannot differ.
struct AttentionCoreTerms {
  double attention_layers = 0.0;  // softmax-attention layers on this stage (full + sliding)
  double full_layers = 0.0;       // full-attention layers on this stage (fractional share)
  double sliding_layers = 0.0;    // sliding-window layers on this stage (fractional share)
  double pair_flops_dev = 0.0;    // FLOPs per attended (query, key) pair per layer, this rank
  double kv_values_dev = 0.0;     // KV-cache values per token per layer on this rank
  double kv_bytes_per_value = 0.0;
  double q_dev = 0.0;  // query width on this rank
  double activation_bytes_per_value = 0.0;
  double pass_attention = 1.0;  // training multiplier of the attention core (1 for inference)
  double pass_other = 1.0;      // training multiplier of activation traffic (1 for inference)
  // The op for a step with these aggregates (flops, bytes and launches for the whole step).
  OpCost Op(const BatchAggregates& step) const;
};
AttentionCoreTerms AttentionCoreTermsOf(const ModelSpec& model, const Workload& workload,
                                        Phase phase);

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
