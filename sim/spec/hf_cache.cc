#include "sim/spec/hf_cache.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <limits>

#include "sim/util/error.h"
#include "sim/util/file_io.h"
#include "sim/util/json_reader.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace fs = std::filesystem;
namespace {

// A header larger than this is not a real checkpoint's (the largest published ones have a few
// MB of header); refusing it keeps a corrupt length from allocating gigabytes.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

// Bytes per element of the safetensors dtypes (safetensors Dtype enum).
std::optional<double> DtypeBytes(const std::string& dtype) {
  static const std::array<std::pair<const char*, double>, 15> kSizes = {{
      {"BOOL", 1},
      {"U8", 1},
      {"I8", 1},
      {"F8_E4M3", 1},
      {"F8_E5M2", 1},
      {"F8_E8M0", 1},
      {"I16", 2},
      {"U16", 2},
      {"F16", 2},
      {"BF16", 2},
      {"I32", 4},
      {"U32", 4},
      {"F32", 4},
      {"F64", 8},
      {"I64", 8},
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
                     "for */config.json in " +
                         snapshots.string() + ")");
  }
  return *newest;
}

std::vector<SafetensorsTensor> ReadSafetensorsHeader(const fs::path& file) {
  const std::string label = file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError({label, 0, ""}, "cannot open the safetensors file");
  std::error_code ec;
  const uintmax_t file_size = fs::file_size(file, ec);
  if (ec || file_size < 8)
    throw InputError({label, 0, "header"}, "shorter than the 8-byte header length");
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
  // The header through the strict JSON layer: errors at file:line: key.
  const JsonDocument doc = JsonDocument::Parse(text, label);
  const JsonValue header = doc.Root();
  if (!header.IsObject()) header.Fail("the header is not a JSON object");
  const uint64_t data_size = file_size - 8 - length;
  constexpr int64_t kMaxDim = int64_t{1} << 40;
  std::vector<SafetensorsTensor> tensors;
  for (const std::string& name : header.Keys()) {
    if (name == "__metadata__") continue;
    const JsonValue entry = header.Child(name);
    if (!entry.IsObject()) entry.Fail("a tensor entry is not an object");
    SafetensorsTensor t;
    t.name = name;
    t.dtype = entry.RequiredString("dtype");
    const std::optional<double> bytes_per = DtypeBytes(t.dtype);
    if (!bytes_per) throw InputError(entry.Where("dtype"), "unknown dtype '" + t.dtype + "'");
    const JsonValue shape = entry.Child("shape");
    if (!shape.IsArray() || shape.Size() > 16)
      shape.Fail("shape is not an array of at most 16 sizes");
    double elements = 1.0;
    for (const JsonValue& d : shape.Elements()) {
      t.shape.push_back(d.AsInt(0, kMaxDim));
      elements *= static_cast<double>(t.shape.back());
    }
    const JsonValue offsets = entry.Child("data_offsets");
    if (!offsets.IsArray() || offsets.Size() != 2)
      offsets.Fail("data_offsets must be two byte offsets");
    const std::vector<JsonValue> range = offsets.Elements();
    const int64_t max_offset =
        static_cast<int64_t>(std::min<uint64_t>(data_size, uint64_t{1} << 62));
    const int64_t begin = range[0].AsInt(0, max_offset), end = range[1].AsInt(0, max_offset);
    if (begin > end) offsets.Fail("data_offsets run backwards");
    if (elements * *bytes_per != static_cast<double>(end - begin)) {
      offsets.Fail("data_offsets span " + std::to_string(end - begin) +
                   " bytes, shape x dtype needs " +
                   std::to_string(static_cast<uint64_t>(elements * *bytes_per)));
    }
    t.data_bytes = end - begin;
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
    const JsonDocument doc = JsonDocument::Load(index.string());
    const JsonValue root = doc.Root();
    if (root.IsObject() && root.Has("metadata") && root.Child("metadata").IsObject() &&
        root.Child("metadata").Has("total_size")) {
      summary.index_total_size_bytes =
          root.Child("metadata").RequiredInt("total_size", 0, std::numeric_limits<int64_t>::max());
    }
  }
  return summary;
}

}  // namespace rightsize
