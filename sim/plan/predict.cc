#include "sim/plan/predict.h"

#include "sim/cost/op_count.h"

namespace rightsize {
namespace {

double TotalFlopsAllDevices(const ModelSpec& m, const Workload& w, const Step& step) {
  // Per-device ops x devices of one replica: TP and EP split the work, PP splits layers.
  Workload single = w;
  single.parallel = Parallelism{};
  return Sum(CountOps(m, single, step)).flops;
}

}  // namespace

Prediction Predict(const ModelSpec& m, const HardwareSpec& hw, const Workload& w) {
  Prediction p;
  p.model = &m;
  p.hardware = &hw;
  p.workload = w;
  p.params = CountParams(m);
  const double prompt_tokens = static_cast<double>(w.batch * w.prompt_tokens);
  if (w.mode == Mode::kInference) {
    p.flops.prefill_flops = TotalFlopsAllDevices(m, w, PrefillStep(w));
    p.flops.prefill_flops_per_token = p.flops.prefill_flops / prompt_tokens;
    p.flops.decode_flops_per_token = ForwardFlopsPerToken(m, w.ContextTokens());
    for (int64_t t = 0; t < w.gen_tokens; ++t) {
      p.flops.decode_flops += static_cast<double>(w.batch) * ForwardFlopsPerToken(m, w.prompt_tokens + t + 1);
    }
  } else {
    p.flops.train_flops_per_token = TotalFlopsAllDevices(m, w, TrainStep(w)) / prompt_tokens;
  }
  p.memory = CheckFit(m, hw, w);
  return p;
}

nlohmann::json ToJson(const Prediction& p) {
  const Workload& w = p.workload;
  nlohmann::json j;
  j["schema_version"] = 1;
  j["model"] = {{"id", p.model->id},
                {"total_params", p.params.Total()},
                {"active_params", p.params.Active()},
                {"active_matmul_params", p.params.ActiveMatmul()},
                {"kv_cache_bytes_per_token", KvCacheBytesPerToken(*p.model, w.kv_cache)}};
  j["hardware"] = {{"id", p.hardware->id},
                   {"memory_bytes", p.hardware->memory_bytes},
                   {"devices", w.parallel.Devices()}};
  j["workload"] = {{"mode", ToString(w.mode)},
                   {"batch", w.batch},
                   {"prompt_tokens", w.prompt_tokens},
                   {"gen_tokens", w.gen_tokens},
                   {"weights_precision", ToString(BaseWeightPrecision(w))},
                   {"activations_precision", ToString(w.activations)},
                   {"kv_precision", ToString(w.kv_cache)},
                   {"tp", w.parallel.tensor},
                   {"pp", w.parallel.pipeline},
                   {"ep", w.parallel.expert},
                   {"dp", w.parallel.data}};
  if (w.mode == Mode::kInference) {
    j["flops"] = {{"prefill_flops_per_token", p.flops.prefill_flops_per_token},
                  {"decode_flops_per_token", p.flops.decode_flops_per_token},
                  {"prefill_flops", p.flops.prefill_flops},
                  {"decode_flops", p.flops.decode_flops}};
  } else {
    j["flops"] = {{"train_flops_per_token", p.flops.train_flops_per_token}};
  }
  const FitVerdict& v = p.memory;
  j["memory"] = {{"fits", v.fits},
                 {"weights_bytes", v.breakdown.weights_bytes},
                 {"kv_cache_bytes", v.breakdown.kv_cache_bytes},
                 {"activation_bytes", v.breakdown.activation_bytes},
                 {"gradient_bytes", v.breakdown.gradient_bytes},
                 {"optimizer_bytes", v.breakdown.optimizer_bytes},
                 {"adapter_bytes", v.breakdown.adapter_bytes},
                 {"required_bytes_per_device", v.required_bytes},
                 {"capacity_bytes_per_device", v.capacity_bytes},
                 {"shortfall_bytes", v.shortfall_bytes},
                 {"largest_component", v.largest_component},
                 {"max_batch", v.max_batch},
                 {"max_context_tokens", v.max_context_tokens},
                 {"reason", v.reason}};
  return j;
}

}  // namespace rightsize
