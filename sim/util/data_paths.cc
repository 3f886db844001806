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

// <prefix>/share/rightsize for a binary in <prefix>/bin (Linux: the running executable is
// /proc/self/exe); "" when that folder does not exist.
std::string InstalledDataDir() {
  std::error_code error;
  const fs::path exe = fs::read_symlink("/proc/self/exe", error);
  if (error) return "";
  const fs::path share = exe.parent_path().parent_path() / "share" / "rightsize";
  return fs::is_directory(share / "models", error) ? share.string() : "";
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
  if (const std::string installed = InstalledDataDir(); !installed.empty()) {
    return installed + "/models";
  }
  return c.source_tree.empty() ? "" : c.source_tree + "/models";
}

std::string DataRoot() {
  if (const std::string installed = InstalledDataDir(); !installed.empty()) return installed;
  return Config().source_tree;
}

}  // namespace rightsize
