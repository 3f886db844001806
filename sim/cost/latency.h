// The latency model: the ONE forward model that turns per-operator costs (CountOps) into time on a
// device, and the phase-level figures built on it (TTFT, TPOT, end-to-end request latency,
// training step and run time).
//
// PredictStepTime_s is templated on the scalar so the calibrator calls exactly this code with
// ceres::Jet (derivatives w.r.t. EfficiencyParams) and `rightsize predict` with double: the two
// can never drift apart. It is header-inline and Jet-safe: the params enter only through
// arithmetic and pow() found by argument-dependent lookup (ceres::pow for Jets); nothing branches
// on a T value (branches look only at the double op costs and the hardware).
//
// Per operator (Williams, Waterman and Patterson 2009, the roofline model):
//   t_compute = flops / (peak x eta), t_memory = bytes / (bandwidth x eta_m)
//   t_op      = (t_compute^p + t_memory^p)^(1/p) + launches x kernel_overhead
// where the p-norm is a smooth max (exact max as p -> inf). Collectives use the alpha-beta model
// (Thakur, Rabenseifner and Gropp 2005; Patarasuk and Yuan 2009 for the ring):
//   all-reduce: alpha + 2 (n-1)/n x bytes / (link_bw x eta_link)
//   all-to-all, all-gather, reduce-scatter: alpha + (n-1)/n x bytes / (link_bw x eta_link)
//   send/recv : alpha +             bytes / (link_bw x eta_link)
// with alpha = link_latency_s + steps x the link's own latency per step (hardware spec), steps
// being the ring's hops: 2 (n-1) for an all-reduce, n-1 for the others, 1 for a send (NCCL's
// latency model: a base latency plus one hardware latency per ring step, src/graph/tuning.cc).
// A step then is:
//   inference: pipeline x sum(stage ops)  (one batch passes the stages in turn)
//   training : (1 + (pipeline-1)/m) x sum(per-micro-batch ops)  + sum(once-per-step ops)
//              (GPipe / 1F1B bubble fraction (p-1)/m; Narayanan et al. 2021, Sec. 2.2)
//   + step_overhead + sequences x sequence_overhead  (inference: host work per running sequence).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/cost/efficiency_params.h"
#include "sim/cost/op_count.h"
#include "sim/spec/hardware_spec.h"
#include "sim/spec/model_spec.h"
#include "sim/workload/workload.h"

namespace rightsize {

// What the forward model needs from (hardware, workload), resolved once so the hot loop does no
// map lookups.
struct DeviceRates {
  double matmul_peak_flops_per_s = 0.0;       // dense peak for the weight matmuls (> 0)
  double attention_peak_flops_per_s = 0.0;    // dense peak at the activation precision (> 0)
  double memory_bandwidth_bytes_per_s = 0.0;  // peak DRAM / HBM bandwidth (> 0)
  double link_bandwidth_bytes_per_s = 0.0;    // per direction, 0: no device-to-device link
  double link_latency_s = 0.0;                // per ring step of a collective over the link
  int pipeline = 1;                           // pipeline stages, >= 1
  bool training = false;                      // training / fine-tuning step (bubble schedule)
  // Micro-batches per optimizer step (training), >= 1: the pipeline bubble is (pipeline-1)/m.
  int64_t microbatches = 1;
};

// Resolves peaks for the workload's precisions (HardwareSpec::PeakFlopsPerS, so fp8 / int8 use
// the low-precision units where the device has them). microbatches <= 0 means w.batch (training
// with micro-batches of one sequence).
DeviceRates ResolveRates(const HardwareSpec& hw, const Workload& w, int64_t microbatches = 0);

// Throws the InputError for a collective on a device with no link (kept out of line).
[[noreturn]] void ThrowNoLink(const OpCost& op);

// Time of one operator, seconds (see the file comment for the formulas).
template <typename T>
T PredictOpTime_s(const OpCost& op, const DeviceRates& r, const T* params) {
  using std::pow;
  using P = EfficiencyParams;
  if (op.kind == OpKind::kComm) {
    const double n = op.participants;
    double factor = 1.0;  // send / recv
    double steps = 1.0;
    if (op.pattern == CommPattern::kAllReduce) {
      factor = 2.0 * (n - 1.0) / n;
      steps = 2.0 * (n - 1.0);
    }
    if (op.pattern == CommPattern::kAllToAll || op.pattern == CommPattern::kAllGather ||
        op.pattern == CommPattern::kReduceScatter) {
      factor = (n - 1.0) / n;
      steps = n - 1.0;
    }
    const T per_collective =
        params[P::kLinkLatency_s] + T(steps * r.link_latency_s) +
        T(factor * op.message_bytes / r.link_bandwidth_bytes_per_s) / params[P::kLinkEfficiency];
    return T(op.launches) * per_collective;
  }
  if (op.kind == OpKind::kHost) return T(op.launches) * params[P::kSequenceOverhead_s];
  const double peak =
      op.kind == OpKind::kMatmul ? r.matmul_peak_flops_per_s : r.attention_peak_flops_per_s;
  const T eta_c = op.kind == OpKind::kAttention ? params[P::kAttentionEfficiency]
                                                : params[P::kComputeEfficiency];
  const double bytes = op.bytes_read + op.bytes_written;
  T t = T(op.launches) * params[P::kKernelOverhead_s];
  if (op.flops > 0.0 && bytes > 0.0) {
    const T t_c = T(op.flops / peak) / eta_c;
    const T t_m = T(bytes / r.memory_bandwidth_bytes_per_s) / params[P::kMemoryEfficiency];
    const T p = params[P::kRooflineSharpness];
    t += pow(pow(t_c, p) + pow(t_m, p), T(1.0) / p);
  } else if (op.flops > 0.0) {
    t += T(op.flops / peak) / eta_c;
  } else if (bytes > 0.0) {
    t += T(bytes / r.memory_bandwidth_bytes_per_s) / params[P::kMemoryEfficiency];
  }
  return t;
}

// The two parts a step's time is made of. stage_s: one pipeline stage's share of the work of one
// micro-batch (CountOps counts the ops of one stage, L / pipeline layers, with its send / recv);
// once_s: the ops done once per step outside the pipeline schedule (host work per sequence,
// optimizer, data-parallel all-reduce). The fixed step_overhead_s comes on top of both.
template <typename T>
struct StepTimeParts {
  T stage_s;
  T once_s;
};

// Adds one op's time (PredictOpTime_s) to the part it belongs to. Ops are added in their order,
// so that a caller holding some op times from earlier (sim/cost/step_table.h) gets the same sums.
template <typename T>
void AddOpTime(const OpCost& op, const T& op_time_s, StepTimeParts<T>* parts) {
  if (op.once_per_step) {
    parts->once_s += op_time_s;
  } else {
    parts->stage_s += op_time_s;
  }
}

template <typename T>
StepTimeParts<T> PredictStepParts_s(const std::vector<OpCost>& ops, const DeviceRates& r,
                                    const T* params) {
  StepTimeParts<T> parts{T(0.0), T(0.0)};
  for (const OpCost& op : ops) {
    if (op.kind == OpKind::kComm && !(r.link_bandwidth_bytes_per_s > 0.0)) {
      ThrowNoLink(op);
    }
    AddOpTime(op, PredictOpTime_s(op, r, params), &parts);
  }
  return parts;
}

// A step's time from its parts: the pipeline schedule and the fixed step overhead.
template <typename T>
T StepTimeOfParts_s(const StepTimeParts<T>& parts, const DeviceRates& r, const T* params) {
  const double schedule = r.training
                              ? 1.0 + (r.pipeline - 1.0) / static_cast<double>(r.microbatches)
                              : static_cast<double>(r.pipeline);
  return T(schedule) * parts.stage_s + parts.once_s + params[EfficiencyParams::kStepOverhead_s];
}

// THE forward model: seconds for one step whose per-device operator costs are `ops` (from
// CountOps for that step). params: EfficiencyParams::kNumParams values, in Index order.
// Throws InputError when the ops need a link the device lacks.
template <typename T>
T PredictStepTime_s(const std::vector<OpCost>& ops, const DeviceRates& r, const T* params) {
  return StepTimeOfParts_s(PredictStepParts_s(ops, r, params), r, params);
}

// Pipelined inference (a serving engine keeps up to `pipeline` micro-batches in flight, one per
// stage): a batch occupies each stage for stage_s, so a new batch can enter every stage_s
// (throughput) while each batch takes pipeline x stage_s to come out (latency); the host work
// (once_s + step_overhead_s) is done once per batch, before it enters the first stage. With
// pipeline = 1, host_s + stage_s is PredictStepTime_s.
struct PipelinedStepTime {
  double stage_s = 0.0;  // time one stage spends on the batch
  double host_s = 0.0;   // once-per-batch host work: sequences x sequence_overhead + step_overhead
};
PipelinedStepTime PredictPipelinedStep(const std::vector<OpCost>& ops, const DeviceRates& r,
                                       const EfficiencyParams& params);

// The same, resolving rates from the hardware and workload (convenient, slower in a loop).
template <typename T>
T PredictStepTime_s(const std::vector<OpCost>& ops, const HardwareSpec& hw, const Workload& w,
                    const T* params) {
  return PredictStepTime_s(ops, ResolveRates(hw, w), params);
}

// Where the time of a step goes (double only; for reports and tests).
struct StepBreakdown {
  double step_s = 0.0;      // PredictStepTime_s
  double compute_s = 0.0;   // sum over ops of flops / (peak x eta), ignoring memory
  double memory_s = 0.0;    // sum over ops of bytes / (bandwidth x eta_m), ignoring compute
  double comm_s = 0.0;      // collectives
  double overhead_s = 0.0;  // kernel launches + step overhead
  double flops = 0.0;       // per device
  double bytes = 0.0;       // per device, read + written
  // "compute", "memory" or "communication": the largest of compute_s, memory_s, comm_s.
  const char* bound = "";
};
StepBreakdown AnalyseStep(const std::vector<OpCost>& ops, const DeviceRates& r,
                          const EfficiencyParams& params);
// One op's terms of a StepBreakdown, added to *b (AnalyseStep adds every op's in order; the other
// fields are left alone). op_time_s: PredictOpTime_s of the op.
void AddToBreakdown(const OpCost& op, double op_time_s, const DeviceRates& r,
                    const EfficiencyParams& params, StepBreakdown* b);
// The last of AnalyseStep, once every op is added: the step overhead and the bound.
void FinishBreakdown(const EfficiencyParams& params, StepBreakdown* b);

// Phase-level figures for one configuration. Inference: TTFT is the prefill of the whole batch;
// TPOT is the decode step at the mean context prompt + gen/2 (decode time is affine in the
// context, so the mid-point step is the mean step); e2e = TTFT + (gen - 1) x TPOT.
struct LatencyEstimate {
  bool feasible = false;
  std::string reason;  // why not, when !feasible (out of memory, no link, ...)
  // Inference.
  double ttft_s = 0.0;                // time to first token: prefill of the batch
  double prefill_tokens_per_s = 0.0;  // batch x prompt / ttft
  double tpot_s = 0.0;                // time per output token (= inter-token latency)
  double decode_tokens_per_s = 0.0;   // batch / tpot, one replica
  double e2e_latency_s = 0.0;         // one request, whole batch in lock-step
  double requests_per_s = 0.0;        // batch / e2e, one replica, static batching
  StepBreakdown prefill;
  StepBreakdown decode;
  // Training / fine-tuning.
  double train_step_s = 0.0;                  // one optimizer step of batch sequences per replica
  double train_tokens_per_s = 0.0;            // all replicas
  double train_flops_per_s_per_device = 0.0;  // achieved, counting recompute (HFU)
  double model_flops_utilization = 0.0;       // (fwd + bwd FLOPs, no recompute) / (time x peak)
  StepBreakdown train;
};

LatencyEstimate EstimateLatency(const ModelSpec& model, const HardwareSpec& hw, const Workload& w,
                                const EfficiencyParams& params = EfficiencyParams::Defaults());
// EstimateLatency's inference figures (ttft_s .. requests_per_s) from e->prefill and e->decode:
// for callers that predict those steps themselves (sim/plan/sweep.cc, from operator tables).
void SetInferenceFigures(const Workload& w, LatencyEstimate* e);

// Decode step time at a given batch and context (seconds), and prefill time of `batch` prompts of
// `prompt_tokens`; used by the serving model. Throw like PredictStepTime_s.
double DecodeStepTime_s(const ModelSpec& model, const HardwareSpec& hw, const Workload& w,
                        int64_t batch, int64_t context_tokens, const EfficiencyParams& params);
double PrefillTime_s(const ModelSpec& model, const HardwareSpec& hw, const Workload& w,
                     int64_t batch, int64_t prompt_tokens, const EfficiencyParams& params);

// Training run of `tokens` tokens: steps = tokens / (batch x seq x data), time = steps x step.
struct TrainingRun {
  double steps = 0.0;
  double time_s = 0.0;
  double device_hours = 0.0;  // time x all devices / 3600
};
TrainingRun EstimateTrainingRun(const LatencyEstimate& step, const Workload& w, double tokens);

// Why a configuration cannot run on the hardware (a missing link, a parallel layout the model
// cannot be split into: sim/workload/parallel_layout.h, memory), or "" if it can.
std::string InfeasibleReason(const ModelSpec& model, const HardwareSpec& hw, const Workload& w);
// The part of InfeasibleReason that does not depend on batch or lengths: a missing link or a
// layout the model cannot be split into ("" if none).
std::string LayoutInfeasibleReason(const ModelSpec& model, const HardwareSpec& hw,
                                   const Parallelism& parallel);

}  // namespace rightsize
