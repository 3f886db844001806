// Exception types shared by every layer, and RS_CHECK for invariants.
//
// Loaders throw InputError carrying "file:line: key: message" so a user can find the bad value.
// Invariants throw InvariantError (never abort: Python calls this library). The CLI maps each
// type to an exit code in one place (sim/cli/exit_codes.h).
#pragma once

#include <stdexcept>
#include <string>

namespace rightsize {

// Where an input value came from. line is 1-based; 0 means unknown (e.g. a command-line flag).
struct SourceLocation {
  std::string file;
  int line = 0;
  std::string key;

  // "file:line: key" with the parts that are known.
  std::string ToString() const;
};

// Bad user input: malformed file, missing or unknown key, NaN, negative size, unknown id.
class InputError : public std::runtime_error {
 public:
  InputError(const SourceLocation& where, const std::string& message);
  const SourceLocation& where() const { return where_; }

 private:
  SourceLocation where_;
};

// An id (model, hardware, price, law) that is not in the catalogue. The message lists close
// matches.
class UnknownIdError : public InputError {
 public:
  using InputError::InputError;
};

// A file that cannot be read or written.
class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A broken internal invariant: a bug in rightsize, not in the input.
class InvariantError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

[[noreturn]] void ThrowInvariant(const char* condition, const char* file, int line,
                                 const std::string& message);

}  // namespace rightsize

#define RS_CHECK(condition, message)                                              \
  do {                                                                            \
    if (!(condition)) {                                                           \
      ::rightsize::ThrowInvariant(#condition, __FILE__, __LINE__, (message));     \
    }                                                                             \
  } while (false)
