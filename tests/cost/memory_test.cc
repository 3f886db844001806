// Memory: the KV cache, weights, training state and the fits-in-memory verdict.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "sim/cost/memory.h"
#include "sim/spec/catalog.h"
#include "sim/util/csv.h"
#include "tests/catalog_lookup.h"

using namespace rightsize;

TEST_CASE("Llama-3-8B KV cache in bf16 is 131,072 bytes per token") {
  CHECK(KvCacheBytesPerToken(Model("llama-3-8b"), Precision::kBf16) == 131072.0);
  // fp8 KV halves it.
  CHECK(KvCacheBytesPerToken(Model("llama-3-8b"), Precision::kFp8) == 65536.0);
}

TEST_CASE(
    "a 32k-token context: Llama-3-8B holds 4 GiB of KV, Qwen2-7B (4 KV heads, 28 layers) 1.75 "
    "GiB") {
  // 32768 tokens x 2 (K,V) x layers x kv_heads x head_dim x 2 bytes.
  CHECK(KvCacheBytesPerSequence(Model("llama-3-8b"), Precision::kBf16, 32768) ==
        32768.0 * 2 * 32 * 8 * 128 * 2);
  CHECK(KvCacheBytesPerSequence(Model("qwen2-7b"), Precision::kBf16, 32768) ==
        32768.0 * 2 * 28 * 4 * 128 * 2);
}

TEST_CASE("a sliding-window model's KV stops growing at its window") {
  const ModelSpec& mistral = Model("mistral-7b-v0.1");
  REQUIRE(mistral.sliding_window_tokens > 0);
  const double at_window =
      KvCacheBytesPerSequence(mistral, Precision::kBf16, mistral.sliding_window_tokens);
  CHECK(KvCacheBytesPerSequence(mistral, Precision::kBf16, 4 * mistral.sliding_window_tokens) ==
        at_window);
  CHECK(KvCacheBytesPerSequence(mistral, Precision::kBf16, mistral.sliding_window_tokens / 2) ==
        Approx(at_window / 2));
  // Gemma-2 alternates sliding and full layers: past the window only the full half grows.
  const ModelSpec& gemma = Model("gemma-2-9b");
  const int64_t w = gemma.sliding_window_tokens;
  const double growth = KvCacheBytesPerSequence(gemma, Precision::kBf16, 3 * w) -
                        KvCacheBytesPerSequence(gemma, Precision::kBf16, 2 * w);
  CHECK(growth == Approx(w * 2.0 * gemma.NumLayersOfKind(AttentionKind::kFull) *
                         gemma.num_kv_heads * gemma.head_dim * 2.0));
}

TEST_CASE("a 7B model in bf16 fits an RTX 4090 (24 GB) for inference at a 4k context") {
  for (const char* id : {"llama-2-7b", "mistral-7b-v0.1", "qwen2.5-7b"}) {
    INFO(id);
    Workload w;
    w.prompt_tokens = 3584;
    w.gen_tokens = 512;
    const FitVerdict v = CheckFit(Model(id), Hw("rtx-4090"), w);
    CHECK(v.fits);
    CHECK(v.max_context_tokens >= 4096);
  }
}

TEST_CASE("a 7B QLoRA fine-tune fits a 24 GB card, a full bf16 Adam fine-tune does not") {
  Workload qlora;
  qlora.mode = Mode::kFinetuneQlora;
  qlora.batch = 1;
  qlora.prompt_tokens = 2048;
  qlora.recompute = Recompute::kFull;  // gradient checkpointing, as the QLoRA paper trains
  const FitVerdict ok = CheckFit(Model("llama-2-7b"), Hw("rtx-4090"), qlora);
  CHECK(ok.fits);
  CHECK(ok.breakdown.weights_bytes < 4.0e9);  // 6.48B linear x 4.127 bits + 0.26B bf16 embeddings

  Workload full = qlora;
  full.mode = Mode::kTraining;
  const FitVerdict no = CheckFit(Model("llama-2-7b"), Hw("rtx-4090"), full);
  CHECK_FALSE(no.fits);
  CHECK(no.largest_component == "optimizer_state");
  CHECK(no.shortfall_bytes > 80e9);  // 16 bytes/param x 6.74B = 108 GB vs 21.6 GB usable
  CHECK(no.reason.find("out of memory on rtx-4090") != std::string::npos);
}

TEST_CASE("a 70B model does not fit one H100 in bf16 but fits 4 with TP=4, and ZeRO shards state") {
  Workload w;
  const FitVerdict one = CheckFit(Model("llama-3-70b"), Hw("h100-sxm5-80gb"), w);
  CHECK_FALSE(one.fits);
  CHECK(one.largest_component == "weights");
  CHECK(one.max_batch == 0);
  w.parallel.tensor = 4;
  const FitVerdict four = CheckFit(Model("llama-3-70b"), Hw("h100-sxm5-80gb"), w);
  CHECK(four.fits);
  CHECK(four.breakdown.weights_bytes == Approx(one.breakdown.weights_bytes / 4));
  CHECK(four.max_batch > 1);

  Workload train;
  train.mode = Mode::kTraining;
  train.parallel.data = 8;
  const double state0 = EstimateMemoryPerDevice(Model("llama-3-8b"), train).optimizer_bytes;
  train.zero_stage = 1;
  CHECK(EstimateMemoryPerDevice(Model("llama-3-8b"), train).optimizer_bytes == Approx(state0 / 8));
}

TEST_CASE("the largest training batch is searched with micro-batches no larger than the batch") {
  // ZeRO-3 over 8 GPUs: the 8B model's states take 16 bytes x 8.03B / 8 = 16 GB per GPU; micro-
  // batches of 2 sequences of 2,048 tokens. The bisection over the batch starts at 1 sequence,
  // where the micro-batch is 1.
  Workload w;
  w.mode = Mode::kTraining;
  w.parallel.data = 8;
  w.zero_stage = 3;
  w.batch = 8;
  w.micro_batch = 2;
  w.prompt_tokens = 2048;
  const FitVerdict v = CheckFit(Model("llama-3-8b"), Hw("h100-sxm5-80gb"), w);
  CHECK(v.fits);
  CHECK(v.max_batch >= w.batch);
  // Past the micro-batch the stored activations no longer grow (one micro-batch in flight
  // without pipeline stages), so the batch is bounded only by the search's range.
  w.batch = v.max_batch;
  CHECK(CheckFit(Model("llama-3-8b"), Hw("h100-sxm5-80gb"), w).fits);
}

TEST_CASE("weights scale with bits per weight of the tensors each format quantises") {
  const ModelSpec& m = Model("llama-3-8b");
  const ParamCounts c = CountParams(m);
  const double params = static_cast<double>(c.Total());
  // Quantisation tools (AWQ, GPTQ, bitsandbytes, llm-compressor) leave embeddings, lm_head and
  // norms in bf16; GGUF keeps norms in f32.
  const double kept = static_cast<double>(c.embedding + c.lm_head + c.norms);
  const double linear = params - kept;
  CHECK(WeightBytes(m, Precision::kFp32) == params * 4);
  CHECK(WeightBytes(m, Precision::kBf16) == params * 2);
  CHECK(WeightBytes(m, Precision::kFp8) == Approx(linear + kept * 2));
  CHECK(WeightBytes(m, Precision::kInt8) == Approx(linear + kept * 2));
  CHECK(WeightBytes(m, Precision::kInt4) == Approx(linear * 4.15625 / 8 + kept * 2));
  CHECK(
      WeightBytes(m, Precision::kQ8_0) ==
      Approx((params - static_cast<double>(c.norms)) * 8.5 / 8 + static_cast<double>(c.norms) * 4));
  const double q4km_bits = WeightBytes(m, Precision::kQ4_K_M) * 8 / params;
  CHECK(q4km_bits > 4.5);
  CHECK(q4km_bits < 6.5625);
}

TEST_CASE("max batch and max context are the largest values that fit") {
  const ModelSpec& m = Model("llama-3-8b");
  const HardwareSpec& hw = Hw("a100-sxm4-80gb");
  Workload w;
  w.prompt_tokens = 2048;
  w.gen_tokens = 2048;
  const FitVerdict v = CheckFit(m, hw, w);
  REQUIRE(v.max_batch > 1);
  Workload at = w, over = w;
  at.batch = v.max_batch;
  over.batch = v.max_batch + 1;
  CHECK(CheckFit(m, hw, at).fits);
  CHECK_FALSE(CheckFit(m, hw, over).fits);
}

TEST_CASE("a hybrid linear-attention model's cache grows only in its full-attention layers") {
  const ModelSpec& qwen = Model("qwen3.5-9b");
  REQUIRE(qwen.linear_attention.has_value());
  const LinearAttentionSpec& la = *qwen.linear_attention;
  const int64_t full = qwen.NumLayersOfKind(AttentionKind::kFull);
  const int64_t linear = qwen.NumLayersOfKind(AttentionKind::kLinear);
  REQUIRE(full > 0);
  REQUIRE(linear > 0);
  // Per token: K and V of the full-attention layers only.
  CHECK(KvCacheBytesPerToken(qwen, Precision::kBf16) ==
        2.0 * full * qwen.num_kv_heads * qwen.head_dim * 2.0);
  const double growth = KvCacheBytesPerSequence(qwen, Precision::kBf16, 65536) -
                        KvCacheBytesPerSequence(qwen, Precision::kBf16, 1024);
  CHECK(growth == Approx((65536.0 - 1024.0) * KvCacheBytesPerToken(qwen, Precision::kBf16)));
  // The linear layers hold a constant state: heads x key dim x value dim at the state precision,
  // plus the conv window; the KV cache precision does not change it.
  const double state =
      linear * (static_cast<double>(la.num_value_heads * la.key_head_dim * la.value_head_dim) *
                    BytesPerValue(la.state_precision) +
                static_cast<double>(la.ConvDim() * (la.conv_kernel - 1)) * 2.0);
  CHECK(KvCacheBytesPerSequence(qwen, Precision::kBf16, 1024) ==
        Approx(state + 1024.0 * KvCacheBytesPerToken(qwen, Precision::kBf16)));
  // With every layer linear the cache stops growing at all.
  ModelSpec all_linear = qwen;
  std::fill(all_linear.layer_attention.begin(), all_linear.layer_attention.end(),
            AttentionKind::kLinear);
  const double at_1k = KvCacheBytesPerSequence(all_linear, Precision::kBf16, 1024);
  CHECK(at_1k > 0.0);
  CHECK(KvCacheBytesPerSequence(all_linear, Precision::kBf16, 262144) == at_1k);
  CHECK(KvCacheBytesPerToken(all_linear, Precision::kBf16) == 0.0);
}

TEST_CASE(
    "Qwen3.5-9B at a 256k context needs far less cache than a same-width full-attention model") {
  Workload w;
  w.prompt_tokens = 250000;
  w.gen_tokens = 2000;
  const ModelSpec& qwen = Model("qwen3.5-9b");
  ModelSpec all_full = qwen;
  std::fill(all_full.layer_attention.begin(), all_full.layer_attention.end(), AttentionKind::kFull);
  const double hybrid = EstimateMemoryPerDevice(qwen, w).kv_cache_bytes;
  const double dense = EstimateMemoryPerDevice(all_full, w).kv_cache_bytes;
  // 8 of 32 layers keep K/V: about a quarter, plus the small constant state.
  CHECK(hybrid / dense == Approx(0.25).epsilon(0.02));
  CHECK(hybrid > 0.25 * dense);
}

TEST_CASE(
    "training activations: one micro-batch at a time, and under 1F1B min(stages, micro-batches) of "
    "them") {
  auto activations = [](int64_t batch, int64_t micro_batch, int pipeline) {
    Workload w;
    w.mode = Mode::kTraining;
    w.prompt_tokens = 4096;
    w.batch = batch;
    w.micro_batch = micro_batch;
    w.parallel.pipeline = pipeline;
    return EstimateMemoryPerDevice(Model("llama-3-8b"), w).activation_bytes;
  };
  // Gradient accumulation holds one micro-batch: 8 sequences in micro-batches of 2 hold what a
  // batch of 2 holds.
  CHECK(activations(8, 2, 1) == Approx(activations(2, 0, 1)));
  CHECK(activations(8, 1, 1) < activations(8, 0, 1) / 4);
  // 4 stages: the first holds 4 micro-batches of a quarter of the layers, the layers' worth of
  // one micro-batch; with only 2 micro-batches it holds 2 of them.
  CHECK(activations(8, 1, 4) == Approx(activations(1, 0, 4)));
  CHECK(activations(2, 1, 4) < activations(8, 1, 4));
  // A micro-batch larger than the batch is an input error.
  CHECK_THROWS_AS(activations(2, 3, 1), InputError);
}

TEST_CASE("QLoRA's frozen Qwen2.5-7B base is the published bitsandbytes NF4 checkpoint within 5%") {
  // unsloth/Qwen2.5-7B-Instruct-bnb-4bit model.safetensors is 5.55 GB (data/checkpoints): NF4
  // linear layers, bf16 embeddings and lm_head (1.09B parameters), not 7.62B x 4.127 bits.
  Workload qlora;
  qlora.mode = Mode::kFinetuneQlora;
  qlora.batch = 1;
  qlora.prompt_tokens = 512;
  const MemoryBreakdown mem = EstimateMemoryPerDevice(Model("qwen2.5-7b"), qlora);
  CHECK(mem.weights_bytes == Approx(5.55e9).epsilon(0.05));
  const double all_nf4 =
      static_cast<double>(CountParams(Model("qwen2.5-7b")).Total()) * 4.127 / 8.0;
  CHECK(mem.weights_bytes > 1.3 * all_nf4);
}

TEST_CASE("expert parallelism shards the released gpt-oss-120b experts, not its bf16 attention") {
  Workload w;
  w.weights = Precision::kReleased;
  const ModelSpec& m = Model("gpt-oss-120b");
  const double one = EstimateMemoryPerDevice(m, w).weights_bytes;
  w.parallel.expert = 2;
  const double two = EstimateMemoryPerDevice(m, w).weights_bytes;
  const ParamCounts c = CountParams(m);
  const double expert_bytes = static_cast<double>(c.routed_experts) * 4.25 / 8.0;
  CHECK(one - two == Approx(expert_bytes / 2.0));
}

TEST_CASE(
    "expert parallelism shards attention by data: Mixtral at batch 64 holds half the KV per GPU at "
    "ep 2") {
  // Engines run the expert-parallel group's attention data-parallel (vLLM with data-parallel
  // attention, SGLang --enable-dp-attention): each rank caches its own sequences.
  const ModelSpec& m = Model("mixtral-8x7b");
  Workload w;
  w.batch = 64;
  w.prompt_tokens = 1024;
  w.gen_tokens = 1024;
  const MemoryBreakdown one = EstimateMemoryPerDevice(m, w);
  w.parallel.expert = 2;
  const MemoryBreakdown two = EstimateMemoryPerDevice(m, w);
  CHECK(two.kv_cache_bytes == Approx(one.kv_cache_bytes / 2.0));
  // 64 x 2048 tokens x 32 layers x 8 KV heads x 128 x 2 (K, V) x 2 bytes = 8 GiB on one GPU.
  CHECK(one.kv_cache_bytes == Approx(64.0 * 2048 * 32 * 8 * 128 * 2 * 2));
  // Odd batches round up: 3 sequences over 2 ranks leave 2 on the busier rank.
  w.batch = 3;
  const double per_seq = KvCacheBytesPerSequence(m, w.kv_cache, w.ContextTokens());
  CHECK(EstimateMemoryPerDevice(m, w).kv_cache_bytes == Approx(2.0 * per_seq));
}

TEST_CASE("DeepSeek-V3's MLA cache is 70,272 bytes per token in bf16 and whole on every TP rank") {
  const ModelSpec& m = Model("deepseek-v3");
  // 61 layers x (kv_lora_rank 512 + qk_rope_head_dim 64) x 2 bytes.
  CHECK(KvCacheBytesPerToken(m, Precision::kBf16) == 70272.0);
  CHECK(KvCacheBytesPerSequence(m, Precision::kBf16, 1000) == Approx(70272.0 * 1000));
  Workload w;
  w.batch = 4;
  const double one = EstimateMemoryPerDevice(m, w).kv_cache_bytes;
  w.parallel.tensor = 8;
  CHECK(EstimateMemoryPerDevice(m, w).kv_cache_bytes == Approx(one));
}

TEST_CASE("stored activations reduce to Korthikanti's 34 sbh + 5 a s^2 b for a GPT layer") {
  // A GPT-3-style layer: MHA, a plain 4h MLP, two LayerNorms (Korthikanti et al. 2022, eq. 1).
  ModelSpec gpt = Model("llama-2-7b");
  gpt.mlp = MlpKind::kPlain;
  gpt.d_ff = 4 * gpt.d_model;
  const StoredActivationBytes a = StoredActivationBytesPerToken(gpt);
  const double h = gpt.d_model;
  CHECK(a.replicated + a.split == Approx(34.0 * h));
  CHECK(a.replicated == Approx(10.0 * h));  // eq. 2 without sequence parallelism: 10 + 24 / t
  CHECK(a.scores_per_context_token == Approx(5.0 * gpt.num_heads));

  Workload w;
  w.mode = Mode::kTraining;
  w.batch = 1;
  w.prompt_tokens = 2048;
  w.recompute = Recompute::kNone;
  w.flash_attention = false;
  w.parallel.tensor = 8;
  w.sequence_parallel = false;
  const double s = 2048, t = 8;
  const double eq2 = s * h * (10.0 + 24.0 / t + 5.0 * gpt.num_heads * s / (h * t)) * gpt.num_layers;
  const double logits = s * gpt.vocab_size * 4.0 / t;
  CHECK(EstimateMemoryPerDevice(gpt, w).activation_bytes == Approx(eq2 + logits));
  // Sequence parallelism splits the 10 too (eq. 4: 34 / t); FlashAttention keeps no scores.
  w.sequence_parallel = true;
  w.flash_attention = true;
  CHECK(EstimateMemoryPerDevice(gpt, w).activation_bytes ==
        Approx(s * h * 34.0 / t * gpt.num_layers + logits));
}

TEST_CASE("a SwiGLU layer stores more than 34 sbh: 1.16x for Llama-2-7B, 1.67x for Qwen2.5-7B") {
  // Gated MLPs keep gate, up, activation and product: 8 f bytes per token instead of 4 f.
  const ModelSpec& m = Model("llama-2-7b");
  const StoredActivationBytes a = StoredActivationBytesPerToken(m);
  const double llama = (a.replicated + a.split) / (34.0 * m.d_model);
  CHECK(llama == Approx((10.0 + 8.0 + 8.0 * 11008.0 / 4096.0) / 34.0));
  const ModelSpec& qwen = Model("qwen2.5-7b");
  const StoredActivationBytes q = StoredActivationBytesPerToken(qwen);
  const double h = qwen.d_model;
  CHECK(q.split == Approx(4.0 * qwen.QueryDim() + 4.0 * qwen.KvDim() + 8.0 * qwen.d_ff));
  // f = 5.29 h: 61 h per token with its GQA attention (4 q + 4 kv = 4.6 h instead of 8 h).
  CHECK((q.replicated + q.split) / (34.0 * h) > 1.6);
}

TEST_CASE("selective and full recompute keep less than none, eager attention more than flash") {
  Workload w;
  w.mode = Mode::kTraining;
  w.prompt_tokens = 4096;
  const ModelSpec& m = Model("llama-3-8b");
  auto act = [&](Recompute r, bool flash) {
    Workload x = w;
    x.recompute = r;
    x.flash_attention = flash;
    return EstimateMemoryPerDevice(m, x).activation_bytes;
  };
  CHECK(act(Recompute::kNone, false) > act(Recompute::kNone, true));
  CHECK(act(Recompute::kSelective, false) == Approx(act(Recompute::kNone, true)));
  CHECK(act(Recompute::kFull, true) < act(Recompute::kSelective, true) / 4);
}

TEST_CASE("measured LoRA fine-tuning peaks (LitGPT, A100) are predicted within their tolerance") {
  // data/training-memory/peak-memory.csv: published Max GPU RAM of LitGPT's LoRA runs, bf16
  // weights, fused attention, no activation checkpointing (PROVENANCE.md there).
  const CsvTable table =
      CsvTable::Load(std::string(RIGHTSIZE_SOURCE_DIR) + "/data/training-memory/peak-memory.csv");
  REQUIRE(table.rows().size() >= 3);
  for (const CsvRow& row : table.rows()) {
    Workload w;
    w.mode = ParseMode(table.Cell(row, "mode"));
    w.batch = table.Integer(row, "batch", 1, 1 << 20);
    w.prompt_tokens = table.Integer(row, "sequence_tokens", 1, 1 << 24);
    w.gen_tokens = 0;
    w.lora_rank = table.Integer(row, "lora_rank", 1, 1 << 16);
    w.recompute = ParseRecompute(table.Cell(row, "recompute"));
    const double predicted = EstimateMemoryPerDevice(Model(table.Cell(row, "model")), w).Total();
    const double measured = table.Number(row, "measured_bytes");
    INFO(table.Cell(row, "run") << ": predicted " << predicted / 1e9 << " GB, measured "
                                << measured / 1e9 << " GB");
    CHECK(std::abs(predicted / measured - 1.0) <= table.Number(row, "tolerance_percent") / 100.0);
    // It must also fit the device the run was measured on.
    CHECK(CheckFit(Model(table.Cell(row, "model")), Hw(table.Cell(row, "hardware")), w).fits);
  }
}
