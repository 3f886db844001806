// Latency model physics: which resource bounds each phase, what precision, tensor parallelism and
// mixture-of-experts routing do to a step, and that infeasible configurations are not timed.
#include <catch2/catch.hpp>

#include <cmath>

#include "sim/cost/latency.h"
#include "sim/cost/memory.h"
#include "sim/spec/catalog.h"
#include "tests/catalog_lookup.h"

using namespace rightsize;

namespace {
const EfficiencyParams kDefaults = EfficiencyParams::Defaults();

StepBreakdown Decode(const ModelSpec& m, const HardwareSpec& hw, const Workload& w) {
  return AnalyseStep(CountOps(m, w, DecodeStep(w, w.prompt_tokens)), ResolveRates(hw, w),
                     kDefaults);
}
StepBreakdown Prefill(const ModelSpec& m, const HardwareSpec& hw, const Workload& w) {
  return AnalyseStep(CountOps(m, w, PrefillStep(w)), ResolveRates(hw, w), kDefaults);
}
double MatmulWeightBytes(const std::vector<OpCost>& ops) {
  double bytes = 0.0;
  for (const auto& op : ops) {
    if (op.kind == OpKind::kMatmul) bytes += op.bytes_read;
  }
  return bytes;
}
const OpCost& FindOp(const std::vector<OpCost>& ops, const std::string& name) {
  for (const auto& op : ops) {
    if (name == op.name) return op;
  }
  FAIL("no op " << name);
  return ops.front();
}
}  // namespace

TEST_CASE("decode at batch 1 is memory-bound and its time falls with weight precision") {
  const ModelSpec& m = Model("llama-3-8b");
  const HardwareSpec& hw = Hw("h100-sxm5-80gb");
  Workload w;
  w.batch = 1;
  w.prompt_tokens = 512;
  const StepBreakdown bf16 = Decode(m, hw, w);
  CHECK(std::string(bf16.bound) == "memory");
  // Arithmetic intensity of a GEMV is ~1 FLOP/byte, the H100 ridge is ~300: memory dominates.
  CHECK(bf16.memory_s > 20.0 * bf16.compute_s);
  // Streaming ~16 GB of bf16 weights takes at least bytes / peak bandwidth.
  CHECK(bf16.step_s > WeightBytes(m, Precision::kBf16) / hw.memory_bandwidth_bytes_per_s);

  w.weights = Precision::kFp8;
  const StepBreakdown fp8 = Decode(m, hw, w);
  w.weights = Precision::kInt4;
  const StepBreakdown int4 = Decode(m, hw, w);
  CHECK(fp8.step_s < bf16.step_s);
  CHECK(int4.step_s < fp8.step_s);
  // The memory term scales with the bytes a token streams: the int4 linear layers (4.156 bits)
  // and the lm_head, which AWQ / GPTQ keep in bf16.
  const ParamCounts c = CountParams(m);
  const double linear = static_cast<double>(c.attention + c.dense_mlp);
  const double head = static_cast<double>(c.lm_head);
  const double expected =
      (linear * BitsPerValue(Precision::kInt4) + head * 16.0) / ((linear + head) * 16.0);
  CHECK(int4.memory_s / bf16.memory_s == Approx(expected).epsilon(0.05));
}

TEST_CASE("prefill of a long prompt is compute-bound and fp8 uses the faster fp8 units") {
  const ModelSpec& m = Model("llama-3-8b");
  const HardwareSpec& hw = Hw("h100-sxm5-80gb");
  Workload w;
  w.batch = 1;
  w.prompt_tokens = 8192;
  const StepBreakdown bf16 = Prefill(m, hw, w);
  CHECK(std::string(bf16.bound) == "compute");
  CHECK(bf16.compute_s > 5.0 * bf16.memory_s);
  // Doubling the prompt more than doubles the time (attention is quadratic).
  w.prompt_tokens = 16384;
  CHECK(Prefill(m, hw, w).step_s > 2.0 * bf16.step_s);
  w.prompt_tokens = 8192;
  w.weights = Precision::kFp8;
  w.activations = Precision::kFp8;
  const double peak_ratio = hw.PeakFlopsPerS(Precision::kFp8, Precision::kFp8) /
                            hw.PeakFlopsPerS(Precision::kBf16, Precision::kBf16);
  REQUIRE(peak_ratio > 1.5);
  const StepBreakdown fp8 = Prefill(m, hw, w);
  CHECK(fp8.step_s < bf16.step_s / 1.5);
  // A weight-only int4 format gets no faster units: prefill stays at the bf16 compute time.
  w.weights = Precision::kInt4;
  w.activations = Precision::kBf16;
  CHECK(Prefill(m, hw, w).compute_s == Approx(bf16.compute_s));
}

TEST_CASE("TP=2 halves the per-device weight bytes and adds an all-reduce term") {
  const ModelSpec& m = Model("llama-3-70b");
  const HardwareSpec& hw = Hw("h100-sxm5-80gb");
  Workload w;
  w.batch = 1;
  w.prompt_tokens = 1024;
  w.parallel.tensor = 2;
  const auto ops2 = CountOps(m, w, DecodeStep(w, w.prompt_tokens));
  const StepBreakdown tp2 = Decode(m, hw, w);
  w.parallel.tensor = 1;
  const auto ops1 = CountOps(m, w, DecodeStep(w, w.prompt_tokens));
  const StepBreakdown tp1 = Decode(m, hw, w);
  CHECK(MatmulWeightBytes(ops2) / MatmulWeightBytes(ops1) == Approx(0.5).epsilon(0.01));
  CHECK(tp1.comm_s == 0.0);
  CHECK(tp2.comm_s > 0.0);
  // Two all-reduces per layer: at least 2 x layers x alpha.
  CHECK(tp2.comm_s >= 2.0 * m.num_layers * kDefaults[EfficiencyParams::kLinkLatency_s]);
  const OpCost& ar = FindOp(ops2, "tp_allreduce");
  CHECK(ar.pattern == CommPattern::kAllReduce);
  CHECK(ar.participants == 2);
  // The memory-bound step gets faster, but by less than 2x (the all-reduces cost time).
  CHECK(tp2.step_s < tp1.step_s);
  CHECK(tp2.step_s > tp1.step_s / 2.0);
}

TEST_CASE("collectives pay the link's latency from the hardware spec once per ring step") {
  const ModelSpec& m = Model("llama-3-8b");
  Workload w;
  w.parallel.tensor = 8;
  // NVLink and PCIe latencies per step come from the hardware files (models/PROVENANCE.md).
  const HardwareSpec& nvlink = Hw("h100-sxm5-80gb");
  const HardwareSpec& pcie = Hw("l40s");
  REQUIRE(nvlink.link_latency_s > 0.0);
  REQUIRE(pcie.link_latency_s > nvlink.link_latency_s);
  CHECK(ResolveRates(nvlink, w).link_latency_s == nvlink.link_latency_s);
  // The tiny all-reduce of one decode token is all latency: per layer 2 all-reduces of
  // (base + 2 x 7 steps x the link's latency) plus the bandwidth term, which is < 1 us here.
  const auto ops = CountOps(m, w, DecodeStep(w, w.prompt_tokens));
  const OpCost& ar = FindOp(ops, "tp_allreduce");
  REQUIRE(ar.participants == 8);
  const double alpha_nvlink =
      kDefaults[EfficiencyParams::kLinkLatency_s] + 14 * nvlink.link_latency_s;
  const StepBreakdown step = Decode(m, nvlink, w);
  CHECK(step.comm_s >= ar.launches * alpha_nvlink);
  CHECK(step.comm_s < ar.launches * (alpha_nvlink + 1e-6));
  CHECK(Decode(m, pcie, w).comm_s > step.comm_s);
}

TEST_CASE("a MoE decode reads only the active experts at batch 1 and nearly all at large batch") {
  const ModelSpec& m = Model("mixtral-8x7b");
  REQUIRE(m.moe);
  const double e = static_cast<double>(m.moe->num_experts);
  const double k = static_cast<double>(m.moe->num_active_experts);
  const double all_experts_bytes =
      static_cast<double>(CountParams(m).routed_experts) * BytesPerValue(Precision::kBf16);
  Workload w;
  w.prompt_tokens = 512;
  w.batch = 1;
  const double one = FindOp(CountOps(m, w, DecodeStep(w, 512)), "experts").bytes_read;
  // k of E experts (the activations add a negligible few KB).
  CHECK(one / all_experts_bytes == Approx(k / e).epsilon(0.01));
  w.batch = 256;
  const double many = FindOp(CountOps(m, w, DecodeStep(w, 512)), "experts").bytes_read;
  CHECK(many > 0.99 * all_experts_bytes);
  // So a batch-1 MoE step costs about what its active parameters cost, far below the total.
  const HardwareSpec& hw = Hw("h100-sxm5-80gb");
  w.batch = 1;
  const double moe_step = Decode(m, hw, w).memory_s;
  CHECK(moe_step <
        0.5 * static_cast<double>(CountParams(m).Total()) * BytesPerValue(Precision::kBf16) /
            (hw.memory_bandwidth_bytes_per_s * kDefaults[EfficiencyParams::kMemoryEfficiency]));
}

TEST_CASE("decode time grows with batch slowly while memory-bound, so throughput rises") {
  const ModelSpec& m = Model("llama-3-8b");
  const HardwareSpec& hw = Hw("h100-sxm5-80gb");
  Workload w;
  w.prompt_tokens = 512;
  w.gen_tokens = 256;
  w.batch = 1;
  const LatencyEstimate b1 = EstimateLatency(m, hw, w);
  w.batch = 32;
  const LatencyEstimate b32 = EstimateLatency(m, hw, w);
  REQUIRE(b1.feasible);
  REQUIRE(b32.feasible);
  CHECK(b32.tpot_s > b1.tpot_s);
  CHECK(b32.tpot_s < 2.0 * b1.tpot_s);
  CHECK(b32.decode_tokens_per_s > 16.0 * b1.decode_tokens_per_s);
  CHECK(b1.e2e_latency_s == Approx(b1.ttft_s + 255 * b1.tpot_s));
  // Longer contexts re-read more KV cache per step.
  w.prompt_tokens = 4096;
  CHECK(EstimateLatency(m, hw, w).tpot_s > b32.tpot_s);
}

TEST_CASE("pipeline bubbles cost (p-1)/m of a training step") {
  const ModelSpec& m = Model("llama-3-8b");
  const HardwareSpec& hw = Hw("h100-sxm5-80gb");
  Workload w;
  w.mode = Mode::kTraining;
  w.batch = 4;
  w.prompt_tokens = 2048;
  w.parallel.pipeline = 4;
  const auto ops = CountOps(m, w, TrainStep(w));
  DeviceRates r = ResolveRates(hw, w, 4);
  const double m4 = PredictStepTime_s(ops, r, kDefaults.data());
  r.microbatches = 1000000;
  const double no_bubble = PredictStepTime_s(ops, r, kDefaults.data());
  // With 4 micro-batches on 4 stages the per-micro-batch work is stretched by 1 + 3/4.
  double once = 0.0;
  for (const auto& op : ops) {
    if (op.once_per_step) once += PredictOpTime_s(op, r, kDefaults.data());
  }
  const double overhead = kDefaults[EfficiencyParams::kStepOverhead_s];
  CHECK((m4 - once - overhead) / (no_bubble - once - overhead) == Approx(1.75).epsilon(1e-4));
}

TEST_CASE("fine-tuning: QLoRA and LoRA steps are cheaper than full training of the same batch") {
  // Llama-3.2-1B: full training (16 bytes of weights, gradients and Adam state per parameter,
  // ~20 GB) fits one H100 beside its activations, so all three modes are timed.
  const ModelSpec& m = Model("llama-3.2-1b");
  const HardwareSpec& hw = Hw("h100-sxm5-80gb");
  Workload w;
  w.batch = 1;
  w.prompt_tokens = 2048;
  w.mode = Mode::kTraining;
  w.memory_utilization = 1.0;
  const LatencyEstimate full = EstimateLatency(m, hw, w);
  w.mode = Mode::kFinetuneLora;
  const LatencyEstimate lora = EstimateLatency(m, hw, w);
  w.mode = Mode::kFinetuneQlora;
  const LatencyEstimate qlora = EstimateLatency(m, hw, w);
  REQUIRE(full.feasible);
  REQUIRE(lora.feasible);
  REQUIRE(qlora.feasible);
  CHECK(lora.train_step_s > 0.0);
  CHECK(lora.train_step_s < full.train_step_s);
  CHECK(qlora.train_step_s < full.train_step_s);
  // QLoRA dequantises NF4 to bf16: same compute as LoRA, within the smaller weight reads.
  CHECK(qlora.train_step_s == Approx(lora.train_step_s).epsilon(0.1));
  // A training run of N tokens takes N / tokens-per-second.
  const TrainingRun run = EstimateTrainingRun(lora, w, 1e9);
  CHECK(run.time_s == Approx(1e9 / lora.train_tokens_per_s));
  CHECK(run.device_hours == Approx(run.time_s / 3600.0));
}

TEST_CASE("infeasible configurations get a reason, never a time") {
  const ModelSpec& big = Model("llama-3-70b");
  const HardwareSpec& card = Hw("rtx-4090");
  Workload w;
  const LatencyEstimate oom = EstimateLatency(big, card, w);
  CHECK_FALSE(oom.feasible);
  CHECK(oom.reason.find("out of memory") != std::string::npos);
  CHECK(oom.ttft_s == 0.0);
  CHECK(oom.tpot_s == 0.0);

  HardwareSpec no_link = Hw("h100-sxm5-80gb");
  no_link.link_bandwidth_bytes_per_s = 0.0;
  w.parallel.tensor = 2;
  const LatencyEstimate unlinked = EstimateLatency(Model("llama-3-8b"), no_link, w);
  CHECK_FALSE(unlinked.feasible);
  CHECK(unlinked.reason.find("link") != std::string::npos);
  // The forward model itself refuses to time a collective without a link.
  CHECK_THROWS_AS(PredictStepTime_s(CountOps(Model("llama-3-8b"), w, PrefillStep(w)),
                                    ResolveRates(no_link, w), kDefaults.data()),
                  InputError);
}

TEST_CASE("the same roofline serves a CPU or SoC device: decode is bandwidth-bound there too") {
  const Catalog& catalog = Catalog::Default();
  int checked = 0;
  for (const auto& [id, hw] : catalog.hardware()) {
    if (hw.kind == DeviceKind::kGpu) continue;
    INFO(id);
    Workload w;
    w.weights = Precision::kQ4_K_M;
    w.activations = Precision::kFp16;
    w.kv_cache = Precision::kFp16;
    if (!CheckFit(Model("llama-3-8b"), hw, w).fits) continue;
    const StepBreakdown s = Decode(Model("llama-3-8b"), hw, w);
    CHECK(std::string(s.bound) == "memory");
    CHECK(s.step_s >
          WeightBytes(Model("llama-3-8b"), Precision::kQ4_K_M) / hw.memory_bandwidth_bytes_per_s);
    ++checked;
  }
  // The catalogue's CPUs and SoCs with enough memory (EPYC 9654, M2 Ultra, ...) ran the checks.
  CHECK(checked >= 2);
}
