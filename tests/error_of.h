// The message of the InputError a callable throws ("" if it throws none): for tests that check
// what an error names (file, line, key).
#pragma once

#include <string>

#include "sim/util/error.h"

namespace rightsize::testing {

template <typename Fn>
std::string ErrorOf(Fn fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace rightsize::testing
