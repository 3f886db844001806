// A text file a test writes: folder/name under the system's temporary folder (one folder per
// suite, so suites running in parallel do not share files). Returns its path.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

inline std::string WriteTempFile(const std::string& folder, const std::string& name,
                                 const std::string& text) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / folder;
  std::filesystem::create_directories(dir);
  const std::string path = (dir / name).string();
  std::ofstream(path) << text;
  return path;
}
