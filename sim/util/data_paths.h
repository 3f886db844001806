// Where rightsize's data lives: models/ (the catalogue), data/ (measured runs, quality tables)
// and examples/, all under one data folder. The program's entry point (the CLI's main, the Python
// module, the test main) says once what it knows (ConfigureDataPaths); library code asks
// ModelsDir() / DataRoot() and never knows where the sources were built. Nothing here is fixed at
// compile time: an installed or copied binary finds its data at run time.
//
// The data folder: the one the entry point names (the Python package's own, the tests' source
// tree), else the one beside the running binary: <prefix>/share/rightsize for an installed
// <prefix>/bin/rightsize, or <dir>/share/rightsize for a binary in a build folder <dir> (CMake
// lays out build/<preset>/share/rightsize as links to the source tree's models/, data/ and
// examples/).
//
// The models folder: the entry point's flag (`rightsize --models-dir`), then
// $RIGHTSIZE_MODELS_DIR, then <data folder>/models.
#pragma once

#include <string>

namespace rightsize {

struct DataPathsConfig {
  std::string models_dir_flag;  // "" = not given
  std::string data_root;        // the data folder the entry point names; "" = beside the binary
};

// Replaces the configuration (entry points call it before any lookup).
void ConfigureDataPaths(const DataPathsConfig& config);

// The models folder by the lookup order above; "" when none is found.
std::string ModelsDir();
// The data folder (holding data/ and examples/); "" when none is found.
std::string DataRoot();

}  // namespace rightsize
