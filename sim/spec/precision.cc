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
};

constexpr std::array<PrecisionInfo, 10> kPrecisions = {{
    {Precision::kFp32, "fp32", 32.0, false},
    {Precision::kTf32, "tf32", 32.0, false},  // stored as fp32, computed on tf32 units
    {Precision::kBf16, "bf16", 16.0, false},
    {Precision::kFp16, "fp16", 16.0, false},
    {Precision::kFp8, "fp8", 8.0, false},
    {Precision::kInt8, "int8", 8.0, false},
    {Precision::kInt4, "int4", 4.0 + 16.0 / 128.0, true},
    {Precision::kNf4, "nf4", 4.127, true},
    {Precision::kQ8_0, "q8_0", 8.0 + 16.0 / 32.0, true},
    {Precision::kQ4_K_M, "q4_k_m", 4.85, true},
}};

const PrecisionInfo& Info(Precision precision) {
  for (const auto& info : kPrecisions) {
    if (info.precision == precision) return info;
  }
  RS_CHECK(false, "unknown precision enum value");
}

}  // namespace

double BitsPerValue(Precision precision) { return Info(precision).bits; }
double BytesPerValue(Precision precision) { return Info(precision).bits / 8.0; }
bool IsWeightOnlyFormat(Precision precision) { return Info(precision).weight_only; }
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

}  // namespace rightsize
