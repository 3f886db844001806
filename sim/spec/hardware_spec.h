// HardwareSpec: one device SKU (GPU, CPU socket or SoC). Values come from models/hardware/*.yaml,
// each with its source; nothing here holds a spec number.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/spec/precision.h"

namespace rightsize {

enum class DeviceKind { kGpu, kCpu, kSoc };

struct CpuSpec {
  int cores = 0;      // physical cores per socket
  int simd_bits = 0;  // widest vector unit (256 = AVX2, 512 = AVX-512)
  int memory_channels = 0;
  double clock_hz = 0.0;  // sustained all-core clock used for the peak
};

struct HardwareSpec {
  std::string id;
  std::string name;
  std::string vendor;
  DeviceKind kind = DeviceKind::kGpu;
  // GPU architecture family (kHardwareArchitectures; "" = none stated): calibrations transfer
  // across the devices of one family (sim/fit/family_transfer.h). Each YAML's notes name the die it
  // is read from.
  std::string architecture;
  // Board class (kBoardClasses; "" = none stated): one architecture ships as GeForce cards
  // ("consumer"), GDDR professional and inference cards ("pro-gddr") and HBM data-centre parts
  // ("hbm"), which differ in memory technology, clocks and power limits; calibrations transfer
  // within an architecture and class (TransferFamily).
  std::string board_class;
  std::string source;
  std::string notes;
  // Other names logs and datasets give this device (Catalog::MatchHardware), and their source.
  std::vector<std::string> aliases;
  std::string aliases_source;
  double memory_bytes = 0.0;                     // device memory (unified memory for SoCs)
  double memory_bandwidth_bytes_per_s = 0.0;     // peak DRAM / HBM bandwidth
  std::map<Precision, double> peak_flops_per_s;  // dense peak per compute precision
  double link_bandwidth_bytes_per_s = 0.0;       // device-to-device, per direction (0: none)
  std::string link_kind;
  // Latency of one step of a ring collective over the link (NCCL's per-hop hardware latency;
  // 0: not stated, collectives then cost only the calibrated link_latency_s).
  double link_latency_s = 0.0;
  double tdp_w = 0.0;  // board power (0: unknown)
  std::optional<CpuSpec> cpu;

  // Dense peak FLOP/s for a matmul whose operands are in `precision`. Weight-only formats are
  // dequantised and run at `activation`; a precision the device lacks falls back to the next
  // wider one it has (fp8 -> bf16/fp16 -> tf32 -> fp32). Throws InputError if none is known.
  double PeakFlopsPerS(Precision weights, Precision activation) const;
};

// The architecture families a hardware YAML may name: NVIDIA by generation, AMD Instinct CDNA,
// Intel Gaudi, Apple M-series SoCs, and x86 server CPUs.
inline const std::vector<std::string> kHardwareArchitectures = {
    "ampere", "ada", "hopper", "blackwell", "cdna", "gaudi", "apple", "x86"};

// The board classes a hardware YAML may name (HardwareSpec::board_class).
inline const std::vector<std::string> kBoardClasses = {"consumer", "pro-gddr", "hbm"};

// The family a calibration transfers within: the architecture, with the board class when one is
// stated ("ampere-consumer"); "" when the device names no architecture.
std::string TransferFamily(const HardwareSpec& hardware);

bool Validate(const HardwareSpec& hardware, std::string* why);
std::string ToString(DeviceKind kind);

}  // namespace rightsize
