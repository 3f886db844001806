#include "sim/util/file_io.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <unistd.h>

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
      throw InputError({path, 0, ""}, fmt::format("larger than {} MiB; not an input rightsize reads",
                                                  static_cast<double>(max_bytes) / (1 << 20)));
    }
  }
  if (in.bad()) throw InputError({path, 0, ""}, "read error");
  return text;
}

void WriteFileAtomically(const std::string& path, const std::string& contents) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  if (target.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) throw IoError(fmt::format("{}: cannot create folder: {}", path, ec.message()));
  }
  const std::string temp = fmt::format("{}.tmp.{}", path, ::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError(fmt::format("{}: cannot write temporary file {}", path, temp));
    out << contents;
    out.flush();
    if (!out) {
      std::remove(temp.c_str());
      throw IoError(fmt::format("{}: write failed", path));
    }
  }
  std::error_code ec;
  fs::rename(temp, target, ec);
  if (ec) {
    std::remove(temp.c_str());
    throw IoError(fmt::format("{}: cannot rename temporary file: {}", path, ec.message()));
  }
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
  const fs::path repo = fs::path(RIGHTSIZE_SOURCE_DIR) / path;
  if (fs::exists(repo)) return repo.string();
  return path;
}

}  // namespace rightsize
