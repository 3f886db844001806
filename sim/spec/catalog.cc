#include "sim/spec/catalog.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/spec/hf_cache.h"
#include "sim/spec/hf_config.h"
#include "sim/spec/name_match.h"
#include "sim/spec/yaml_loaders.h"
#include "sim/util/data_paths.h"
#include "sim/util/error.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> YamlFilesIn(const fs::path& dir) {
  std::vector<std::string> files;
  std::error_code error;
  if (!fs::is_directory(dir, error)) return files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

template <typename Spec>
void Insert(std::map<std::string, Spec>& map, Spec spec, const std::string& file) {
  const std::string expected = fs::path(file).stem().string();
  if (spec.id != expected) {
    throw InputError({file, 1, "id"},
                     "id '" + spec.id + "' must match the file name '" + expected + "'");
  }
  if (map.count(spec.id)) throw InputError({file, 1, "id"}, "duplicate id '" + spec.id + "'");
  map.emplace(spec.id, std::move(spec));
}

template <typename Spec>
const Spec& Find(const std::map<std::string, Spec>& map, const std::string& id,
                 const std::string& what) {
  auto it = map.find(id);
  if (it != map.end()) return it->second;
  std::vector<std::string> ids;
  for (const auto& [key, value] : map) ids.push_back(key);
  const std::string hint = DidYouMean(id, ids);
  throw UnknownIdError({"", 0, what}, "unknown " + what + " id '" + id + "'" +
                                          (hint.empty() ? "" : "; " + hint) + " (`rightsize list " +
                                          what + "` lists them)");
}

}  // namespace

std::string Catalog::DefaultModelsDir() { return ModelsDir(); }

const Catalog& Catalog::Default() {
  static const Catalog catalog = Load(DefaultModelsDir());
  return catalog;
}

Catalog Catalog::Load(const std::string& models_dir) {
  std::error_code error;
  if (!fs::is_directory(models_dir, error)) {
    throw InputError({models_dir, 0, ""}, "models folder not found");
  }
  Catalog c;
  c.models_dir_ = models_dir;
  const fs::path root(models_dir);
  for (const auto& f : YamlFilesIn(root / "architectures"))
    Insert(c.models_, LoadModelSpecYaml(f), f);
  for (const auto& f : YamlFilesIn(root / "hardware"))
    Insert(c.hardware_, LoadHardwareSpecYaml(f), f);
  for (const auto& f : YamlFilesIn(root / "prices")) {
    PriceSpec price = LoadPriceSpecYaml(f);
    if (!c.hardware_.count(price.hardware_id)) {
      throw InputError({f, 1, "hardware"}, "unknown hardware id '" + price.hardware_id + "'");
    }
    Insert(c.prices_, std::move(price), f);
  }
  return c;
}

const ModelSpec& Catalog::Model(const std::string& id) const { return Find(models_, id, "models"); }
const HardwareSpec& Catalog::Hardware(const std::string& id) const {
  return Find(hardware_, id, "hardware");
}
const PriceSpec& Catalog::Price(const std::string& id) const { return Find(prices_, id, "prices"); }

std::vector<const PriceSpec*> Catalog::PricesFor(const std::string& hardware_id,
                                                 const std::vector<std::string>& kinds) const {
  std::vector<const PriceSpec*> out;
  for (const auto& [id, price] : prices_) {
    const bool kind_ok =
        kinds.empty() || std::find(kinds.begin(), kinds.end(), price.kind) != kinds.end();
    if (price.hardware_id == hardware_id && kind_ok) out.push_back(&price);
  }
  std::sort(out.begin(), out.end(), [](const PriceSpec* a, const PriceSpec* b) {
    return a->usd_per_hour < b->usd_per_hour;
  });
  return out;
}

std::vector<std::string> Catalog::PriceKinds() const {
  std::vector<std::string> kinds;
  for (const auto& [id, price] : prices_) {
    if (std::find(kinds.begin(), kinds.end(), price.kind) == kinds.end())
      kinds.push_back(price.kind);
  }
  std::sort(kinds.begin(), kinds.end());
  return kinds;
}

void Catalog::CheckQuotedPriceKind(const std::string& kind, const SourceLocation& where) const {
  const std::vector<std::string> kinds = PriceKinds();
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
    throw InputError(where, fmt::format("unknown price kind '{}' (the catalogue quotes: {})", kind,
                                        fmt::join(kinds, ", ")));
  }
}

ModelSpec LoadFromHfCache(const std::string& repo_id) {
  const fs::path snapshot = FindHfSnapshot(repo_id);
  ModelSpec spec = LoadHfConfig((snapshot / "config.json").string());
  spec.hf_repo = repo_id;
  // The checkpoint's own count checks the spec: the values its safetensors headers store
  // (parameters, for an unquantised checkpoint).
  if (const std::optional<CheckpointSummary> ckpt = ReadCheckpointSummary(snapshot)) {
    spec.published_params = static_cast<double>(ckpt->elements);
    spec.published_params_source =
        "safetensors headers in " + snapshot.string() + " (" + std::to_string(ckpt->tensors) +
        " tensors, " + std::to_string(ckpt->data_bytes) + " bytes of data" +
        (ckpt->index_total_size_bytes ? "; model.safetensors.index.json total_size " +
                                            std::to_string(*ckpt->index_total_size_bytes)
                                      : std::string()) +
        ")";
  }
  return spec;
}

ModelSpec Catalog::ResolveModel(const std::string& id_or_path) const {
  if (models_.count(id_or_path)) return models_.at(id_or_path);
  const fs::path path(id_or_path);
  // The error_code overloads: a name the file system rejects (too long, say) is not a file.
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    if (path.extension() == ".json") return LoadHfConfig(id_or_path);
    return LoadModelSpecYaml(id_or_path);
  }
  // Something that can only be a path is answered as one, not as an unknown id.
  const auto ext = path.extension();
  const bool looks_like_path = id_or_path.find('/') != std::string::npos || ext == ".json" ||
                               ext == ".yaml" || ext == ".yml";
  if (fs::exists(path, ec)) {
    throw InputError({id_or_path, 0, ""},
                     "not a regular file (give a config.json or a model YAML file)");
  }
  // A hub repository id ("Qwen/Qwen2.5-7B-Instruct") is read from the local Hugging Face cache.
  if (LooksLikeHfRepoId(id_or_path)) return LoadFromHfCache(id_or_path);
  if (looks_like_path) throw InputError({id_or_path, 0, ""}, "model file not found");
  return Model(id_or_path);  // throws UnknownIdError with suggestions
}

const ModelSpec* Catalog::MatchModel(const std::string& name_in_log) const {
  const std::string key = NormaliseModelName(name_in_log);
  if (key.empty()) return nullptr;
  for (const auto& [id, spec] : models_) {
    if (NormaliseModelName(id) == key) return &spec;
    if (!spec.hf_repo.empty() && NormaliseModelName(spec.hf_repo) == key) return &spec;
    for (const auto& alias : spec.aliases) {
      if (NormaliseModelName(alias) == key) return &spec;
    }
  }
  return nullptr;
}

const HardwareSpec* Catalog::MatchHardware(const std::string& name_in_log) const {
  const std::string key = NormaliseDeviceName(name_in_log);
  if (key.empty()) return nullptr;
  for (const auto& [id, spec] : hardware_) {
    if (id == key || NormaliseDeviceName(spec.name) == key) return &spec;
    for (const auto& alias : spec.aliases) {
      if (NormaliseDeviceName(alias) == key) return &spec;
    }
  }
  return nullptr;
}

std::vector<std::string> Catalog::ModelIds() const {
  std::vector<std::string> ids;
  for (const auto& [id, spec] : models_) ids.push_back(id);
  return ids;
}

std::vector<std::string> Catalog::HardwareIds() const {
  std::vector<std::string> ids;
  for (const auto& [id, spec] : hardware_) ids.push_back(id);
  return ids;
}

}  // namespace rightsize
