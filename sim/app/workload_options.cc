#include "sim/app/workload_options.h"

#include <fmt/format.h>

#include "sim/util/error.h"

namespace rightsize::app {

Workload BuildWorkload(const WorkloadOptions& o) {
  Workload w;
  w.mode = ParseMode(o.mode);
  w.batch = o.batch;
  w.prompt_tokens = o.prompt_tokens;
  w.gen_tokens = o.gen_tokens;
  w.weights = ParsePrecision(o.weights, {"", 0, "--weights"});
  w.activations = ParsePrecision(o.activations, {"", 0, "--activations"});
  w.kv_cache = ParsePrecision(o.kv, {"", 0, "--kv"});
  w.parallel.tensor = o.tp;
  w.parallel.pipeline = o.pp;
  w.parallel.expert = o.ep;
  const int64_t per_replica = int64_t{o.tp} * o.pp * o.ep;
  if (per_replica < 1) throw InputError({"", 0, "--tp/--pp/--ep"}, "parallel degrees must be >= 1");
  if (o.devices != 0) {
    if (o.devices < per_replica || o.devices % per_replica != 0) {
      throw InputError(
          {"", 0, "--devices"},
          fmt::format("{} devices is not a multiple of tp x pp x ep = {}", o.devices, per_replica));
    }
    w.parallel.data = static_cast<int>(o.devices / per_replica);  // <= kMaxDevices (flag range)
  }
  w.zero_stage = o.zero;
  w.recompute = ParseRecompute(o.recompute);
  if (o.attention_kernel != "flash" && o.attention_kernel != "eager") {
    throw InputError({"", 0, "--attention-kernel"},
                     "unknown attention kernel '" + o.attention_kernel + "' (valid: flash, eager)");
  }
  w.flash_attention = o.attention_kernel == "flash";
  w.sequence_parallel = !o.no_sequence_parallel;
  w.lora_rank = o.lora_rank;
  w.micro_batch = o.micro_batch;
  w.memory_utilization = o.memory_utilization;
  std::string why;
  if (!Validate(w, &why)) throw InputError({"", 0, "workload"}, why);
  return w;
}

}  // namespace rightsize::app
