#include "sim/util/file_io.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "sim/util/data_paths.h"
#include "sim/util/error.h"

namespace rightsize {

std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError({path, 0, ""}, "cannot open file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string HashString(const std::string& text) {
  // FNV-1a 64-bit: http://www.isthe.com/chongo/tech/comp/fnv/ (public domain algorithm).
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return fmt::format("fnv1a64:{:016x}", hash);
}

std::string HashFileContents(const std::string& path) { return HashString(ReadTextFile(path)); }

std::string ResolveProjectPath(const std::string& path, const std::string& referring_file) {
  namespace fs = std::filesystem;
  if (fs::exists(path) || fs::path(path).is_absolute()) return path;
  const fs::path beside = fs::path(referring_file).parent_path() / path;
  if (fs::exists(beside)) return beside.string();
  const std::string root = DataRoot();
  if (root.empty()) return path;
  const fs::path data = fs::path(root) / path;
  if (fs::exists(data)) return data.string();
  return path;
}

}  // namespace rightsize
