// Workload: what is run (inference, training, fine-tuning), on how many tokens, at which
// precisions, split how over devices.
#pragma once

#include <cstdint>
#include <string>

#include "sim/spec/precision.h"

namespace rightsize {

enum class Mode {
  kInference,      // prefill the prompt, then decode gen_tokens
  kTraining,       // full-parameter training / fine-tuning with Adam, mixed precision
  kFinetuneLora,   // frozen base in the weight precision + trainable LoRA adapters
  kFinetuneQlora,  // frozen base in NF4 + LoRA adapters (Dettmers et al. 2023)
};

// Which step of a mode a cost is asked for.
enum class Phase { kPrefill, kDecode, kTrainStep };

enum class Recompute { kNone, kSelective, kFull };  // activation recomputation (Korthikanti 2022)

// The largest workload rightsize prices. They lie far beyond any engine or model (the longest
// context in models/ is 1M tokens, the largest published training runs use ~10^5 devices) and
// keep every count exact in a double and every product of counts inside int64. Every command-line
// flag and study field that feeds a Workload is bounded by these.
inline constexpr int64_t kMaxBatch = int64_t{1} << 24;          // sequences per step
inline constexpr int64_t kMaxContextTokens = int64_t{1} << 24;  // prompt + generated, per sequence
inline constexpr int kMaxParallelDegree = 1024;                 // each of TP, PP, EP
inline constexpr int64_t kMaxDevices = int64_t{1} << 20;        // TP x PP x EP x DP
inline constexpr int64_t kMaxLoraRank = int64_t{1} << 16;

struct Parallelism {
  int tensor = 1;    // TP degree: splits every layer's matrices
  int pipeline = 1;  // PP degree: splits the layers into stages
  int expert = 1;    // EP degree: splits the routed experts
  int data = 1;      // DP degree: replicas (ZeRO shards training state over these)
  int64_t Devices() const { return int64_t{tensor} * pipeline * expert * data; }
};

struct Workload {
  Mode mode = Mode::kInference;
  int64_t batch = 1;            // sequences processed together, 1..kMaxBatch
  int64_t prompt_tokens = 512;  // per sequence (training: the sequence length), >= 1
  int64_t gen_tokens = 128;     // generated per sequence (inference only), >= 0;
                                // prompt + gen <= kMaxContextTokens
  Precision weights = Precision::kBf16;
  Precision activations = Precision::kBf16;
  Precision kv_cache = Precision::kBf16;
  Parallelism parallel;
  // Training / fine-tuning.
  int zero_stage = 0;  // ZeRO stage 0..3 (Rajbhandari et al. 2020) over parallel.data
  // Sequences per micro-batch (gradient accumulation / pipeline micro-batches). 0: the whole
  // batch is one micro-batch held in memory at once, while the step time assumes micro-batches
  // of one sequence (the pipeline bubble at its smallest). > 0: both use batch / micro_batch
  // micro-batches, and the first pipeline stage holds min(pipeline, micro-batches) of them.
  int64_t micro_batch = 0;
  Recompute recompute = Recompute::kSelective;
  // Training attention kernel: FlashAttention (Dao et al. 2022) keeps no s x s score matrix for
  // the backward pass (it recomputes the scores); false: an eager kernel stores softmax, its
  // dropout mask and output, 5 x heads x s^2 bytes per sequence per layer (Korthikanti 2022).
  bool flash_attention = true;
  // Megatron sequence parallelism (Korthikanti 2022, Sec. 4.2.2): the norm and dropout regions
  // between the tensor-parallel blocks are split over the TP ranks along the sequence too.
  bool sequence_parallel = true;
  int64_t lora_rank = 16;  // adapter rank r, on every linear layer of every block
  // Fraction of device memory the engine may use (vLLM's gpu_memory_utilization; its default is
  // 0.9), the rest is left to the runtime.
  double memory_utilization = 0.9;
  std::string engine;  // free text, e.g. "vllm", "llama.cpp"

  int64_t ContextTokens() const { return prompt_tokens + gen_tokens; }
};

// One step the cost model prices: `batch` sequences each adding `new_tokens` tokens after
// `past_tokens` already in the KV cache.
struct Step {
  Phase phase = Phase::kPrefill;
  int64_t batch = 1;
  int64_t new_tokens = 1;
  int64_t past_tokens = 0;
};

Step PrefillStep(const Workload& w);
// Decode step for the token at position past_tokens (past_tokens >= prompt_tokens).
Step DecodeStep(const Workload& w, int64_t past_tokens);
Step TrainStep(const Workload& w);

bool Validate(const Workload& w, std::string* why);
std::string ToString(Mode mode);
Mode ParseMode(const std::string& text);  // infer | train | finetune-lora | finetune-qlora
Recompute ParseRecompute(const std::string& text);  // none | selective | full
bool IsTrainingMode(Mode mode);

}  // namespace rightsize

namespace rightsize {
// The precision the (frozen) base weights are stored in: NF4 for QLoRA, else w.weights.
Precision BaseWeightPrecision(const Workload& w);
}  // namespace rightsize
