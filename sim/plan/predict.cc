#include "sim/plan/predict.h"

#include <cmath>

#include <fmt/format.h>

#include "sim/cost/op_count.h"
#include "sim/spec/price_spec.h"
#include "sim/util/error.h"

namespace rightsize {
namespace {

double TotalFlopsAllDevices(const ModelSpec& m, const Workload& w, const Step& step) {
  // Per-device ops x devices of one replica: TP and EP split the work, PP splits layers.
  Workload single = w;
  single.parallel = Parallelism{};
  return Sum(CountOps(m, single, step)).flops;
}

}  // namespace

Prediction Predict(const Catalog& catalog, const ModelSpec& m, const HardwareSpec& hw,
                   const Workload& w, const PredictOptions& options) {
  if (!(options.usd_per_hour >= 0) || !(options.usd_per_hour <= kMaxUsdPerDeviceHour)) {
    throw InputError(
        {"", 0, "usd_per_hour"},
        fmt::format("must be in [0, {:.0e}], got {}", kMaxUsdPerDeviceHour, options.usd_per_hour));
  }
  if (!(options.train_tokens >= 0) || !std::isfinite(options.train_tokens)) {
    throw InputError({"", 0, "train_tokens"},
                     fmt::format("must be a finite number >= 0, got {}", options.train_tokens));
  }
  // Inference beyond the model's context window is not a configuration anyone can run (training
  // may extend the context, so its sequence length is not bounded by the model's).
  if (w.mode == Mode::kInference && m.max_context_tokens > 0 &&
      w.ContextTokens() > m.max_context_tokens) {
    throw InputError(
        {"", 0, "--prompt-tokens + --gen-tokens"},
        fmt::format(
            "{} + {} tokens exceed the context window of {} ({} tokens, max_context_tokens)",
            w.prompt_tokens, w.gen_tokens, m.id, m.max_context_tokens));
  }
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
    p.flops.decode_flops =
        static_cast<double>(w.batch) * ForwardFlopsOfTokens(m, w.prompt_tokens, w.gen_tokens);
  } else {
    p.flops.train_flops_per_token = TotalFlopsAllDevices(m, w, TrainStep(w)) / prompt_tokens;
  }
  p.memory = CheckFit(m, hw, w);
  p.latency = EstimateLatency(m, hw, w, options.params);
  p.price = ResolvePrice(catalog, hw.id, options.usd_per_hour);
  p.train_tokens = options.train_tokens;
  if (w.mode == Mode::kInference) {
    p.inference_cost = PriceInference(hw, w, p.latency, p.price);
  } else if (options.train_tokens > 0) {
    p.training_run = EstimateTrainingRun(p.latency, w, options.train_tokens);
    p.training_cost = PriceTraining(hw, w, p.latency, p.training_run, p.price);
  }
  return p;
}

namespace {

// A figure that exists only for feasible (and, for $, priced) configurations: null otherwise, so
// an infeasible configuration is never answered with a number.
nlohmann::json Figure(bool known, double value) {
  return known ? nlohmann::json(value) : nlohmann::json(nullptr);
}

nlohmann::json LatencyJson(const Prediction& p) {
  const LatencyEstimate& e = p.latency;
  const bool ok = e.feasible;
  nlohmann::json j = {{"feasible", ok}, {"reason", e.reason}};
  if (p.workload.mode == Mode::kInference) {
    j["ttft_s"] = Figure(ok, e.ttft_s);
    j["tpot_s"] = Figure(ok, e.tpot_s);
    j["e2e_latency_s"] = Figure(ok, e.e2e_latency_s);
    j["prefill_tokens_per_s"] = Figure(ok, e.prefill_tokens_per_s);
    j["decode_tokens_per_s"] = Figure(ok, e.decode_tokens_per_s);
    j["requests_per_s"] = Figure(ok, e.requests_per_s);
    j["prefill_bound"] = ok ? e.prefill.bound : "";
    j["decode_bound"] = ok ? e.decode.bound : "";
  } else {
    j["train_step_s"] = Figure(ok, e.train_step_s);
    j["train_tokens_per_s"] = Figure(ok, e.train_tokens_per_s);
    j["train_flops_per_s_per_device"] = Figure(ok, e.train_flops_per_s_per_device);
    j["model_flops_utilization"] = Figure(ok, e.model_flops_utilization);
    j["train_bound"] = ok ? e.train.bound : "";
  }
  return j;
}

nlohmann::json CostJson(const Prediction& p) {
  const bool ok = p.latency.feasible;
  const bool priced = ok && p.price.has_value();
  const bool powered = ok && p.hardware->tdp_w > 0;  // energy needs a known TDP
  nlohmann::json j;
  j["price_source"] = p.price ? p.price->source : "";
  j["usd_per_device_hour"] = Figure(p.price.has_value(), p.price ? p.price->usd_per_hour : 0.0);
  if (p.workload.mode == Mode::kInference) {
    const InferenceCost& c = p.inference_cost;
    j["usd_per_hour"] = Figure(priced, c.usd_per_hour);
    j["usd_per_million_input_tokens"] = Figure(priced, c.usd_per_million_input_tokens);
    j["usd_per_million_output_tokens"] = Figure(priced, c.usd_per_million_output_tokens);
    j["usd_per_request"] = Figure(priced, c.usd_per_request);
    j["prefill_power_w"] = Figure(powered, c.prefill_power_w);
    j["decode_power_w"] = Figure(powered, c.decode_power_w);
    j["j_per_input_token"] = Figure(powered, c.j_per_input_token);
    j["j_per_token"] = Figure(powered, c.j_per_output_token);
    j["j_per_request"] = Figure(powered, c.j_per_request);
  } else {
    const bool run = ok && p.train_tokens > 0;
    j["train_tokens"] = p.train_tokens;
    j["train_time_s"] = Figure(run, p.training_run.time_s);
    j["train_steps"] = Figure(run, p.training_run.steps);
    j["device_hours"] = Figure(run, p.training_cost.device_hours);
    j["train_usd"] = Figure(run && priced, p.training_cost.usd);
    j["train_energy_j"] = Figure(run && powered, p.training_cost.energy_j);
    j["j_per_token"] = Figure(run && powered, p.training_cost.j_per_token);
  }
  return j;
}

}  // namespace

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
  if (IsTrainingMode(w.mode)) j["workload"]["micro_batch"] = w.micro_batch;
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
  j["latency"] = LatencyJson(p);
  j["cost"] = CostJson(p);
  return j;
}

}  // namespace rightsize
