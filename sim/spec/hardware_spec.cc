#include "sim/spec/hardware_spec.h"

#include <cmath>
#include <vector>

#include "sim/util/error.h"

namespace rightsize {

std::string ToString(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::kGpu:
      return "gpu";
    case DeviceKind::kCpu:
      return "cpu";
    case DeviceKind::kSoc:
      return "soc";
  }
  return "?";
}

double HardwareSpec::PeakFlopsPerS(Precision weights, Precision activation) const {
  // mxfp4 / nvfp4 weights run on fp4 tensor cores where the device has them (the engine quantises
  // the activations to fp4 / fp8 on the fly); elsewhere they are dequantised like any weight-only
  // format.
  if (IsFp4Format(weights)) {
    auto fp4 = peak_flops_per_s.find(Precision::kFp4);
    if (fp4 != peak_flops_per_s.end() && fp4->second > 0) return fp4->second;
  }
  // Both operands must be in the low precision for the low-precision unit to be used.
  Precision compute = IsWeightOnlyFormat(weights) ? activation : weights;
  if (compute == Precision::kFp8Block) compute = Precision::kFp8;
  if (BitsPerValue(activation) > BitsPerValue(compute)) compute = activation;
  std::vector<Precision> chain;
  switch (compute) {
    case Precision::kInt8:
      chain = {Precision::kInt8, Precision::kFp8, Precision::kBf16, Precision::kFp16,
               Precision::kFp32};
      break;
    case Precision::kFp8:
      chain = {Precision::kFp8, Precision::kBf16, Precision::kFp16, Precision::kFp32};
      break;
    case Precision::kBf16:
      chain = {Precision::kBf16, Precision::kFp16, Precision::kFp32};
      break;
    case Precision::kFp16:
      chain = {Precision::kFp16, Precision::kBf16, Precision::kFp32};
      break;
    case Precision::kTf32:
      chain = {Precision::kTf32, Precision::kFp32};
      break;
    default:
      chain = {Precision::kFp32};
      break;
  }
  for (Precision p : chain) {
    auto it = peak_flops_per_s.find(p);
    if (it != peak_flops_per_s.end() && it->second > 0) return it->second;
  }
  throw InputError({id, 0, "peak_flops_per_s"},
                   "no peak FLOP/s known for " + ToString(compute) + " or a wider precision");
}

std::string TransferFamily(const HardwareSpec& hardware) {
  if (hardware.architecture.empty()) return "";
  if (hardware.board_class.empty()) return hardware.architecture;
  return hardware.architecture + "-" + hardware.board_class;
}

bool Validate(const HardwareSpec& h, std::string* why) {
  auto fail = [&](const std::string& message) {
    if (why) *why = message;
    return false;
  };
  if (!(h.memory_bytes > 0)) return fail("memory_bytes must be positive");
  if (!(h.memory_bandwidth_bytes_per_s > 0))
    return fail("memory_bandwidth_bytes_per_s must be positive");
  if (h.peak_flops_per_s.empty()) return fail("peak_flops_per_s needs at least one precision");
  for (const auto& [precision, flops] : h.peak_flops_per_s) {
    if (!(flops > 0) || !std::isfinite(flops)) {
      return fail("peak_flops_per_s." + ToString(precision) + " must be positive");
    }
  }
  if (h.link_bandwidth_bytes_per_s < 0) return fail("link_bandwidth_bytes_per_s must be >= 0");
  return true;
}

}  // namespace rightsize
