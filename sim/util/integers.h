// Range-checked integers for counts read from files (layers, tokens, batch, parallel degrees): a
// double that is not finite, not whole or out of range never reaches a static_cast (undefined
// behaviour out of range; 4294967297 would silently become 1 as an int), and a product that
// overflows int64 is an InputError instead of a wrapped, negative count.
#pragma once

#include <cstdint>

#include "sim/util/error.h"

namespace rightsize {

// `value` as an integer; InputError at `where` unless it is finite, whole and in [min, max].
int64_t WholeInRange(double value, int64_t min, int64_t max, const SourceLocation& where);
// `value` rounded to the nearest integer; InputError at `where` unless it is finite and the
// rounded value is in [min, max].
int64_t RoundedInRange(double value, int64_t min, int64_t max, const SourceLocation& where);

// a * b and a + b; InputError at `where` when the result does not fit in int64.
int64_t CheckedMul(int64_t a, int64_t b, const SourceLocation& where);
int64_t CheckedAdd(int64_t a, int64_t b, const SourceLocation& where);

// An int64 count whose + and * throw InputError on overflow, so a formula over counts reads as
// the formula (parameter counts: sim/spec/model_spec.cc).
class CheckedInt {
 public:
  CheckedInt(int64_t value) : value_(value) {}  // implicit: mixes with plain integers
  int64_t value() const { return value_; }
  friend CheckedInt operator+(CheckedInt a, CheckedInt b);
  friend CheckedInt operator*(CheckedInt a, CheckedInt b);

 private:
  int64_t value_;
};

}  // namespace rightsize
