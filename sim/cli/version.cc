#include "sim/cli/version.h"

#include <fmt/format.h>

// Generated into the build folder at build time (cmake/build_info.cmake): only this file depends
// on it, so a new commit recompiles one file.
#include "rightsize_build_info.h"

namespace rightsize {

std::string VersionText() {
  return fmt::format("rightsize {} (catalogue commit {})", RIGHTSIZE_VERSION,
                     RIGHTSIZE_CATALOGUE_COMMIT);
}

}  // namespace rightsize
