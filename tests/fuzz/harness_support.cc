#include "tests/fuzz/harness_support.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "sim/spec/catalog.h"

namespace rightsize::fuzz {
namespace {

// One folder per process, removed at exit (libFuzzer's -fork / -jobs run several processes). In
// memory (/dev/shm) where there is one: on a disk shared with busy builds an open() can stall for
// longer than the 1 s per-input limit, which would be reported as a timeout of the reader.
class InputFolder {
 public:
  InputFolder() {
    for (const std::filesystem::path base : {std::filesystem::path("/dev/shm"), std::filesystem::temp_directory_path()}) {
      std::string pattern = (base / "rightsize-fuzz-XXXXXX").string();
      if (::mkdtemp(pattern.data()) != nullptr) {
        path_ = pattern;
        return;
      }
    }
    std::abort();
  }
  ~InputFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

std::string AsText(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

std::string WriteInput(const uint8_t* data, size_t size, const std::string& relative_path) {
  static InputFolder folder;
  const std::filesystem::path path = folder.path() / relative_path;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) std::abort();
  return path.string();
}

}  // namespace rightsize::fuzz

// Loads the catalogue before the first input, so its one-off cost is not charged to the 1 s
// budget of whichever input happens to run first.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  rightsize::Catalog::Default();
  return 0;
}
