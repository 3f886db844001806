#include "sim/util/data_paths.h"

#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace rightsize {
namespace {

namespace fs = std::filesystem;

// Set once by the entry point, before the worker threads start; read under the lock anyway so
// that a late reconfiguration (tests) is not a data race.
std::mutex config_mutex;
DataPathsConfig config;

DataPathsConfig Config() {
  std::lock_guard<std::mutex> lock(config_mutex);
  return config;
}

// The data folder beside the running executable (Linux: /proc/self/exe), installed layout
// (<prefix>/bin/../share/rightsize) first, then the build-folder layout (<dir>/share/rightsize);
// "" when neither holds a models/ folder.
std::string DataDirBesideBinary() {
  std::error_code error;
  const fs::path exe_dir = fs::read_symlink("/proc/self/exe", error).parent_path();
  if (error) return "";
  for (const fs::path& candidate :
       {exe_dir.parent_path() / "share" / "rightsize", exe_dir / "share" / "rightsize"}) {
    if (fs::is_directory(candidate / "models", error)) return candidate.string();
  }
  return "";
}

}  // namespace

void ConfigureDataPaths(const DataPathsConfig& new_config) {
  std::lock_guard<std::mutex> lock(config_mutex);
  config = new_config;
}

std::string ModelsDir() {
  const DataPathsConfig c = Config();
  if (!c.models_dir_flag.empty()) return c.models_dir_flag;
  if (const char* env = std::getenv("RIGHTSIZE_MODELS_DIR"); env && *env) return env;
  const std::string root = DataRoot();
  return root.empty() ? "" : root + "/models";
}

std::string DataRoot() {
  const std::string named = Config().data_root;
  return named.empty() ? DataDirBesideBinary() : named;
}

}  // namespace rightsize
