// FLOPs per token: 2 x active matmul params + attention (Kaplan 2020; Chinchilla App. F).
#include <catch2/catch.hpp>

#include "sim/cost/op_count.h"
#include "sim/spec/catalog.h"
#include "tests/catalog_lookup.h"

using namespace rightsize;

TEST_CASE("forward FLOPs per token at short context are about 2N") {
  const ModelSpec& m = Model("llama-2-7b");
  const double n = static_cast<double>(CountParams(m).Total() - CountParams(m).embedding);
  CHECK(ForwardFlopsPerToken(m, 1) == Approx(2 * n).epsilon(0.001));
  // Attention adds 4 x layers x context x q per token.
  CHECK(ForwardFlopsPerToken(m, 4097) - ForwardFlopsPerToken(m, 1) ==
        Approx(4.0 * 32 * 4096 * 4096));
}

TEST_CASE("a MoE token costs its active parameters, not its total") {
  const ModelSpec& m = Model("mixtral-8x7b");
  const ParamCounts counts = CountParams(m);
  CHECK(ForwardFlopsPerToken(m, 1) < 0.3 * 2.0 * counts.Total());
  CHECK(ForwardFlopsPerToken(m, 1) == Approx(2.0 * counts.ActiveMatmul()).epsilon(1e-3));
}

TEST_CASE("the op list of a prefill step adds up to the per-token FLOPs") {
  // A dense model and a hybrid one (Gated DeltaNet linear attention + softmax layers).
  for (const char* id : {"llama-3-8b", "qwen3.5-9b"}) {
    INFO(id);
    const ModelSpec& m = Model(id);
    Workload w;
    w.batch = 2;
    w.prompt_tokens = 1;
    const StepTotals totals = Sum(CountOps(m, w, PrefillStep(w)));
    CHECK(totals.flops == Approx(2 * ForwardFlopsPerToken(m, 1)).epsilon(0.002));
  }
}

TEST_CASE("training costs 3x forward (+1 forward with full recompute), LoRA about 2x") {
  const ModelSpec& m = Model("llama-3-8b");
  Workload w;
  w.prompt_tokens = 2048;
  w.recompute = Recompute::kNone;
  const double forward = Sum(CountOps(m, w, PrefillStep(w))).flops -
                         2.0 * m.d_model * m.vocab_size;  // prefill computes logits for 1 token
  w.mode = Mode::kTraining;
  const double train = Sum(CountOps(m, w, TrainStep(w))).flops;
  const double forward_logits = forward + 2.0 * m.d_model * m.vocab_size * 2048;
  CHECK(train == Approx(3.0 * forward_logits).epsilon(0.01));
  w.recompute = Recompute::kFull;
  CHECK(Sum(CountOps(m, w, TrainStep(w))).flops == Approx(4.0 * forward_logits).epsilon(0.01));
  w.mode = Mode::kFinetuneLora;
  w.recompute = Recompute::kNone;
  const double lora = Sum(CountOps(m, w, TrainStep(w))).flops;
  CHECK(lora < 0.8 * train);
  CHECK(lora > 0.6 * train);
}

TEST_CASE("sliding-window attention FLOPs stop growing past the window") {
  const ModelSpec& m = Model("mistral-7b-v0.1");
  const int64_t w = m.sliding_window_tokens;
  CHECK(ForwardFlopsPerToken(m, 2 * w) == ForwardFlopsPerToken(m, 3 * w));
  CHECK(CausalAttendedTokens(m, AttentionKind::kFull, 0, 4) == 10.0);  // 1+2+3+4
  CHECK(CausalAttendedTokens(m, AttentionKind::kSlidingWindow, w, 2) == 2.0 * w);
}

TEST_CASE("expected distinct experts: k at one token, nearly all at large batch") {
  const ModelSpec& m = Model("mixtral-8x7b");
  CHECK(ExpectedDistinctExperts(m, 1) == Approx(2.0));
  CHECK(ExpectedDistinctExperts(m, 256) == Approx(8.0).epsilon(1e-6));
}

namespace {
double OpFlops(const std::vector<OpCost>& ops, const std::string& name) {
  for (const auto& op : ops) {
    if (name == op.name) return op.flops;
  }
  return -1.0;
}
}  // namespace

TEST_CASE(
    "decode FLOPs of Gated DeltaNet layers do not grow with context, those of full layers do") {
  const ModelSpec& m = Model("qwen3.5-9b");
  const int64_t full = m.NumLayersOfKind(AttentionKind::kFull);
  REQUIRE(m.NumLayersOfKind(AttentionKind::kLinear) > 0);
  // Per token: only the full-attention layers add 4 x q x context.
  CHECK(ForwardFlopsPerToken(m, 100001) - ForwardFlopsPerToken(m, 1) ==
        Approx(4.0 * m.QueryDim() * full * 100000.0));
  Workload w;
  w.batch = 8;
  w.prompt_tokens = 1000;
  w.gen_tokens = 200000;
  const auto early = CountOps(m, w, DecodeStep(w, 1000));
  const auto late = CountOps(m, w, DecodeStep(w, 150000));
  const double linear_early = OpFlops(early, "linear_attention");
  REQUIRE(linear_early > 0.0);
  CHECK(OpFlops(late, "linear_attention") == linear_early);
  CHECK(OpFlops(late, "attention") > 100.0 * OpFlops(early, "attention"));
  // The linear layers' projections replace, not add to, the q/k/v/o projections.
  CHECK(OpFlops(early, "linear_in_proj") > 0.0);
  CHECK(OpFlops(early, "qkv_proj") ==
        Approx(2.0 * w.batch * m.d_model * (2.0 * m.QueryDim() + 2.0 * m.KvDim()) * full));
}

TEST_CASE("forward FLOPs of many tokens in closed form equal the per-token sum") {
  // Full attention, sliding windows (the sum crosses the window) and a hybrid linear-attention
  // model; the closed form is what keeps `predict --gen-tokens` constant-time.
  for (const char* id : {"llama-3-8b", "gemma-2-9b", "qwen3.5-9b"}) {
    INFO(id);
    const ModelSpec& m = Model(id);
    const int64_t past = 3000, count = 3000;
    double sum = 0.0;
    for (int64_t t = 1; t <= count; ++t) sum += ForwardFlopsPerToken(m, past + t);
    CHECK(ForwardFlopsOfTokens(m, past, count) == Approx(sum).epsilon(1e-12));
    CHECK(ForwardFlopsOfTokens(m, past, 0) == 0.0);
  }
}

TEST_CASE(
    "under expert parallelism each rank attends for its own sequences and dispatches their "
    "tokens") {
  const ModelSpec& m = Catalog::Default().Model("mixtral-8x7b");
  Workload w;
  w.batch = 64;
  const Step decode = DecodeStep(w, 1024);
  auto find = [](const std::vector<OpCost>& ops, const std::string& name) {
    for (const OpCost& op : ops) {
      if (name == op.name) return op;
    }
    return OpCost{};
  };
  const std::vector<OpCost> one = CountOps(m, w, decode);
  w.parallel.expert = 2;
  const std::vector<OpCost> two = CountOps(m, w, decode);
  CHECK(find(two, "attention").bytes_read == Approx(find(one, "attention").bytes_read / 2.0));
  CHECK(find(two, "attention").flops == Approx(find(one, "attention").flops / 2.0));
  // The experts still see all 64 tokens of the group, half of their routed copies on each rank.
  CHECK(find(two, "experts").flops == Approx(find(one, "experts").flops / 2.0));
  // All-to-all: each rank sends its 32 tokens x top-2 copies of d_model activations (bf16),
  // twice per layer (dispatch, combine).
  const OpCost a2a = find(two, "ep_alltoall");
  CHECK(a2a.message_bytes == Approx(32.0 * 2 * m.d_model * 2));
  CHECK(a2a.launches == Approx(2.0 * m.num_layers));
}
