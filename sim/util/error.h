// Exception types shared by every layer, and RS_CHECK for invariants.
//
// Loaders throw InputError carrying "file:line: key: message" so a user can find the bad value.
// Invariants throw InvariantError (never abort: Python calls this library). The CLI maps each
// type to an exit code in one place (the command line's exit_codes.h).
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
  const std::string& message() const { return message_; }  // without the location

 private:
  SourceLocation where_;
  std::string message_;
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

// Runs `lookup` (an id or file a user's file names); an InputError it throws that carries no line
// (an unknown id, a missing file) is thrown again at `where`, the file:line that named it, with the
// same type and its original location in the message. Errors inside a named file keep their line.
template <typename Fn>
void AtLocation(const SourceLocation& where, Fn&& lookup) {
  try {
    lookup();
  } catch (const UnknownIdError& e) {
    throw UnknownIdError(where, e.message());
  } catch (const InputError& e) {
    if (e.where().line > 0) throw;
    throw InputError(where, e.where().file.empty() ? e.message() : e.what());
  }
}

[[noreturn]] void ThrowInvariant(const char* condition, const char* file, int line,
                                 const std::string& message);

}  // namespace rightsize

#define RS_CHECK(condition, message)                                          \
  do {                                                                        \
    if (!(condition)) {                                                       \
      ::rightsize::ThrowInvariant(#condition, __FILE__, __LINE__, (message)); \
    }                                                                         \
  } while (false)
