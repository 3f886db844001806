// The one check every numeric command-line flag goes through: the value is a finite number (never
// nan or inf) inside the flag's documented range. CLI11 reports a failure as a ValidationError,
// which the CLI prints as one line "rightsize: error: --flag: ..." with exit 2 (bad input), like
// any other bad value. tests/cli/numeric_flags_test.cc feeds nan, inf and out-of-range values to
// every numeric flag of every command, so a flag added without this check fails the tests.
#pragma once

#include <CLI/CLI.hpp>

namespace rightsize {

// The validator's name: a numeric flag without a validator of this name is a bug.
inline constexpr const char* kFiniteRangeValidator = "finite-range";

struct NumberRange {
  double min = 0.0;
  double max = 0.0;
  bool min_exclusive = false;  // (min, ... instead of [min, ...
  bool max_exclusive = false;  // ..., max) instead of ..., max]
};

// Accepts a finite number in range (each element of a list flag); the help text shows the range.
CLI::Validator FiniteIn(const NumberRange& range);
inline CLI::Validator FiniteIn(double min, double max) {
  return FiniteIn(NumberRange{min, max, false, false});
}
// (0, max]: strictly positive.
inline CLI::Validator PositiveUpTo(double max) {
  return FiniteIn(NumberRange{0.0, max, true, false});
}

// Worker threads a command may start: 0 (all cores) .. this; more than the cores are capped
// (sim/util/parallel.h).
inline constexpr double kMaxThreadsFlag = 1 << 20;
// Prints "note: --threads N is capped to C (this machine's cores)" on stderr when it is.
void NoteThreadCap(const char* flag, int requested);

}  // namespace rightsize
