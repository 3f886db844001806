// The physics of the cost model against values worked out by hand in this file from the published
// formulas: the roofline with its three efficiencies, the alpha-beta collectives, the training
// pass factors, Adam and ZeRO state bytes, the KV cache read by decode attention, mixture-of-
// experts routing and the sliding-window cap. Each expected value is written from the formula
// with the model's published shape as literals, never taken from the code under test.
#include <catch2/catch.hpp>

#include <cmath>

#include "sim/cost/latency.h"
#include "sim/cost/memory.h"
#include "sim/spec/catalog.h"

using namespace rightsize;

namespace {

// Meta-Llama-3-8B config.json (models/architectures/llama-3-8b.yaml): 32 layers, d_model 4096,
// 32 query heads and 8 KV heads of 128, SwiGLU MLP 14336, vocabulary 128256, untied embeddings;
// 8,030,261,248 parameters (the published count).
constexpr double kLayers = 32, kHidden = 4096, kQueryDim = 32 * 128, kKvDim = 8 * 128;
constexpr double kMlp = 14336, kVocab = 128256, kParams = 8030261248.0;

const ModelSpec& Llama3() {
  const ModelSpec& m = Catalog::Default().Model("llama-3-8b");
  REQUIRE(m.num_layers == kLayers);
  REQUIRE(m.d_model == kHidden);
  REQUIRE(m.QueryDim() == kQueryDim);
  REQUIRE(m.KvDim() == kKvDim);
  REQUIRE(m.d_ff == kMlp);
  REQUIRE(m.vocab_size == kVocab);
  REQUIRE(static_cast<double>(CountParams(m).Total()) == kParams);
  return m;
}

// A copy: callers pass CountOps' result, a temporary that ends with the full expression.
OpCost Op(const std::vector<OpCost>& ops, const std::string& name) {
  for (const auto& op : ops) {
    if (name == op.name) return op;
  }
  FAIL("no op " << name);
  return ops.front();
}

// A made-up device and parameter set with round numbers, every efficiency different so that a
// swapped efficiency changes the answer.
DeviceRates Rates() {
  DeviceRates r;
  r.matmul_peak_flops_per_s = 100e12;
  r.attention_peak_flops_per_s = 50e12;
  r.memory_bandwidth_bytes_per_s = 1e12;
  r.link_bandwidth_bytes_per_s = 100e9;
  return r;
}
EfficiencyParams Params() {
  using P = EfficiencyParams;
  EfficiencyParams p;
  p[P::kComputeEfficiency] = 0.5;
  p[P::kAttentionEfficiency] = 0.4;
  p[P::kMemoryEfficiency] = 0.25;
  p[P::kKernelOverhead_s] = 5e-6;
  p[P::kStepOverhead_s] = 1e-3;
  p[P::kLinkEfficiency] = 0.8;
  p[P::kLinkLatency_s] = 2e-6;
  p[P::kRooflineSharpness] = 4.0;
  p[P::kSequenceOverhead_s] = 3e-6;
  return p;
}

}  // namespace

TEST_CASE(
    "roofline: compute time at the compute or attention efficiency, memory at the memory one") {
  const DeviceRates r = Rates();
  const EfficiencyParams p = Params();
  OpCost gemm{"gemm", OpKind::kMatmul};
  gemm.flops = 1e12;
  // 1e12 FLOP / (100e12 FLOP/s x 0.5) = 0.02 s.
  CHECK(PredictOpTime_s(gemm, r, p.data()) == Approx(0.02).epsilon(1e-12));
  OpCost attention{"attention", OpKind::kAttention};
  attention.flops = 1e12;
  // 1e12 / (50e12 x 0.4) = 0.05 s.
  CHECK(PredictOpTime_s(attention, r, p.data()) == Approx(0.05).epsilon(1e-12));
  OpCost stream{"norms", OpKind::kElementwise};
  stream.bytes_read = 6e8;
  stream.bytes_written = 4e8;
  // 1e9 bytes / (1e12 B/s x 0.25) = 0.004 s.
  CHECK(PredictOpTime_s(stream, r, p.data()) == Approx(0.004).epsilon(1e-12));
  // Both: the p-norm of 0.02 s compute and 1e10 / (1e12 x 0.25) = 0.04 s memory, p = 4, plus
  // 3 launches x 5 us.
  OpCost both{"mlp", OpKind::kMatmul};
  both.flops = 1e12;
  both.bytes_read = 1e10;
  both.launches = 3;
  CHECK(PredictOpTime_s(both, r, p.data()) ==
        Approx(std::pow(std::pow(0.02, 4) + std::pow(0.04, 4), 0.25) + 3 * 5e-6).epsilon(1e-12));
  // Host work: 16 sequences x 3 us.
  OpCost host{"host_per_sequence", OpKind::kHost};
  host.launches = 16;
  CHECK(PredictOpTime_s(host, r, p.data()) == Approx(48e-6).epsilon(1e-12));
}

TEST_CASE("alpha-beta collectives: ring all-reduce moves 2(n-1)/n, all-to-all (n-1)/n, send 1") {
  const DeviceRates r = Rates();
  const EfficiencyParams p = Params();
  OpCost op{"collective", OpKind::kComm};
  op.message_bytes = 1e8;
  op.launches = 2;
  op.participants = 4;
  op.pattern = CommPattern::kAllReduce;
  // 2 x (2 us + 2 x 3/4 x 1e8 B / (100e9 B/s x 0.8)) = 2 x (2e-6 + 1.875e-3).
  CHECK(PredictOpTime_s(op, r, p.data()) == Approx(2 * (2e-6 + 1.875e-3)).epsilon(1e-12));
  op.pattern = CommPattern::kAllToAll;
  // 2 x (2e-6 + 3/4 x 1e8 / 8e10).
  CHECK(PredictOpTime_s(op, r, p.data()) == Approx(2 * (2e-6 + 0.9375e-3)).epsilon(1e-12));
  op.pattern = CommPattern::kSendRecv;
  op.participants = 2;
  CHECK(PredictOpTime_s(op, r, p.data()) == Approx(2 * (2e-6 + 1.25e-3)).epsilon(1e-12));
  // Two devices: the all-reduce moves 2 x 1/2 = 1 message.
  op.pattern = CommPattern::kAllReduce;
  CHECK(PredictOpTime_s(op, r, p.data()) == Approx(2 * (2e-6 + 1.25e-3)).epsilon(1e-12));
}

TEST_CASE("the link's own latency is paid once per ring step: 2(n-1) for an all-reduce") {
  DeviceRates r = Rates();
  r.link_latency_s = 1e-6;
  const EfficiencyParams p = Params();
  OpCost op{"collective", OpKind::kComm};
  op.message_bytes = 1e8;
  op.launches = 1;
  op.participants = 4;
  op.pattern = CommPattern::kAllReduce;
  // 2 us base + 6 steps x 1 us + 2 x 3/4 x 1e8 / 8e10.
  CHECK(PredictOpTime_s(op, r, p.data()) == Approx(2e-6 + 6e-6 + 1.875e-3).epsilon(1e-12));
  op.pattern = CommPattern::kAllGather;  // 3 steps
  CHECK(PredictOpTime_s(op, r, p.data()) == Approx(2e-6 + 3e-6 + 0.9375e-3).epsilon(1e-12));
  op.pattern = CommPattern::kSendRecv;  // 1 step
  op.participants = 2;
  CHECK(PredictOpTime_s(op, r, p.data()) == Approx(2e-6 + 1e-6 + 1.25e-3).epsilon(1e-12));
}

TEST_CASE("a step: inference runs the stages in turn, training stretches by 1 + (p-1)/m") {
  const EfficiencyParams p = Params();
  OpCost gemm{"gemm", OpKind::kMatmul};
  gemm.flops = 1e12;  // 0.02 s (above)
  OpCost update{"optimizer", OpKind::kOptimizer};
  update.bytes_read = 1e9;  // 0.004 s
  update.once_per_step = true;
  DeviceRates r = Rates();
  r.pipeline = 4;
  // Inference: 4 stages x 0.02 s + 0.004 s once + 1 ms step overhead.
  CHECK(PredictStepTime_s({gemm, update}, r, p.data()) ==
        Approx(4 * 0.02 + 0.004 + 1e-3).epsilon(1e-12));
  r.training = true;
  r.microbatches = 8;
  // Training: (1 + 3/8) x 0.02 s + 0.004 s + 1 ms.
  CHECK(PredictStepTime_s({gemm, update}, r, p.data()) ==
        Approx(1.375 * 0.02 + 0.004 + 1e-3).epsilon(1e-12));
}

TEST_CASE("training matmuls cost 3x forward, 4x with full recompute, 2x for LoRA") {
  const ModelSpec& m = Llama3();
  Workload w;
  w.batch = 1;
  w.prompt_tokens = 2048;
  w.recompute = Recompute::kNone;
  const double tokens = 2048;
  // Forward FLOPs of each matmul: 2 x tokens x in x out x layers (Kaplan et al. 2020, Sec. 2.1).
  const double mlp_forward = 2 * tokens * kHidden * (3 * kMlp) * kLayers;
  const double qkv_forward = 2 * tokens * kHidden * (kQueryDim + 2 * kKvDim) * kLayers;
  const double lm_head_forward = 2 * tokens * kHidden * kVocab;
  // Attention core: QK^T and AV, 4 x q_dim FLOPs per attended (query, key) pair, causal:
  // sum_{i=1..2048} i = 2048 x 2049 / 2 pairs per layer.
  const double attention_forward = 4 * kQueryDim * (2048.0 * 2049.0 / 2) * kLayers;

  const auto prefill = CountOps(m, w, PrefillStep(w));
  CHECK(Op(prefill, "mlp").flops == Approx(mlp_forward).epsilon(1e-12));
  CHECK(Op(prefill, "qkv_proj").flops == Approx(qkv_forward).epsilon(1e-12));
  CHECK(Op(prefill, "attention").flops == Approx(attention_forward).epsilon(1e-12));
  CHECK(Op(prefill, "lm_head").flops ==
        Approx(2 * 1 * kHidden * kVocab).epsilon(1e-12));  // last token only

  w.mode = Mode::kTraining;
  const auto train = CountOps(m, w, TrainStep(w));
  CHECK(Op(train, "mlp").flops == Approx(3 * mlp_forward).epsilon(1e-12));
  CHECK(Op(train, "qkv_proj").flops == Approx(3 * qkv_forward).epsilon(1e-12));
  CHECK(Op(train, "lm_head").flops == Approx(3 * lm_head_forward).epsilon(1e-12));
  CHECK(Op(train, "attention").flops == Approx(3 * attention_forward).epsilon(1e-12));

  // Full recompute runs every forward again: 4x; selective recomputes only the attention core.
  w.recompute = Recompute::kFull;
  const auto full = CountOps(m, w, TrainStep(w));
  CHECK(Op(full, "mlp").flops == Approx(4 * mlp_forward).epsilon(1e-12));
  CHECK(Op(full, "attention").flops == Approx(4 * attention_forward).epsilon(1e-12));
  w.recompute = Recompute::kSelective;
  const auto selective = CountOps(m, w, TrainStep(w));
  CHECK(Op(selective, "mlp").flops == Approx(3 * mlp_forward).epsilon(1e-12));
  CHECK(Op(selective, "attention").flops == Approx(4 * attention_forward).epsilon(1e-12));

  // LoRA: the frozen base needs input gradients only, forward + 1x backward.
  w.mode = Mode::kFinetuneLora;
  w.recompute = Recompute::kNone;
  const auto lora = CountOps(m, w, TrainStep(w));
  CHECK(Op(lora, "mlp").flops == Approx(2 * mlp_forward).epsilon(1e-12));
}

TEST_CASE("mixed-precision Adam: 12 bytes of state per parameter (fp32 master, m, v)") {
  const ModelSpec& m = Llama3();
  Workload w;
  w.mode = Mode::kTraining;
  w.batch = 1;
  w.prompt_tokens = 2048;
  const MemoryBreakdown mem = EstimateMemoryPerDevice(m, w);
  // Rajbhandari et al. 2020, Sec. 3: 2 (bf16 weights) + 2 (bf16 gradients) + 4 + 4 + 4 bytes.
  CHECK(mem.weights_bytes == Approx(2 * kParams).epsilon(1e-12));
  CHECK(mem.gradient_bytes == Approx(2 * kParams).epsilon(1e-12));
  CHECK(mem.optimizer_bytes == Approx((4 + 4 + 4) * kParams).epsilon(1e-12));
  // The update reads and writes master, m, v (fp32) and the bf16 weight copy once per step.
  const OpCost update = Op(CountOps(m, w, TrainStep(w)), "optimizer");
  CHECK(update.once_per_step);
  CHECK(update.bytes_read == Approx((4 + 4 + 4 + 2) * kParams).epsilon(1e-12));
  CHECK(update.bytes_written == Approx((4 + 4 + 4 + 2) * kParams).epsilon(1e-12));
}

TEST_CASE("ZeRO stage s shards the first s of optimizer state, gradients, weights") {
  const ModelSpec& m = Llama3();
  Workload w;
  w.mode = Mode::kTraining;
  w.batch = 1;
  w.prompt_tokens = 2048;
  w.parallel.data = 8;
  struct Expected {
    int stage;
    double weights, gradients, optimizer;
  };
  // Rajbhandari et al. 2020, Fig. 1: P_os, P_os+g, P_os+g+p.
  const Expected table[] = {{0, 2 * kParams, 2 * kParams, 12 * kParams},
                            {1, 2 * kParams, 2 * kParams, 12 * kParams / 8},
                            {2, 2 * kParams, 2 * kParams / 8, 12 * kParams / 8},
                            {3, 2 * kParams / 8, 2 * kParams / 8, 12 * kParams / 8}};
  for (const Expected& e : table) {
    INFO("ZeRO stage " << e.stage);
    w.zero_stage = e.stage;
    const MemoryBreakdown mem = EstimateMemoryPerDevice(m, w);
    CHECK(mem.weights_bytes == Approx(e.weights).epsilon(1e-12));
    CHECK(mem.gradient_bytes == Approx(e.gradients).epsilon(1e-12));
    CHECK(mem.optimizer_bytes == Approx(e.optimizer).epsilon(1e-12));
  }
  // Each rank updates only the optimizer state it owns from stage 1 on.
  w.zero_stage = 1;
  CHECK(Op(CountOps(m, w, TrainStep(w)), "optimizer").bytes_read ==
        Approx(14 * kParams / 8).epsilon(1e-12));
}

TEST_CASE("data-parallel training all-reduces the bf16 gradients once per step") {
  const ModelSpec& m = Llama3();
  Workload w;
  w.mode = Mode::kTraining;
  w.batch = 1;
  w.prompt_tokens = 2048;
  w.parallel.data = 4;
  const OpCost ar = Op(CountOps(m, w, TrainStep(w)), "dp_allreduce");
  CHECK(ar.pattern == CommPattern::kAllReduce);
  CHECK(ar.participants == 4);
  CHECK(ar.once_per_step);
  CHECK(ar.launches == 1);
  CHECK(ar.message_bytes == Approx(2 * kParams).epsilon(1e-12));
}

TEST_CASE("decode attention reads both K and V of every cached token, at the KV precision") {
  const ModelSpec& m = Llama3();
  Workload w;
  w.batch = 4;
  w.prompt_tokens = 1023;
  const double batch = 4, cached = 1024;  // the new token's K and V join the 1023 cached ones
  // Per layer: K and V (2) x kv_dim values per cached token; q in and out at the activation
  // precision (2 bytes).
  auto expected_read = [&](double kv_bytes) {
    return (batch * cached * 2 * kKvDim * kv_bytes + batch * kQueryDim * 2) * kLayers;
  };
  auto expected_written = [&](double kv_bytes) {
    return (batch * 2 * kKvDim * kv_bytes + batch * kQueryDim * 2) * kLayers;
  };
  const OpCost bf16 = Op(CountOps(m, w, DecodeStep(w, 1023)), "attention");
  CHECK(bf16.bytes_read == Approx(expected_read(2)).epsilon(1e-12));
  CHECK(bf16.bytes_written == Approx(expected_written(2)).epsilon(1e-12));
  // QK^T and AV: 4 x q_dim FLOPs per cached token and layer.
  CHECK(bf16.flops == Approx(4 * kQueryDim * batch * cached * kLayers).epsilon(1e-12));
  w.kv_cache = Precision::kFp8;
  const OpCost fp8 = Op(CountOps(m, w, DecodeStep(w, 1023)), "attention");
  CHECK(fp8.bytes_read == Approx(expected_read(1)).epsilon(1e-12));
  CHECK(fp8.bytes_written == Approx(expected_written(1)).epsilon(1e-12));
}

TEST_CASE("KV cache bytes: batch x context x 2 x layers x kv_dim x bytes of the KV precision") {
  const ModelSpec& m = Llama3();
  Workload w;
  w.batch = 3;
  w.prompt_tokens = 1000;
  w.gen_tokens = 24;
  for (const auto& [kv, bytes] : {std::pair{Precision::kBf16, 2.0}, std::pair{Precision::kFp8, 1.0},
                                  std::pair{Precision::kFp32, 4.0}}) {
    INFO(ToString(kv));
    w.kv_cache = kv;
    CHECK(EstimateMemoryPerDevice(m, w).kv_cache_bytes ==
          Approx(3.0 * 1024 * 2 * kLayers * kKvDim * bytes).epsilon(1e-12));
  }
  // Tensor parallelism splits the 8 KV heads over the ranks.
  w.kv_cache = Precision::kBf16;
  w.parallel.tensor = 4;
  CHECK(EstimateMemoryPerDevice(m, w).kv_cache_bytes ==
        Approx(3.0 * 1024 * 2 * kLayers * (kKvDim / 4) * 2).epsilon(1e-12));
}

TEST_CASE("tensor parallelism: two all-reduces per layer forward, four in training") {
  const ModelSpec& m = Llama3();
  Workload w;
  w.batch = 8;
  w.prompt_tokens = 512;
  w.parallel.tensor = 2;
  // Shoeybi et al. 2019, Sec. 3: one all-reduce after attention, one after the MLP.
  const OpCost decode = Op(CountOps(m, w, DecodeStep(w, 512)), "tp_allreduce");
  CHECK(decode.launches == 2 * kLayers);
  CHECK(decode.participants == 2);
  CHECK(decode.message_bytes == Approx(8 * 1 * kHidden * 2).epsilon(1e-12));  // 8 tokens x h x bf16
  const OpCost prefill = Op(CountOps(m, w, PrefillStep(w)), "tp_allreduce");
  CHECK(prefill.launches == 2 * kLayers);
  CHECK(prefill.message_bytes == Approx(8 * 512 * kHidden * 2).epsilon(1e-12));
  w.mode = Mode::kTraining;
  CHECK(Op(CountOps(m, w, TrainStep(w)), "tp_allreduce").launches == 4 * kLayers);  // + backward
}

TEST_CASE("MoE: E (1 - (1 - k/E)^t) distinct experts for t tokens, each read once per step") {
  // Mixtral-8x7B: 8 experts, top-2, expert MLP 14336 (gated), d_model 4096, 32 layers.
  const ModelSpec& m = Catalog::Default().Model("mixtral-8x7b");
  REQUIRE(m.moe);
  REQUIRE(m.moe->num_experts == 8);
  REQUIRE(m.moe->num_active_experts == 2);
  REQUIRE(m.moe->expert_d_ff == 14336);
  REQUIRE(m.num_layers == 32);
  REQUIRE(m.d_model == 4096);
  CHECK(ExpectedDistinctExperts(m, 1) == Approx(2.0).epsilon(1e-12));
  // 8 x (1 - (6/8)^4) = 8 x (1 - 81/256) = 5.46875.
  CHECK(ExpectedDistinctExperts(m, 4) == Approx(5.46875).epsilon(1e-12));
  Workload w;
  w.batch = 4;
  w.prompt_tokens = 512;
  const OpCost experts = Op(CountOps(m, w, DecodeStep(w, 512)), "experts");
  const double expert_params = 3 * 4096.0 * 14336;
  // Weights of the distinct experts (bf16) + the 4 x 2 routed tokens in, per layer.
  CHECK(experts.bytes_read ==
        Approx((5.46875 * expert_params * 2 + 8 * 4096.0 * 2) * 32).epsilon(1e-12));
  CHECK(experts.flops == Approx(2 * 8 * expert_params * 32).epsilon(1e-12));
}

TEST_CASE("sliding-window attention attends to at most the window: FLOPs, reads, KV cache") {
  // Mistral-7B-v0.1: 32 layers, all sliding with a 4096-token window, 8 KV heads of 128.
  const ModelSpec& m = Catalog::Default().Model("mistral-7b-v0.1");
  REQUIRE(m.sliding_window_tokens == 4096);
  REQUIRE(m.NumLayersOfKind(AttentionKind::kSlidingWindow) == 32);
  REQUIRE(m.KvDim() == 1024);
  // A prompt of 8192: query i attends to min(i, 4096) keys:
  // sum_{i<=4096} i + 4096 x 4096 = 4096 x 4097 / 2 + 4096^2.
  CHECK(CausalAttendedTokens(m, AttentionKind::kSlidingWindow, 0, 8192) ==
        4096.0 * 4097 / 2 + 4096.0 * 4096);
  Workload w;
  w.batch = 1;
  w.prompt_tokens = 8191;
  const OpCost decode = Op(CountOps(m, w, DecodeStep(w, 8191)), "attention");
  // Only the last 4096 tokens' K and V are read.
  CHECK(decode.bytes_read == Approx((4096.0 * 2 * 1024 * 2 + 4096.0 * 2) * 32).epsilon(1e-12));
  w.gen_tokens = 1;
  CHECK(EstimateMemoryPerDevice(m, w).kv_cache_bytes ==
        Approx(4096.0 * 2 * 32 * 1024 * 2).epsilon(1e-12));
}
