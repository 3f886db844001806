// The one place where error types become process exit codes.
#pragma once

#include <functional>

namespace rightsize {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInputError = 2;     // bad file, key, value, unknown id
inline constexpr int kExitIoError = 3;        // cannot read / write a file
inline constexpr int kExitInternalError = 4;  // a bug: an invariant failed
inline constexpr int kExitUsage = 64;         // bad command line (CLI11 parse errors use their own)

// Runs body, printing any error as one line "rightsize: error: ..." on stderr, and returns the
// exit code for it.
int RunWithErrorHandling(const std::function<int()>& body);

}  // namespace rightsize
