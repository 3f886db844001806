// A workload as text and numbers (what the command-line flags and the Python keywords give),
// and its validated conversion into a Workload.
#pragma once

#include <cstdint>
#include <string>

#include "sim/workload/workload.h"

namespace rightsize::app {

struct WorkloadOptions {
  std::string mode = "infer";   // infer | train | finetune-full | finetune-lora | finetune-qlora
  int64_t batch = 1;            // sequences per step, >= 1
  int64_t prompt_tokens = 512;  // prompt (training: sequence) tokens, >= 1
  int64_t gen_tokens = 128;     // generated tokens per sequence, >= 0
  std::string weights = "bf16";
  std::string activations = "bf16";
  std::string kv = "bf16";
  int devices = 0;  // devices in total; 0: tp x pp x ep (the rest is data parallel)
  int tp = 1, pp = 1, ep = 1;
  int zero = 0;  // ZeRO stage 0-3
  std::string recompute = "selective";
  std::string attention_kernel = "flash";  // flash | eager (training activations)
  bool no_sequence_parallel = false;       // training: norms and dropouts not split over TP ranks
  int64_t lora_rank = 16;
  int64_t micro_batch = 0;  // sequences per micro-batch (training); 0 = the whole batch at once
  double memory_utilization = 0.9;  // fraction of device memory the engine may use, (0, 1]
};

// Validates and converts; throws InputError naming the flag.
Workload BuildWorkload(const WorkloadOptions& options);

}  // namespace rightsize::app
