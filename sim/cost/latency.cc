#include "sim/cost/latency.h"

#include <algorithm>

#include <fmt/format.h>

#include "sim/cost/memory.h"
#include "sim/util/error.h"
#include "sim/util/units.h"
#include "sim/workload/parallel_layout.h"

namespace rightsize {

void ThrowNoLink(const OpCost& op) {
  throw InputError({"", 0, "link_bandwidth_bytes_per_s"},
                   fmt::format("{} needs a device-to-device link and the hardware has none "
                               "(link_bandwidth_bytes_per_s = 0)",
                               op.name));
}

DeviceRates ResolveRates(const HardwareSpec& hw, const Workload& w, int64_t microbatches) {
  DeviceRates r;
  r.matmul_peak_flops_per_s = hw.PeakFlopsPerS(BaseWeightPrecision(w), w.activations);
  // The attention core multiplies activations by the KV cache: it runs at the activation
  // precision (a quantised KV cache is dequantised on load, as in vLLM's fp8 KV).
  r.attention_peak_flops_per_s = hw.PeakFlopsPerS(w.activations, w.activations);
  r.memory_bandwidth_bytes_per_s = hw.memory_bandwidth_bytes_per_s;
  r.link_bandwidth_bytes_per_s = hw.link_bandwidth_bytes_per_s;
  r.link_latency_s = hw.link_latency_s;
  r.pipeline = w.parallel.pipeline;
  r.training = IsTrainingMode(w.mode);
  r.microbatches = microbatches > 0    ? microbatches
                   : w.micro_batch > 0 ? (w.batch + w.micro_batch - 1) / w.micro_batch
                                       : std::max<int64_t>(1, w.batch);
  return r;
}

PipelinedStepTime PredictPipelinedStep(const std::vector<OpCost>& ops, const DeviceRates& r,
                                       const EfficiencyParams& params) {
  const StepTimeParts<double> parts = PredictStepParts_s(ops, r, params.data());
  PipelinedStepTime t;
  t.stage_s = parts.stage_s;
  t.host_s = parts.once_s + params[EfficiencyParams::kStepOverhead_s];
  return t;
}

StepBreakdown AnalyseStep(const std::vector<OpCost>& ops, const DeviceRates& r,
                          const EfficiencyParams& params) {
  StepBreakdown b;
  const double* p = params.data();
  StepTimeParts<double> parts{0.0, 0.0};
  for (const OpCost& op : ops) {
    if (op.kind == OpKind::kComm && !(r.link_bandwidth_bytes_per_s > 0.0)) ThrowNoLink(op);
    const double op_s = PredictOpTime_s(op, r, p);
    AddOpTime(op, op_s, &parts);
    AddToBreakdown(op, op_s, r, params, &b);
  }
  b.step_s = StepTimeOfParts_s(parts, r, p);
  FinishBreakdown(params, &b);
  return b;
}

void AddToBreakdown(const OpCost& op, double op_time_s, const DeviceRates& r,
                    const EfficiencyParams& params, StepBreakdown* b) {
  using P = EfficiencyParams;
  if (op.kind == OpKind::kComm) {
    b->comm_s += op_time_s;
    return;
  }
  if (op.kind == OpKind::kHost) {
    b->overhead_s += op_time_s;
    return;
  }
  const double peak =
      op.kind == OpKind::kMatmul ? r.matmul_peak_flops_per_s : r.attention_peak_flops_per_s;
  const double eta = op.kind == OpKind::kAttention ? params[P::kAttentionEfficiency]
                                                   : params[P::kComputeEfficiency];
  b->compute_s += op.flops / (peak * eta);
  b->memory_s += (op.bytes_read + op.bytes_written) /
                 (r.memory_bandwidth_bytes_per_s * params[P::kMemoryEfficiency]);
  b->overhead_s += op.launches * params[P::kKernelOverhead_s];
  b->flops += op.flops;
  b->bytes += op.bytes_read + op.bytes_written;
}

void FinishBreakdown(const EfficiencyParams& params, StepBreakdown* b) {
  b->overhead_s += params[EfficiencyParams::kStepOverhead_s];
  b->bound = "compute";
  if (b->memory_s > b->compute_s && b->memory_s >= b->comm_s) b->bound = "memory";
  if (b->comm_s > b->compute_s && b->comm_s > b->memory_s) b->bound = "communication";
}

std::string LayoutInfeasibleReason(const ModelSpec& m, const HardwareSpec& hw,
                                   const Parallelism& p) {
  if (p.tensor * p.pipeline * p.expert > 1 && !(hw.link_bandwidth_bytes_per_s > 0)) {
    return fmt::format(
        "{} has no device-to-device link (link_bandwidth_bytes_per_s = 0) for "
        "tp={} pp={} ep={}",
        hw.id, p.tensor, p.pipeline, p.expert);
  }
  return ParallelLayoutError(m, p);
}

std::string InfeasibleReason(const ModelSpec& m, const HardwareSpec& hw, const Workload& w) {
  if (std::string layout = LayoutInfeasibleReason(m, hw, w.parallel); !layout.empty()) {
    return layout;
  }
  const FitVerdict fit = CheckFit(m, hw, w);
  if (!fit.fits) return fit.reason;
  return "";
}

double DecodeStepTime_s(const ModelSpec& m, const HardwareSpec& hw, const Workload& w,
                        int64_t batch, int64_t context_tokens, const EfficiencyParams& params) {
  Step step;
  step.phase = Phase::kDecode;
  step.batch = batch;
  step.new_tokens = 1;
  step.past_tokens = std::max<int64_t>(0, context_tokens - 1);
  return PredictStepTime_s(CountOps(m, w, step), ResolveRates(hw, w), params.data());
}

double PrefillTime_s(const ModelSpec& m, const HardwareSpec& hw, const Workload& w, int64_t batch,
                     int64_t prompt_tokens, const EfficiencyParams& params) {
  Step step;
  step.phase = Phase::kPrefill;
  step.batch = batch;
  step.new_tokens = prompt_tokens;
  step.past_tokens = 0;
  return PredictStepTime_s(CountOps(m, w, step), ResolveRates(hw, w), params.data());
}

LatencyEstimate EstimateLatency(const ModelSpec& m, const HardwareSpec& hw, const Workload& w,
                                const EfficiencyParams& params) {
  LatencyEstimate e;
  e.reason = InfeasibleReason(m, hw, w);
  if (!e.reason.empty()) return e;
  e.feasible = true;
  const DeviceRates rates = ResolveRates(hw, w);
  const double batch = static_cast<double>(w.batch);
  if (w.mode == Mode::kInference) {
    e.prefill = AnalyseStep(CountOps(m, w, PrefillStep(w)), rates, params);
    // Mean decode step: context prompt + gen/2 (the step at past_tokens = prompt + gen/2).
    const int64_t mid = w.prompt_tokens + w.gen_tokens / 2;
    e.decode = AnalyseStep(CountOps(m, w, DecodeStep(w, mid)), rates, params);
    SetInferenceFigures(w, &e);
    return e;
  }
  e.train = AnalyseStep(CountOps(m, w, TrainStep(w)), rates, params);
  e.train_step_s = e.train.step_s;
  const double tokens_per_step =
      batch * static_cast<double>(w.prompt_tokens) * static_cast<double>(w.parallel.data);
  e.train_tokens_per_s = tokens_per_step / e.train_step_s;
  e.train_flops_per_s_per_device = e.train.flops / e.train_step_s;
  // Model FLOPs exclude recomputation (Chowdhery et al. 2022, App. B: MFU vs HFU).
  Workload no_recompute = w;
  no_recompute.recompute = Recompute::kNone;
  const double model_flops = Sum(CountOps(m, no_recompute, TrainStep(no_recompute))).flops;
  e.model_flops_utilization = model_flops / (e.train_step_s * rates.matmul_peak_flops_per_s);
  return e;
}

void SetInferenceFigures(const Workload& w, LatencyEstimate* e) {
  const double batch = static_cast<double>(w.batch);
  e->ttft_s = e->prefill.step_s;
  e->prefill_tokens_per_s = batch * static_cast<double>(w.prompt_tokens) / e->ttft_s;
  e->tpot_s = e->decode.step_s;
  e->decode_tokens_per_s = batch / e->tpot_s;
  e->e2e_latency_s =
      e->ttft_s + static_cast<double>(std::max<int64_t>(0, w.gen_tokens - 1)) * e->tpot_s;
  e->requests_per_s = batch / e->e2e_latency_s;
}

TrainingRun EstimateTrainingRun(const LatencyEstimate& step, const Workload& w, double tokens) {
  TrainingRun run;
  if (!step.feasible || !(step.train_tokens_per_s > 0)) return run;
  const double tokens_per_step = static_cast<double>(w.batch) *
                                 static_cast<double>(w.prompt_tokens) *
                                 static_cast<double>(w.parallel.data);
  run.steps = tokens / tokens_per_step;
  run.time_s = run.steps * step.train_step_s;
  run.device_hours = run.time_s * w.parallel.Devices() / kSecondsPerHour;
  return run;
}

}  // namespace rightsize
