// Command-line flags that describe a workload, shared by predict, plan and later commands.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "sim/workload/workload.h"

namespace rightsize {

struct WorkloadOptions {
  std::string mode = "infer";
  int64_t batch = 1;
  int64_t prompt_tokens = 512;
  int64_t gen_tokens = 128;
  std::string weights = "bf16";
  std::string activations = "bf16";
  std::string kv = "bf16";
  int devices = 0;  // 0: tp x pp x ep
  int tp = 1, pp = 1, ep = 1;
  int zero = 0;
  std::string recompute = "selective";
  std::string attention_kernel = "flash";  // flash | eager (training activations)
  bool no_sequence_parallel = false;
  int64_t lora_rank = 16;
  int64_t micro_batch = 0;  // sequences per micro-batch (training); 0 = the whole batch at once
  double memory_utilization = 0.9;
};

void AddWorkloadOptions(CLI::App* command, WorkloadOptions* options);
// Validates and converts; throws InputError naming the flag.
Workload BuildWorkload(const WorkloadOptions& options);

}  // namespace rightsize
