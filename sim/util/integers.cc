#include "sim/util/integers.h"

#include <cmath>

#include <fmt/format.h>

namespace rightsize {
namespace {

[[noreturn]] void ThrowOutOfRange(double value, int64_t min, int64_t max,
                                  const SourceLocation& where) {
  throw InputError(where,
                   fmt::format("{:.15g} is outside the valid range [{}, {}]", value, min, max));
}

}  // namespace

int64_t WholeInRange(double value, int64_t min, int64_t max, const SourceLocation& where) {
  if (!std::isfinite(value))
    throw InputError(where, fmt::format("expected an integer, got {:.15g}", value));
  // Outside [-2^63, 2^63) the cast below is undefined; inside it is exact for whole values.
  constexpr double kTwoTo63 = 9223372036854775808.0;
  if (value < -kTwoTo63 || value >= kTwoTo63) ThrowOutOfRange(value, min, max, where);
  if (value != std::floor(value))
    throw InputError(where, fmt::format("expected an integer, got {:.15g}", value));
  const auto whole = static_cast<int64_t>(value);
  if (whole < min || whole > max) ThrowOutOfRange(value, min, max, where);
  return whole;
}

int64_t RoundedInRange(double value, int64_t min, int64_t max, const SourceLocation& where) {
  if (!std::isfinite(value))
    throw InputError(where, fmt::format("expected a finite number, got {:.15g}", value));
  return WholeInRange(std::round(value), min, max, where);
}

int64_t CheckedMul(int64_t a, int64_t b, const SourceLocation& where) {
  int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) {
    throw InputError(where, fmt::format("{} x {} does not fit in a 64-bit integer", a, b));
  }
  return out;
}

int64_t CheckedAdd(int64_t a, int64_t b, const SourceLocation& where) {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) {
    throw InputError(where, fmt::format("{} + {} does not fit in a 64-bit integer", a, b));
  }
  return out;
}

CheckedInt operator+(CheckedInt a, CheckedInt b) { return CheckedAdd(a.value_, b.value_, {}); }

CheckedInt operator*(CheckedInt a, CheckedInt b) { return CheckedMul(a.value_, b.value_, {}); }

}  // namespace rightsize
