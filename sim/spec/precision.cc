#include "sim/spec/precision.h"

#include <array>
#include <utility>

#include "sim/util/error.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

struct PrecisionInfo {
  Precision precision;
  const char* name;
  double bits;
  bool weight_only;
  double element_bits;  // bits of one value's code, without block scales
};

// Bits from the block layouts cited in precision.h.
constexpr std::array<PrecisionInfo, 18> kPrecisions = {{
    {Precision::kFp32, "fp32", 32.0, false, 32.0},
    {Precision::kTf32, "tf32", 32.0, false, 32.0},  // stored as fp32, computed on tf32 units
    {Precision::kBf16, "bf16", 16.0, false, 16.0},
    {Precision::kFp16, "fp16", 16.0, false, 16.0},
    {Precision::kFp8, "fp8", 8.0, false, 8.0},
    {Precision::kFp8Block, "fp8_block", 8.0 + 32.0 / (128.0 * 128.0), false, 8.0},
    {Precision::kInt8, "int8", 8.0, false, 8.0},
    {Precision::kInt4, "int4", 4.0 + (16.0 + 4.0) / 128.0, true, 4.0},
    {Precision::kNf4, "nf4", 4.0 + 8.0 / 64.0 + 32.0 / (64.0 * 256.0), true, 4.0},
    {Precision::kMxfp4, "mxfp4", 4.0 + 8.0 / 32.0, true, 4.0},
    {Precision::kNvfp4, "nvfp4", 4.0 + 8.0 / 16.0, true, 4.0},
    {Precision::kQ8_0, "q8_0", 34.0 * 8.0 / 32.0, true, 8.0},
    {Precision::kQ4_K, "q4_k", 144.0 * 8.0 / 256.0, true, 4.0},
    {Precision::kQ5_K, "q5_k", 176.0 * 8.0 / 256.0, true, 5.0},
    {Precision::kQ6_K, "q6_k", 210.0 * 8.0 / 256.0, true, 6.0},
    {Precision::kQ4_K_M, "q4_k_m", 4.85, true, 4.0},
    {Precision::kFp4, "fp4", 4.0, false, 4.0},
    {Precision::kReleased, "released", 16.0, true, 16.0},
}};

const PrecisionInfo& Info(Precision precision) {
  for (const auto& info : kPrecisions) {
    if (info.precision == precision) return info;
  }
  RS_CHECK(false, "unknown precision enum value");
}

}  // namespace

double BitsPerValue(Precision precision) { return Info(precision).bits; }
double ElementBits(Precision precision) { return Info(precision).element_bits; }
double BytesPerValue(Precision precision) { return Info(precision).bits / 8.0; }
bool IsWeightOnlyFormat(Precision precision) { return Info(precision).weight_only; }
bool IsFp4Format(Precision precision) {
  return precision == Precision::kMxfp4 || precision == Precision::kNvfp4;
}
std::string ToString(Precision precision) { return Info(precision).name; }

std::vector<std::string> PrecisionNames() {
  std::vector<std::string> names;
  for (const auto& info : kPrecisions) names.emplace_back(info.name);
  return names;
}

Precision ParsePrecision(const std::string& text, const SourceLocation& where) {
  const std::string lower = ToLower(Trim(text));
  for (const auto& info : kPrecisions) {
    if (lower == info.name) return info.precision;
  }
  std::string valid;
  for (const auto& name : PrecisionNames()) valid += (valid.empty() ? "" : ", ") + name;
  throw InputError(where, "unknown precision '" + text + "' (valid: " + valid + ")");
}

std::optional<Precision> PrecisionFromLogName(const std::string& text) {
  const std::string lower = ToLower(Trim(text));
  for (const auto& info : kPrecisions) {
    if (lower == info.name) return info.precision;
  }
  if (lower == "f16" || lower == "float16") return Precision::kFp16;
  if (lower == "bfloat16") return Precision::kBf16;
  if (lower.rfind("fp8", 0) == 0 || lower == "mxfp8") return Precision::kFp8;
  return std::nullopt;
}

}  // namespace rightsize
