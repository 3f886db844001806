#include "sim/cli/workload_options.h"

#include "sim/cli/numeric_flags.h"

namespace rightsize {

void AddWorkloadOptions(CLI::App* c, app::WorkloadOptions* o) {
  const double max_batch = static_cast<double>(kMaxBatch);
  const double max_context = static_cast<double>(kMaxContextTokens);
  c->add_option("--mode", o->mode, "infer | train | finetune-full | finetune-lora | finetune-qlora")
      ->capture_default_str();
  c->add_option("--batch", o->batch, "sequences per step")
      ->capture_default_str()
      ->check(FiniteIn(1, max_batch));
  c->add_option("--prompt-tokens", o->prompt_tokens, "prompt (training: sequence) tokens")
      ->capture_default_str()
      ->check(FiniteIn(1, max_context));
  c->add_option("--gen-tokens", o->gen_tokens, "generated tokens per sequence")
      ->capture_default_str()
      ->check(FiniteIn(0, max_context));
  c->add_option("--weights", o->weights,
                "weight precision or scheme: fp32 bf16 fp16 fp8 fp8_block int8 int4 nf4 mxfp4 "
                "nvfp4 q8_0 q4_k q5_k q6_k q4_k_m released")
      ->capture_default_str();
  c->add_option("--activations", o->activations, "activation precision")->capture_default_str();
  c->add_option("--kv", o->kv, "KV-cache precision")->capture_default_str();
  c->add_option("--devices", o->devices,
                "devices in total (default tp x pp x ep); the rest is data parallel")
      ->check(FiniteIn(0, static_cast<double>(kMaxDevices)));
  c->add_option("--tp", o->tp, "tensor-parallel degree")
      ->capture_default_str()
      ->check(FiniteIn(1, kMaxParallelDegree));
  c->add_option("--pp", o->pp, "pipeline-parallel degree")
      ->capture_default_str()
      ->check(FiniteIn(1, kMaxParallelDegree));
  c->add_option("--ep", o->ep, "expert-parallel degree")
      ->capture_default_str()
      ->check(FiniteIn(1, kMaxParallelDegree));
  c->add_option("--zero", o->zero, "ZeRO stage 0-3 (training)")
      ->capture_default_str()
      ->check(FiniteIn(0, 3));
  c->add_option("--recompute", o->recompute, "none | selective | full (training)")
      ->capture_default_str();
  c->add_option("--attention-kernel", o->attention_kernel,
                "flash | eager (training: eager attention stores the s x s scores)")
      ->capture_default_str();
  c->add_flag("--no-sequence-parallel", o->no_sequence_parallel,
              "training: norms and dropouts are not split over the TP ranks");
  c->add_option("--lora-rank", o->lora_rank, "LoRA rank")
      ->capture_default_str()
      ->check(FiniteIn(1, static_cast<double>(kMaxLoraRank)));
  c->add_option("--micro-batch", o->micro_batch,
                "training: sequences per micro-batch (0: the whole batch is held at once)")
      ->capture_default_str()
      ->check(FiniteIn(0, max_batch));
  c->add_option("--memory-utilization", o->memory_utilization,
                "fraction of device memory the engine may use")
      ->capture_default_str()
      ->check(PositiveUpTo(1));
}

}  // namespace rightsize
