// Where rightsize's data lives: models/ (the catalogue), data/ (measured runs, quality tables)
// and examples/. The program's entry point (the CLI's main, the Python module, the test main)
// says once what it knows (ConfigureDataPaths); library code asks ModelsDir() / DataRoot() and
// never knows where the sources were built.
//
// Lookup order of the models folder: the entry point's flag (`rightsize --models-dir`), then
// $RIGHTSIZE_MODELS_DIR, then the installed data folder found relative to the running binary
// (<prefix>/share/rightsize/models for <prefix>/bin/rightsize), then the source tree the entry
// point names. The data root (data/, examples/) is the installed data folder, else the source
// tree.
#pragma once

#include <string>

namespace rightsize {

struct DataPathsConfig {
  std::string models_dir_flag;  // "" = not given
  std::string source_tree;      // the entry point's fallback; "" = none
};

// Replaces the configuration (entry points call it before any lookup).
void ConfigureDataPaths(const DataPathsConfig& config);

// The models folder by the lookup order above; "" when none is found.
std::string ModelsDir();
// The folder holding data/ and examples/; "" when none is found.
std::string DataRoot();

}  // namespace rightsize
