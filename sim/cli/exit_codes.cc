#include "sim/cli/exit_codes.h"

#include <cstdio>
#include <exception>

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
  } catch (const YAML::Exception& e) {
    fmt::print(stderr, "rightsize: error: YAML: {}\n", e.what());
    return kExitInputError;
  } catch (const std::exception& e) {
    fmt::print(stderr, "rightsize: internal error: {}\n", e.what());
    return kExitInternalError;
  }
}

}  // namespace rightsize
