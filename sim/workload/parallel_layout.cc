#include "sim/workload/parallel_layout.h"

#include <algorithm>

#include <fmt/format.h>

namespace rightsize {

std::string ParallelLayoutError(const ModelSpec& m, const Parallelism& p) {
  if (p.pipeline > m.num_layers) {
    return fmt::format("pp={} exceeds the model's {} layers (each pipeline stage needs one)",
                       p.pipeline, m.num_layers);
  }
  const int64_t tp = p.tensor;
  if (m.num_heads % tp != 0) {
    return fmt::format(
        "tp={} does not divide the model's {} attention heads (each rank holds whole heads)", tp,
        m.num_heads);
  }
  if (m.num_kv_heads % tp != 0 && !(m.num_kv_heads < tp && tp % m.num_kv_heads == 0)) {
    return fmt::format(
        "tp={} does not divide the model's {} K/V heads (engines replicate K/V heads only when tp "
        "is a multiple of their number)",
        tp, m.num_kv_heads);
  }
  if (m.linear_attention) {
    const LinearAttentionSpec& la = *m.linear_attention;
    if (la.num_key_heads % tp != 0 || la.num_value_heads % tp != 0) {
      return fmt::format(
          "tp={} does not divide the model's {} key / {} value linear-attention heads", tp,
          la.num_key_heads, la.num_value_heads);
    }
  }
  if (p.expert > 1) {
    if (!m.moe) return fmt::format("ep={} needs a mixture-of-experts model", p.expert);
    if (m.moe->num_experts % p.expert != 0) {
      return fmt::format(
          "ep={} does not divide the model's {} experts (each rank holds whole experts)", p.expert,
          m.moe->num_experts);
    }
  }
  return "";
}

int64_t KvHeadsPerRank(const ModelSpec& m, int tensor_parallel) {
  return std::max<int64_t>(1, m.num_kv_heads / tensor_parallel);
}

bool ReplicatesKvHeads(const ModelSpec& m, int tensor_parallel) {
  return m.num_kv_heads < tensor_parallel;
}

int64_t SequencesPerAttentionRank(int64_t batch, const Parallelism& parallel) {
  const int64_t ep = parallel.expert;
  return (batch + ep - 1) / ep;
}

}  // namespace rightsize
