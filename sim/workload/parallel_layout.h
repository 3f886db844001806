// Which parallel layouts a model can be split into: the rules serving and training engines
// enforce when they shard a model over devices. One home for them; predict, plan, crossover and
// sweep all price a layout only when ParallelLayoutError is empty (via InfeasibleReason in
// sim/cost/latency.h).
//
// Tensor parallelism (Megatron-LM, Shoeybi et al. 2019, Sec. 3) gives each rank whole attention
// heads, so tp must divide the query heads (and the linear-attention heads). K/V heads: tp must
// divide them too, except that with fewer K/V heads than ranks and tp a multiple of their
// number, each K/V head is replicated on tp / kv_heads ranks (vLLM's QKVParallelLinear,
// Megatron-LM's GQA handling); rightsize then prices the replication explicitly: each rank stores
// one K/V head's cache and projection weights (memory.h, op_count.h). Expert parallelism gives each
// rank whole experts, so ep must divide the routed experts; the attention of the expert-parallel
// group is data-parallel, as engines run it (vLLM --enable-expert-parallel with data-parallel
// attention, SGLang --enable-dp-attention, DeepSeek-V3 report Sec. 3.4): each of the ep ranks holds
// the attention weights and serves its own share of the sequences, so its KV cache is ~1/ep of the
// group's, and the routed tokens cross the group in an all-to-all. Pipeline parallelism needs at
// least one layer per stage.
#pragma once

#include <string>

#include "sim/spec/model_spec.h"
#include "sim/workload/workload.h"

namespace rightsize {

// "" when `model` can be split as `parallel` says; else the rule that fails, e.g. "tp=3 does not
// divide the model's 32 attention heads".
std::string ParallelLayoutError(const ModelSpec& model, const Parallelism& parallel);

// K/V heads one tensor-parallel rank holds in a valid layout: kv_heads / tp, or 1 when the heads
// are replicated (fewer K/V heads than ranks).
int64_t KvHeadsPerRank(const ModelSpec& model, int tensor_parallel);
// Whether tensor parallelism at this degree replicates K/V heads (kv_heads < tp).
bool ReplicatesKvHeads(const ModelSpec& model, int tensor_parallel);

// Sequences whose attention (and KV cache) one rank of the expert-parallel group holds when the
// group carries `batch` sequences: ceil(batch / ep), >= 1 for batch >= 1.
int64_t SequencesPerAttentionRank(int64_t batch, const Parallelism& parallel);

}  // namespace rightsize
