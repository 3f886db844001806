// Parallel layouts a model cannot be split into are refused with the rule that fails, by
// ParallelLayoutError and everything that prices through InfeasibleReason; K/V-head replication
// (fewer K/V heads than TP ranks) is allowed and its memory priced.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "sim/cost/latency.h"
#include "sim/cost/memory.h"
#include "sim/spec/catalog.h"
#include "sim/workload/parallel_layout.h"
#include "tests/catalog_lookup.h"

using namespace rightsize;
using Catch::Matchers::Contains;

namespace {

Parallelism Tp(int tp) {
  Parallelism p;
  p.tensor = tp;
  return p;
}
}  // namespace

TEST_CASE("tp must divide the attention heads and the K/V heads") {
  const ModelSpec& m = Model("llama-3-8b");  // 32 heads, 8 K/V heads (its spec file)
  REQUIRE(m.num_heads % 3 != 0);
  CHECK_THAT(
      ParallelLayoutError(m, Tp(3)),
      Contains(fmt::format("tp=3 does not divide the model's {} attention heads", m.num_heads)));
  CHECK(ParallelLayoutError(m, Tp(m.num_kv_heads)).empty());
  // tp above the K/V heads and a multiple of them: each K/V head is replicated, as engines do.
  CHECK(ParallelLayoutError(m, Tp(2 * static_cast<int>(m.num_kv_heads))).empty());
  CHECK_THAT(ParallelLayoutError(m, Tp(static_cast<int>(2 * m.num_heads))),
             Contains("attention heads"));

  // A model whose query heads divide but K/V heads do not: Qwen2.5-7B has 28 heads, 4 K/V heads.
  const ModelSpec& q = Model("qwen2.5-7b");
  REQUIRE(q.num_heads % 14 == 0);
  REQUIRE(q.num_kv_heads < 14);
  REQUIRE(14 % q.num_kv_heads != 0);
  CHECK_THAT(ParallelLayoutError(q, Tp(14)), Contains(fmt::format("{} K/V heads", q.num_kv_heads)));
}

TEST_CASE("ep must divide the routed experts, and needs a mixture-of-experts model") {
  const ModelSpec& moe = Model("mixtral-8x7b");
  REQUIRE(moe.moe);
  Parallelism p;
  p.expert = 3;
  CHECK_THAT(
      ParallelLayoutError(moe, p),
      Contains(fmt::format("ep=3 does not divide the model's {} experts", moe.moe->num_experts)));
  p.expert = 2;
  CHECK(ParallelLayoutError(moe, p).empty());
  CHECK_THAT(ParallelLayoutError(Model("llama-3-8b"), p),
             Contains("needs a mixture-of-experts model"));
  Parallelism deep;
  deep.pipeline = static_cast<int>(Model("llama-3-8b").num_layers) + 1;
  CHECK_THAT(ParallelLayoutError(Model("llama-3-8b"), deep), Contains("exceeds the model's"));
}

TEST_CASE("an impossible layout is infeasible with its rule, never priced") {
  Workload w;
  w.parallel.tensor = 3;
  const LatencyEstimate e = EstimateLatency(Model("llama-3-8b"), Hw("h100-sxm5-80gb"), w);
  CHECK_FALSE(e.feasible);
  CHECK_THAT(e.reason, Contains("does not divide"));
  CHECK(e.tpot_s == 0.0);
}

TEST_CASE("replicated K/V heads: each rank stores a whole head's cache and projections") {
  const ModelSpec& m = Model("llama-3-8b");
  const int tp = 2 * static_cast<int>(m.num_kv_heads);
  Workload at_kv, replicated;
  at_kv.parallel.tensor = static_cast<int>(m.num_kv_heads);
  replicated.parallel.tensor = tp;
  CHECK(ReplicatesKvHeads(m, tp));
  CHECK(KvHeadsPerRank(m, tp) == 1);
  // The cache per device stops shrinking once every rank holds a single head.
  CHECK(EstimateMemoryPerDevice(m, replicated).kv_cache_bytes ==
        Approx(EstimateMemoryPerDevice(m, at_kv).kv_cache_bytes));
  // Weights: the plain 1/tp share plus the K and V projections of the replica each rank holds in
  // full: layers x 2 x d_model x head_dim x (1 - kv_heads / tp).
  const double plain =
      static_cast<double>(CountParams(m).Total()) / tp * BytesPerValue(replicated.weights);
  const double replica = static_cast<double>(m.num_layers) * 2.0 * m.d_model * m.head_dim *
                         (1.0 - static_cast<double>(m.num_kv_heads) / tp) *
                         BytesPerValue(replicated.weights);
  CHECK(EstimateMemoryPerDevice(m, replicated).weights_bytes == Approx(plain + replica));
}
