#include "sim/workload/workload.h"

#include <fmt/format.h>

#include "sim/util/error.h"

namespace rightsize {

Step PrefillStep(const Workload& w) { return {Phase::kPrefill, w.batch, w.prompt_tokens, 0}; }

Step DecodeStep(const Workload& w, int64_t past_tokens) {
  return {Phase::kDecode, w.batch, 1, past_tokens};
}

Step TrainStep(const Workload& w) { return {Phase::kTrainStep, w.batch, w.prompt_tokens, 0}; }

bool IsTrainingMode(Mode mode) { return mode != Mode::kInference; }

std::string ToString(Mode mode) {
  switch (mode) {
    case Mode::kInference:
      return "infer";
    case Mode::kTraining:
      return "train";
    case Mode::kFinetuneLora:
      return "finetune-lora";
    case Mode::kFinetuneQlora:
      return "finetune-qlora";
  }
  return "?";
}

Mode ParseMode(const std::string& text) {
  if (text == "infer") return Mode::kInference;
  if (text == "train" || text == "finetune-full") return Mode::kTraining;
  if (text == "finetune-lora") return Mode::kFinetuneLora;
  if (text == "finetune-qlora") return Mode::kFinetuneQlora;
  throw InputError({"", 0, "mode"}, "unknown mode '" + text +
                                        "' (valid: infer, train, finetune-full, finetune-lora, "
                                        "finetune-qlora)");
}

Recompute ParseRecompute(const std::string& text) {
  if (text == "none") return Recompute::kNone;
  if (text == "selective") return Recompute::kSelective;
  if (text == "full") return Recompute::kFull;
  throw InputError({"", 0, "recompute"},
                   "unknown recompute '" + text + "' (valid: none, selective, full)");
}

bool Validate(const Workload& w, std::string* why) {
  auto fail = [&](const std::string& message) {
    if (why) *why = message;
    return false;
  };
  if (w.batch < 1 || w.batch > kMaxBatch) {
    return fail(fmt::format("batch must be in 1..{}, got {}", kMaxBatch, w.batch));
  }
  if (w.prompt_tokens < 1)
    return fail(fmt::format("prompt tokens must be >= 1, got {}", w.prompt_tokens));
  if (w.gen_tokens < 0)
    return fail(fmt::format("generated tokens must be >= 0, got {}", w.gen_tokens));
  if (w.prompt_tokens > kMaxContextTokens || w.gen_tokens > kMaxContextTokens - w.prompt_tokens) {
    return fail(
        fmt::format("prompt + generated tokens must be at most {} per sequence, got {} + {}",
                    kMaxContextTokens, w.prompt_tokens, w.gen_tokens));
  }
  const Parallelism& p = w.parallel;
  if (p.tensor < 1 || p.pipeline < 1 || p.expert < 1 || p.data < 1) {
    return fail("parallel degrees must be >= 1");
  }
  if (p.tensor > kMaxParallelDegree || p.pipeline > kMaxParallelDegree ||
      p.expert > kMaxParallelDegree) {
    return fail(fmt::format("tp, pp and ep must each be at most {}", kMaxParallelDegree));
  }
  if (p.Devices() > kMaxDevices) {
    return fail(fmt::format("tp x pp x ep x dp = {} devices exceeds {}", p.Devices(), kMaxDevices));
  }
  if (w.zero_stage < 0 || w.zero_stage > 3) return fail("zero stage must be 0..3");
  if (w.micro_batch < 0 || w.micro_batch > w.batch) {
    return fail(
        fmt::format("micro-batch must be in 0..batch ({}), got {}", w.batch, w.micro_batch));
  }
  if (w.lora_rank < 1 || w.lora_rank > kMaxLoraRank) {
    return fail(fmt::format("lora rank must be in 1..{}, got {}", kMaxLoraRank, w.lora_rank));
  }
  if (!(w.memory_utilization > 0 && w.memory_utilization <= 1)) {
    return fail("memory utilization must be in (0, 1]");
  }
  return true;
}

}  // namespace rightsize

namespace rightsize {
Precision BaseWeightPrecision(const Workload& w) {
  return w.mode == Mode::kFinetuneQlora ? Precision::kNf4 : w.weights;
}
}  // namespace rightsize
