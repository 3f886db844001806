// Whole-file reads, content hashes and project paths. Writing outputs: sim/util/output_path.h.
#pragma once

#include <cstddef>
#include <string>

namespace rightsize {

// The largest file ReadTextFile reads (the largest shipped data file is 3 MB): without a bound a
// path such as /dev/zero grows memory until the process is killed.
inline constexpr size_t kMaxInputFileBytes = size_t{256} << 20;

// The whole file; InputError if it cannot be read, is a folder or exceeds max_bytes.
std::string ReadTextFile(const std::string& path, size_t max_bytes = kMaxInputFileBytes);
// Hex SHA-256-free content hash (FNV-1a 64) of a file's bytes, recorded in outputs so a result
// names the exact inputs it came from.
std::string HashFileContents(const std::string& path);
std::string HashString(const std::string& text);
// A path a project file refers to (a law file's data, a study's scores table or law files): as
// given when it exists, else beside `referring_file`, else under the data root
// (sim/util/data_paths.h); unchanged when none exists, so the caller's open names the path as
// written.
std::string ResolveProjectPath(const std::string& path, const std::string& referring_file);

}  // namespace rightsize
