// Catalog: every spec under a models/ folder, looked up by id. Unknown ids are an
// UnknownIdError that suggests close matches.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sim/spec/hardware_spec.h"
#include "sim/spec/model_spec.h"
#include "sim/spec/price_spec.h"
#include "sim/util/error.h"

namespace rightsize {

class Catalog {
 public:
  // Loads models_dir/{architectures,hardware,prices}/*.yaml. Throws InputError on the first bad
  // file, and on duplicate ids.
  static Catalog Load(const std::string& models_dir);
  // The folder used when none is given: ModelsDir() (sim/util/data_paths.h).
  static std::string DefaultModelsDir();
  // Loaded once per process from DefaultModelsDir().
  static const Catalog& Default();

  const ModelSpec& Model(const std::string& id) const;
  const HardwareSpec& Hardware(const std::string& id) const;
  const PriceSpec& Price(const std::string& id) const;
  // Prices quoted for a device, cheapest first (empty if none); with `kinds`, only quotes of
  // those kinds (PriceSpec::kind; empty: every kind).
  std::vector<const PriceSpec*> PricesFor(const std::string& hardware_id,
                                          const std::vector<std::string>& kinds = {}) const;
  // InputError at `where` (the flag or key that named the kind) unless some price of the
  // catalogue has that kind.
  void CheckQuotedPriceKind(const std::string& kind, const SourceLocation& where) const;
  // Every PriceSpec::kind quoted in the catalogue, sorted.
  std::vector<std::string> PriceKinds() const;

  // A model id from the catalogue, a path to a Hugging Face config.json / a model YAML file, or a
  // hub repository id ("Qwen/Qwen2.5-7B-Instruct") found in the local Hugging Face cache
  // (sim/spec/hf_cache.h): its config.json, with published_params set to the count its
  // safetensors headers store. No network.
  ModelSpec ResolveModel(const std::string& id_or_path) const;

  // The one matcher for names as logs and datasets print them (sim/spec/name_match.h): a spec
  // matches when the name, normalised, equals its normalised id, hf_repo (models), display name
  // (hardware) or one of its `aliases:`. nullptr when none does.
  const ModelSpec* MatchModel(const std::string& name_in_log) const;
  const HardwareSpec* MatchHardware(const std::string& name_in_log) const;

  std::vector<std::string> ModelIds() const;
  std::vector<std::string> HardwareIds() const;
  const std::map<std::string, ModelSpec>& models() const { return models_; }
  const std::map<std::string, HardwareSpec>& hardware() const { return hardware_; }
  const std::map<std::string, PriceSpec>& prices() const { return prices_; }
  const std::string& models_dir() const { return models_dir_; }

 private:
  std::string models_dir_;
  std::map<std::string, ModelSpec> models_;
  std::map<std::string, HardwareSpec> hardware_;
  std::map<std::string, PriceSpec> prices_;
};

// A model from the local Hugging Face cache by repository id (see Catalog::ResolveModel).
ModelSpec LoadFromHfCache(const std::string& repo_id);

}  // namespace rightsize
