// What every fuzz harness shares (tests/fuzz/README.md). One input is fed to one reader through
// the entry point a user reaches; rightsize's answers to bad input (InputError, UnknownIdError,
// IoError) end the run normally, and anything else (a std:: or yaml-cpp or nlohmann exception,
// an InvariantError, which the CLI reports as "internal error") escapes to libFuzzer, which
// reports it as a crash and saves the input. Sanitizer reports, inputs slower than -timeout and
// allocations beyond -rss_limit_mb are crashes too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/util/error.h"

namespace rightsize::fuzz {

// The input as text (bytes as they are, NULs included).
std::string AsText(const uint8_t* data, size_t size);

// Writes the input to `relative_path` (subfolders created) inside a folder this process owns and
// returns the full path. Readers take paths; the folder holds nothing else, so no reader finds a
// sibling file (optimum's full_report.csv) that the input did not bring.
std::string WriteInput(const uint8_t* data, size_t size, const std::string& relative_path);

// Runs one reader call: rightsize's own input and I/O errors are expected outcomes.
template <typename Fn>
void Expect(Fn&& fn) {
  try {
    fn();
  } catch (const InputError&) {
  } catch (const IoError&) {
  }
}

}  // namespace rightsize::fuzz
