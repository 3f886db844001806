// The one Catch2 main shared by every test executable (compiled once as an object library). The
// tests name the source tree as the data folder (models/, data/, examples/); the CLI finds its own
// beside the binary (sim/util/data_paths.h).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "sim/util/data_paths.h"

int main(int argc, char* argv[]) {
  rightsize::ConfigureDataPaths({"", RIGHTSIZE_SOURCE_DIR});
  return Catch::Session().run(argc, argv);
}
