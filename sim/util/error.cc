#include "sim/util/error.h"

#include <fmt/format.h>

namespace rightsize {

std::string SourceLocation::ToString() const {
  std::string out = file.empty() ? "<input>" : file;
  if (line > 0) out += fmt::format(":{}", line);
  if (!key.empty()) out += ": " + key;
  return out;
}

InputError::InputError(const SourceLocation& where, const std::string& message)
    : std::runtime_error(where.ToString() + ": " + message), where_(where), message_(message) {}

void ThrowInvariant(const char* condition, const char* file, int line, const std::string& message) {
  throw InvariantError(
      fmt::format("{}:{}: internal check failed ({}): {}", file, line, condition, message));
}

}  // namespace rightsize
