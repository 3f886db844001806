#include "sim/util/file_io.h"

#include <cstdint>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "sim/util/data_paths.h"
#include "sim/util/error.h"

namespace rightsize {

std::string ReadTextFile(const std::string& path, size_t max_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError({path, 0, ""}, "is a folder; expected a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError({path, 0, ""}, "cannot open file");
  std::string text;
  std::string chunk(1 << 16, '\0');
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    text.append(chunk.data(), static_cast<size_t>(in.gcount()));
    if (text.size() > max_bytes) {
      throw InputError({path, 0, ""},
                       fmt::format("larger than {} MiB; not an input rightsize reads",
                                   static_cast<double>(max_bytes) / (1 << 20)));
    }
  }
  if (in.bad()) throw InputError({path, 0, ""}, "read error");
  return text;
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
  // The error_code overloads: a name the file system rejects (too long, say) is a file that
  // does not exist, which the caller reports, not an exception.
  std::error_code error;
  if (fs::exists(path, error) || fs::path(path).is_absolute()) return path;
  const fs::path beside = fs::path(referring_file).parent_path() / path;
  if (fs::exists(beside, error)) return beside.string();
  const std::string root = DataRoot();
  if (root.empty()) return path;
  const fs::path data = fs::path(root) / path;
  if (fs::exists(data, error)) return data.string();
  return path;
}

}  // namespace rightsize
