// The data lookup of sim/util/data_paths.h: --models-dir, then $RIGHTSIZE_MODELS_DIR, then the
// data folder the entry point names (else the one beside the binary).
#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "sim/util/data_paths.h"

namespace rightsize {
namespace {

// Restores the test main's configuration and the environment variable when a case ends.
struct RestoreDataPaths {
  std::string saved_env;
  bool had_env;
  RestoreDataPaths() {
    const char* env = std::getenv("RIGHTSIZE_MODELS_DIR");
    had_env = env != nullptr;
    saved_env = had_env ? env : "";
    unsetenv("RIGHTSIZE_MODELS_DIR");
  }
  ~RestoreDataPaths() {
    if (had_env) setenv("RIGHTSIZE_MODELS_DIR", saved_env.c_str(), 1);
    ConfigureDataPaths({"", RIGHTSIZE_SOURCE_DIR});
  }
};

TEST_CASE("the named data folder holds the models folder") {
  RestoreDataPaths restore;
  ConfigureDataPaths({"", "/opt/rs/share/rightsize"});
  CHECK(DataRoot() == "/opt/rs/share/rightsize");
  CHECK(ModelsDir() == "/opt/rs/share/rightsize/models");
}

TEST_CASE("RIGHTSIZE_MODELS_DIR moves only the catalogue and the flag beats it") {
  RestoreDataPaths restore;
  ConfigureDataPaths({"", "/opt/rs/share/rightsize"});
  setenv("RIGHTSIZE_MODELS_DIR", "/home/user/my-models", 1);
  CHECK(ModelsDir() == "/home/user/my-models");
  CHECK(DataRoot() == "/opt/rs/share/rightsize");
  ConfigureDataPaths({"/tmp/flag-models", "/opt/rs/share/rightsize"});
  CHECK(ModelsDir() == "/tmp/flag-models");
}

}  // namespace
}  // namespace rightsize
