#include "sim/spec/hf_cache.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>

#include "sim/util/error.h"
#include "sim/util/file_io.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace fs = std::filesystem;
namespace {

using nlohmann::json;

// A header larger than this is not a real checkpoint's (the largest published ones have a few
// MB of header); refusing it keeps a corrupt length from allocating gigabytes.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

// Bytes per element of the safetensors dtypes (safetensors Dtype enum).
std::optional<double> DtypeBytes(const std::string& dtype) {
  static const std::array<std::pair<const char*, double>, 15> kSizes = {{
      {"BOOL", 1}, {"U8", 1}, {"I8", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1}, {"F8_E8M0", 1},
      {"I16", 2}, {"U16", 2}, {"F16", 2}, {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},
      {"F64", 8}, {"I64", 8},
  }};
  for (const auto& [name, bytes] : kSizes) {
    if (dtype == name) return bytes;
  }
  return std::nullopt;
}

const char* EnvOrNull(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && value[0] != '\0' ? value : nullptr;
}

}  // namespace

int64_t SafetensorsTensor::Elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

fs::path HfHubCacheDir() {
  if (const char* hub = EnvOrNull("HF_HUB_CACHE")) return fs::path(hub);
  if (const char* home = EnvOrNull("HF_HOME")) return fs::path(home) / "hub";
  const char* user_home = EnvOrNull("HOME");
  return fs::path(user_home != nullptr ? user_home : ".") / ".cache" / "huggingface" / "hub";
}

bool LooksLikeHfRepoId(const std::string& text) {
  if (text.empty() || text.front() == '.' || text.front() == '/') return false;
  if (std::count(text.begin(), text.end(), '/') != 1) return false;
  const size_t slash = text.find('/');
  if (slash == 0 || slash + 1 == text.size()) return false;
  const std::string ext = fs::path(text).extension().string();
  return ext != ".json" && ext != ".yaml" && ext != ".yml";
}

fs::path FindHfSnapshot(const std::string& repo_id) {
  const size_t slash = repo_id.find('/');
  const fs::path repo_dir =
      HfHubCacheDir() / ("models--" + repo_id.substr(0, slash) + "--" + repo_id.substr(slash + 1));
  const fs::path snapshots = repo_dir / "snapshots";
  std::error_code ec;
  const fs::path ref = repo_dir / "refs" / "main";
  if (fs::is_regular_file(ref, ec)) {
    const std::string commit = Trim(ReadTextFile(ref.string()));
    const fs::path pinned = snapshots / commit;
    if (!commit.empty() && fs::is_regular_file(pinned / "config.json", ec)) return pinned;
  }
  std::optional<fs::path> newest;
  fs::file_time_type newest_time{};
  if (fs::is_directory(snapshots, ec)) {
    for (const auto& entry : fs::directory_iterator(snapshots, ec)) {
      const fs::path config = entry.path() / "config.json";
      if (!fs::is_regular_file(config, ec)) continue;
      const auto when = fs::last_write_time(config, ec);
      if (!newest || when > newest_time) {
        newest = entry.path();
        newest_time = when;
      }
    }
  }
  if (!newest) {
    throw InputError({repo_id, 0, "--model"},
                     "not a catalogue id, a file, or a snapshot in the Hugging Face cache (looked "
                     "for */config.json in " + snapshots.string() + ")");
  }
  return *newest;
}

std::vector<SafetensorsTensor> ReadSafetensorsHeader(const fs::path& file) {
  const std::string label = file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError({label, 0, ""}, "cannot open the safetensors file");
  std::error_code ec;
  const uintmax_t file_size = fs::file_size(file, ec);
  if (ec || file_size < 8) throw InputError({label, 0, "header"}, "shorter than the 8-byte header length");
  std::array<unsigned char, 8> raw{};
  in.read(reinterpret_cast<char*>(raw.data()), 8);
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | raw[static_cast<size_t>(i)];
  if (length > kMaxHeaderBytes || length > file_size - 8) {
    throw InputError({label, 0, "header"},
                     "header length " + std::to_string(length) + " exceeds the file or 100 MB");
  }
  std::string text(static_cast<size_t>(length), '\0');
  in.read(text.data(), static_cast<std::streamsize>(length));
  if (!in) throw InputError({label, 0, "header"}, "truncated header");
  json header;
  try {
    header = json::parse(text);
  } catch (const json::exception& e) {
    throw InputError({label, 0, "header"}, std::string("malformed JSON header: ") + e.what());
  }
  if (!header.is_object()) throw InputError({label, 0, "header"}, "the header is not a JSON object");
  const uint64_t data_size = file_size - 8 - length;
  std::vector<SafetensorsTensor> tensors;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    const auto fail = [&](const std::string& why) {
      throw InputError({label, 0, name}, why);
    };
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
        !entry.contains("data_offsets")) {
      fail("a tensor needs dtype, shape and data_offsets");
    }
    SafetensorsTensor t;
    t.name = name;
    if (!entry["dtype"].is_string()) fail("dtype is not a string");
    t.dtype = entry["dtype"].get<std::string>();
    const std::optional<double> bytes_per = DtypeBytes(t.dtype);
    if (!bytes_per) fail("unknown dtype '" + t.dtype + "'");
    const json& shape = entry["shape"];
    if (!shape.is_array() || shape.size() > 16) fail("shape is not an array of at most 16 sizes");
    double elements = 1.0;
    for (const json& d : shape) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() > (uint64_t{1} << 40)) {
        fail("shape entries must be integers in [0, 2^40]");
      }
      t.shape.push_back(static_cast<int64_t>(d.get<uint64_t>()));
      elements *= static_cast<double>(t.shape.back());
    }
    const json& offsets = entry["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
      fail("data_offsets must be two non-negative integers");
    }
    const uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
    if (begin > end || end > data_size) fail("data_offsets lie outside the file's data");
    if (elements * *bytes_per != static_cast<double>(end - begin)) {
      fail("data_offsets span " + std::to_string(end - begin) + " bytes, shape x dtype needs " +
           std::to_string(static_cast<uint64_t>(elements * *bytes_per)));
    }
    t.data_bytes = static_cast<int64_t>(end - begin);
    tensors.push_back(std::move(t));
  }
  return tensors;
}

std::optional<CheckpointSummary> ReadCheckpointSummary(const fs::path& snapshot) {
  CheckpointSummary summary;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(snapshot, ec)) {
    if (entry.path().extension() == ".safetensors") files.push_back(entry.path());
  }
  if (files.empty()) return std::nullopt;
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    for (const SafetensorsTensor& t : ReadSafetensorsHeader(file)) {
      ++summary.tensors;
      summary.elements += t.Elements();
      summary.data_bytes += t.data_bytes;
    }
    summary.files.push_back(file.filename().string());
  }
  const fs::path index = snapshot / "model.safetensors.index.json";
  if (fs::is_regular_file(index, ec)) {
    json parsed;
    try {
      parsed = json::parse(ReadTextFile(index.string()));
    } catch (const json::exception& e) {
      throw InputError({index.string(), 0, ""}, std::string("malformed JSON: ") + e.what());
    }
    if (parsed.contains("metadata") && parsed["metadata"].is_object() &&
        parsed["metadata"].contains("total_size")) {
      const json& total = parsed["metadata"]["total_size"];
      if (!total.is_number_unsigned() ||
          total.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        throw InputError({index.string(), 0, "metadata.total_size"}, "not a byte count");
      }
      summary.index_total_size_bytes = static_cast<int64_t>(total.get<uint64_t>());
    }
  }
  return summary;
}

}  // namespace rightsize
