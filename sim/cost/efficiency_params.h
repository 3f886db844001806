// EfficiencyParams: the free parameters of the latency model (latency.h), as one self-describing
// fixed-size block so the calibrator (sim/fit) can hand Ceres a plain `T params[kNumParams]` and
// read names, defaults and bounds from here.
//
// The defaults are uncalibrated engineering priors, each with its origin below. They are what
// `rightsize predict` uses until `rightsize calibrate` writes a fitted set; docs/latency.md
// reports how far they are from measured runs.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <string>

namespace rightsize {

struct EfficiencyParams {
  // Indices into values (and into the calibrator's parameter array).
  enum Index : int {
    // Fraction of the dense peak FLOP/s a weight matmul (GEMM) sustains, (0, 1]. Default 0.70:
    // large cuBLAS GEMMs reach 70-80% of the datasheet dense peak on A100 / H100 (NVIDIA
    // "Matrix multiplication background" guide; the vidur-profiling GEMM medians in
    // data/raw/vidur-profiling sit in that band for >= 1k tokens).
    kComputeEfficiency = 0,
    // Fraction of the dense peak the attention core (QK^T, softmax, AV) sustains, (0, 1].
    // Default 0.45: FlashAttention-2 forward reaches 50-73% of A100 peak at head_dim 128 and
    // long sequences, less for short ones (Dao 2023, Sec. 4.1, Fig. 4).
    kAttentionEfficiency = 1,
    // Fraction of the peak DRAM / HBM bandwidth a streaming kernel sustains, (0, 1]. Default
    // 0.80: STREAM-like copies reach ~80-90% of HBM peak on A100 / H100, and memory-bound
    // decode GEMVs somewhat less (NVIDIA "GPU Performance Background" guide; Williams et al.
    // 2009 roofline uses the measured STREAM bandwidth for the same reason).
    kMemoryEfficiency = 2,
    // Seconds of fixed cost per kernel launch, [0, 1e-3]. Default 4e-6: a CUDA kernel launch
    // plus its tail costs a few microseconds when not hidden by CUDA graphs (NVIDIA CUDA C++
    // Best Practices Guide, "Kernel launch overhead").
    kKernelOverhead_s = 3,
    // Seconds of fixed cost per model step (scheduler, sampling, host-device sync), [0, 1].
    // Default 1e-3: a serving engine's per-iteration CPU work is of order a millisecond
    // (vLLM v0.6 performance blog, Sep 2024, which measured CPU overhead as a large share of
    // small-model decode steps). Engine-dependent: the first thing to calibrate.
    kStepOverhead_s = 4,
    // Fraction of the per-direction link bandwidth a collective sustains, (0, 1]. Default 0.75:
    // NCCL all-reduce bus bandwidth on NVLink reaches ~75-80% of the link peak for large
    // messages (nccl-tests PERFORMANCE.md, busBw vs algBw).
    kLinkEfficiency = 5,
    // Seconds of fixed latency per collective, [0, 1e-2]: the base of the alpha of the
    // alpha-beta model, to which the link's own latency per ring step (the hardware spec's
    // link_latency_s) is added. Default 6.6e-6: NCCL's base latency of a ring collective with
    // its low-latency protocol (baseLat, Ring / LL, in src/graph/tuning.cc of NCCL 2.19+); with
    // 0.6 us per NVLink step an 8-GPU all-reduce costs 6.6 + 14 x 0.6 = 15 us, a 2-GPU one 7.8 us.
    kLinkLatency_s = 6,
    // Exponent p of the smooth roofline max (t_c^p + t_m^p)^(1/p), [1, 32]. Default 4: the
    // smoothed time is within 19% (2^(1/4)) of max(t_c, t_m) at the ridge and within 1% a
    // factor 3 away from it, while keeping derivatives useful for the fit.
    kRooflineSharpness = 7,
    // Seconds of host work per sequence in a serving step (scheduling, sampling, detokenising,
    // streaming each sequence's output), [0, 1e-3]. It grows with the batch, unlike
    // step_overhead_s: the vLLM v0.6 blog (Sep 2024) profiled v0.5.3 serving Llama-3-8B on one
    // H100 and found the GPU busy 38% of the time, the API server (33%) and the scheduler (29%)
    // taking the rest, work done for every running sequence each step. Default 1e-5: engines with
    // an asynchronous, batched host path (vLLM >= 0.6, V1) spend of order 10 us per sequence;
    // older ones several times more. Engine- and host-dependent: calibrate it.
    kSequenceOverhead_s = 8,
  };
  static constexpr int kNumParams = 9;
  static constexpr std::array<const char*, kNumParams> kParamNames = {
      "compute_efficiency", "attention_efficiency", "memory_efficiency",
      "kernel_overhead_s",  "step_overhead_s",      "link_efficiency",
      "link_latency_s",     "roofline_sharpness",   "sequence_overhead_s"};
  static constexpr std::array<double, kNumParams> kDefaults = {0.70, 0.45,   0.80, 4e-6, 1e-3,
                                                               0.75, 6.6e-6, 4.0,  1e-5};
  // Prior standard deviation of log(parameter) around its default, used by the calibrator's
  // Gaussian priors (sim/fit/calibrator.h) so a parameter the data cannot see stays at its
  // default with this spread, and prediction intervals carry it. Each is the half-width, in log
  // units, of the range the sources above report (one sd ~ the range's edge):
  //   compute 0.25: large GEMMs sustain 55-90% of the dense peak across A100 / H100 / consumer
  //     parts (NVIDIA matmul guide; vidur-profiling medians 0.55-0.85).
  //   attention 0.5: FlashAttention-2 50-73% at long sequences, FlashAttention-1 and eager
  //     attention 20-40%, short sequences lower (Dao 2023, Fig. 4 and Sec. 4.1).
  //   memory 0.2: streaming kernels sustain 65-95% of peak bandwidth (STREAM on HBM2e / HBM3).
  //   kernel overhead 1.0: 1-10 us per launch, ~0 under CUDA graphs (CUDA Best Practices).
  //   step overhead 1.5: 0.1-10 ms per iteration across engines (vLLM v0.6 blog; HF
  //     transformers generate() loops near 10 ms, data/calibrations/optimum-*.json).
  //   link efficiency 0.3: NCCL bus bandwidth 55-85% of link peak (nccl-tests PERFORMANCE.md).
  //   link latency 1.0: 3-30 us per small intra-node collective (nccl-tests; NCCL's base latency
  //     is 4.4-14 us across algorithms and protocols in tuning.cc).
  //   roofline sharpness 0.5: 2-8 (the knee's width is not measured by any source; this keeps
  //     it between a soft and a near-hard max).
  //   sequence overhead 2.0: 2 us-0.8 ms per sequence (vLLM V1 tens of us, v0.5 and HF
  //     generate() hundreds; vLLM v0.6 blog, the shipped calibrations).
  static constexpr std::array<double, kNumParams> kPriorSdLog = {0.25, 0.5, 0.2, 1.0, 1.5,
                                                                 0.3,  1.0, 0.5, 2.0};
  // Bounds for the calibrator (SetParameterLower/UpperBound) and for Validate().
  static constexpr std::array<double, kNumParams> kLowerBounds = {0.01, 0.01, 0.01, 0.0, 0.0,
                                                                  0.01, 0.0,  1.0,  0.0};
  static constexpr std::array<double, kNumParams> kUpperBounds = {1.0, 1.0,  1.0,  1e-3, 1.0,
                                                                  1.0, 1e-2, 32.0, 1e-3};

  std::array<double, kNumParams> values = kDefaults;

  const double* data() const { return values.data(); }
  double* data() { return values.data(); }
  double operator[](Index i) const { return values[static_cast<std::size_t>(i)]; }
  double& operator[](Index i) { return values[static_cast<std::size_t>(i)]; }

  static EfficiencyParams Defaults() { return EfficiencyParams{}; }
  static const char* Name(int i) { return kParamNames[static_cast<std::size_t>(i)]; }
};

// Parameters for commands that price several devices: the set fitted on a device where a
// calibration has one (by_hardware, keyed by hardware id), `common` for every other device.
// Built implicitly from one EfficiencyParams (every device alike).
struct DeviceEfficiencyParams {
  EfficiencyParams common;
  std::map<std::string, EfficiencyParams> by_hardware;
  // `common` was fitted by a calibration (not the defaults): its host overheads are measured.
  bool common_calibrated = false;

  DeviceEfficiencyParams(
      const EfficiencyParams& all = EfficiencyParams::Defaults())  // NOLINT: implicit
      : common(all) {}
  const EfficiencyParams& For(const std::string& hardware_id) const {
    const auto it = by_hardware.find(hardware_id);
    return it == by_hardware.end() ? common : it->second;
  }
  // Whether the device's efficiencies (host overheads included) come from a calibration.
  bool CalibratedFor(const std::string& hardware_id) const {
    return common_calibrated || by_hardware.count(hardware_id) > 0;
  }
};

// Every value inside [kLowerBounds, kUpperBounds] and finite; otherwise fills *why.
inline bool Validate(const EfficiencyParams& p, std::string* why) {
  for (int i = 0; i < EfficiencyParams::kNumParams; ++i) {
    const double v = p.values[static_cast<std::size_t>(i)];
    const bool ok = v >= EfficiencyParams::kLowerBounds[static_cast<std::size_t>(i)] &&
                    v <= EfficiencyParams::kUpperBounds[static_cast<std::size_t>(i)];
    if (!ok) {
      if (why) {
        *why = std::string(EfficiencyParams::kParamNames[static_cast<std::size_t>(i)]) + " = " +
               std::to_string(v) + " is outside its bounds";
      }
      return false;
    }
  }
  return true;
}

}  // namespace rightsize
