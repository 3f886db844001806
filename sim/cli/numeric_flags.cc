#include "sim/cli/numeric_flags.h"

#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "sim/util/parallel.h"

namespace rightsize {

CLI::Validator FiniteIn(const NumberRange& range) {
  const std::string shown = fmt::format("{}{:.10g}, {:.10g}{}", range.min_exclusive ? "(" : "[",
                                        range.min, range.max, range.max_exclusive ? ")" : "]");
  CLI::Validator validator(
      [range, shown](std::string& text) -> std::string {
        // CLI11 converts the text after this check; strtod reads what it reads (and also "nan",
        // "inf", "1e999"), so anything it cannot read whole is left to CLI11's own message.
        const char* begin = text.c_str();
        char* end = nullptr;
        const double value = std::strtod(begin, &end);
        if (end == begin || *end != '\0') return "";
        if (!std::isfinite(value)) {
          return fmt::format("'{}' is not a finite number; the valid range is {}", text, shown);
        }
        const bool above_min = range.min_exclusive ? value > range.min : value >= range.min;
        const bool below_max = range.max_exclusive ? value < range.max : value <= range.max;
        if (!above_min || !below_max) {
          return fmt::format("{} is outside the valid range {}", text, shown);
        }
        return "";
      },
      "in " + shown, kFiniteRangeValidator);
  return validator;
}

void NoteThreadCap(const char* flag, int requested) {
  const int used = WorkerThreads(requested);
  if (requested > used)
    fmt::print(stderr, "note: {} {} is capped to {} (this machine's cores)\n", flag, requested,
               used);
}

}  // namespace rightsize
