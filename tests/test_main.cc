// The one Catch2 main shared by every test executable (compiled once as an object library). The
// tests read the source tree's models/ and data/, as the CLI does when nothing else is given.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "sim/util/data_paths.h"

int main(int argc, char* argv[]) {
  rightsize::ConfigureDataPaths({"", RIGHTSIZE_SOURCE_DIR});
  return Catch::Session().run(argc, argv);
}
