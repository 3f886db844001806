// The local Hugging Face cache: repository ids resolve to snapshots, safetensors headers are read.
#include <catch2/catch.hpp>

#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "sim/spec/catalog.h"
#include "sim/spec/hf_cache.h"
#include "sim/util/error.h"

using namespace rightsize;
namespace fs = std::filesystem;

namespace {

// A fresh folder under the system temp dir, removed when the test ends.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("rs-hfcache-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(reinterpret_cast<uintptr_t>(this)));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Writes a safetensors file: the 8-byte little-endian header length, the header, zeroed data.
void WriteSafetensors(const fs::path& file, const std::string& header, size_t data_bytes) {
  std::ofstream out(file, std::ios::binary);
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
  out << header;
  out << std::string(data_bytes, '\0');
}

// Sets an environment variable for the test's duration.
struct ScopedEnv {
  std::string name;
  std::string old;
  bool had;
  ScopedEnv(const std::string& n, const std::string& value) : name(n) {
    const char* v = std::getenv(n.c_str());
    had = v != nullptr;
    if (had) old = v;
    ::setenv(n.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had) {
      ::setenv(name.c_str(), old.c_str(), 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }
};

}  // namespace

TEST_CASE("a safetensors header the test writes is read tensor by tensor") {
  TempDir dir;
  const fs::path file = dir.path / "model.safetensors";
  // 2 x 3 bf16 (12 bytes) then 4 f32 (16 bytes).
  WriteSafetensors(file,
                   R"({"__metadata__":{"format":"pt"},)"
                   R"("a.weight":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,12]},)"
                   R"("b.bias":{"dtype":"F32","shape":[4],"data_offsets":[12,28]}})",
                   28);
  const std::vector<SafetensorsTensor> tensors = ReadSafetensorsHeader(file);
  REQUIRE(tensors.size() == 2);
  CHECK(tensors[0].name == "a.weight");
  CHECK(tensors[0].dtype == "BF16");
  CHECK(tensors[0].Elements() == 6);
  CHECK(tensors[1].data_bytes == 16);
}

TEST_CASE("a malformed safetensors header is an input error naming the file and tensor") {
  TempDir dir;
  const fs::path file = dir.path / "bad.safetensors";
  // The offsets claim 10 bytes for a 2 x 3 bf16 tensor (12 bytes).
  WriteSafetensors(file, R"({"w":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,10]}})", 12);
  try {
    ReadSafetensorsHeader(file);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    // FILE:LINE: KEY: message, the key naming the tensor.
    const std::string message = e.what();
    CHECK(message.find("bad.safetensors") != std::string::npos);
    CHECK(message.find("w.data_offsets") != std::string::npos);
    CHECK(message.find("span 10 bytes") != std::string::npos);
  }
  // A header length beyond the file.
  const fs::path huge = dir.path / "huge.safetensors";
  {
    std::ofstream out(huge, std::ios::binary);
    out << std::string("\xff\xff\xff\x00\x00\x00\x00\x00", 8) << "{}";
  }
  CHECK_THROWS_AS(ReadSafetensorsHeader(huge), InputError);
}

TEST_CASE("a fake Hugging Face cache tree resolves Qwen/Qwen2.5-7B-Instruct by id") {
  TempDir home;
  const ScopedEnv hf_home("HF_HOME", home.path.string());
  const ScopedEnv hub_cache("HF_HUB_CACHE", "");
  const fs::path repo = home.path / "hub" / "models--Qwen--Qwen2.5-7B-Instruct";
  const std::string commit = "a09a35458c702b33eeacc393d103063234e8bc28";
  const fs::path snapshot = repo / "snapshots" / commit;
  fs::create_directories(snapshot);
  fs::create_directories(repo / "refs");
  std::ofstream(repo / "refs" / "main") << commit;
  fs::copy_file(
      std::string(RIGHTSIZE_SOURCE_DIR) + "/tests/fixtures/hf_configs/qwen2.5-7b/config.json",
      snapshot / "config.json");
  WriteSafetensors(
      snapshot / "model-00001-of-00001.safetensors",
      R"({"model.norm.weight":{"dtype":"BF16","shape":[3584],"data_offsets":[0,7168]}})", 7168);
  std::ofstream(snapshot / "model.safetensors.index.json")
      << R"({"metadata":{"total_size":7168},"weight_map":{"model.norm.weight":"model-00001-of-00001.safetensors"}})";

  CHECK(HfHubCacheDir() == home.path / "hub");
  CHECK(FindHfSnapshot("Qwen/Qwen2.5-7B-Instruct") == snapshot);
  const ModelSpec spec = Catalog::Default().ResolveModel("Qwen/Qwen2.5-7B-Instruct");
  CHECK(spec.hf_repo == "Qwen/Qwen2.5-7B-Instruct");
  CHECK(spec.d_model == 3584);
  REQUIRE(spec.published_params.has_value());
  CHECK(*spec.published_params == 3584.0);  // what the (tiny) checkpoint holds
  CHECK(spec.published_params_source.find("total_size 7168") != std::string::npos);
}

TEST_CASE("a repository missing from the cache is a one-line error saying where it looked") {
  TempDir home;
  const ScopedEnv hf_home("HF_HOME", home.path.string());
  const ScopedEnv hub_cache("HF_HUB_CACHE", "");
  try {
    Catalog::Default().ResolveModel("Qwen/Qwen2.5-7B-Instruct");
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    const std::string message = e.what();
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.find(
              (home.path / "hub" / "models--Qwen--Qwen2.5-7B-Instruct" / "snapshots").string()) !=
          std::string::npos);
  }
  CHECK(LooksLikeHfRepoId("Qwen/Qwen2.5-7B-Instruct"));
  CHECK_FALSE(LooksLikeHfRepoId("dir/config.json"));
  CHECK_FALSE(LooksLikeHfRepoId("/abs/path"));
  CHECK_FALSE(LooksLikeHfRepoId("a/b/c"));
}
