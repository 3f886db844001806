#include "sim/cli/exit_codes.h"

#include <cstdio>
#include <exception>
#include <filesystem>

#include <fmt/format.h>
#include <yaml-cpp/exceptions.h>

#include "sim/util/error.h"

namespace rightsize {

int RunWithErrorHandling(const std::function<int()>& body) {
  try {
    return body();
  } catch (const InputError& e) {
    fmt::print(stderr, "rightsize: error: {}\n", e.what());
    return kExitInputError;
  } catch (const IoError& e) {
    fmt::print(stderr, "rightsize: error: {}\n", e.what());
    return kExitIoError;
  } catch (const InvariantError& e) {
    fmt::print(stderr, "rightsize: internal error: {}\n", e.what());
    return kExitInternalError;
  } catch (const std::filesystem::filesystem_error& e) {
    // A file-system call outside the output rules (sim/util/output_path.h) failed: still an I/O
    // error with the path, not a bug.
    fmt::print(stderr, "rightsize: error: {}\n", e.what());
    return kExitIoError;
  } catch (const YAML::Exception& e) {
    fmt::print(stderr, "rightsize: error: YAML: {}\n", e.what());
    return kExitInputError;
  } catch (const std::exception& e) {
    fmt::print(stderr, "rightsize: internal error: {}\n", e.what());
    return kExitInternalError;
  }
}

}  // namespace rightsize
