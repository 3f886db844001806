#include "sim/serve/engine_profile.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/spec/catalog.h"
#include "sim/util/strings.h"
#include "sim/util/yaml_reader.h"

namespace rightsize {
namespace {

constexpr int64_t kMaxCount = int64_t{1} << 30;

template <typename Enum>
Enum ParseEnum(const std::string& text, const SourceLocation& where,
               std::initializer_list<std::pair<const char*, Enum>> choices) {
  const std::string value = ToLower(Trim(text));
  std::string valid;
  for (const auto& [name, e] : choices) {
    if (value == name) return e;
    valid += (valid.empty() ? "" : ", ") + std::string(name);
  }
  throw InputError(where, "unknown value '" + text + "' (valid: " + valid + ")");
}

DeviceTier ParseTier(const YAML::Node& node, const std::string& file, const std::string& key) {
  YamlReader r(node, file, key);
  DeviceTier t;
  t.min_memory_bytes = r.RequiredDouble("min_memory_bytes", 0, 1e15);
  t.except_hardware = r.OptionalStringList("except_hardware");
  t.max_num_seqs = r.OptionalInt("max_num_seqs", 0, 1, kMaxCount);
  t.max_num_batched_tokens = r.OptionalInt("max_num_batched_tokens", 0, 1, kMaxCount);
  r.RejectUnknownKeys();
  return t;
}

}  // namespace

std::string ToString(StepPolicy policy) {
  return policy == StepPolicy::kDecodeFirst ? "decode_first" : "prefill_first";
}
std::string ToString(KvAdmission admission) {
  return admission == KvAdmission::kOnDemand ? "on_demand" : "reserve_full";
}
std::string ToString(RouterPolicy router) {
  return router == RouterPolicy::kRoundRobin ? "round_robin" : "least_loaded";
}

StepPolicy ParseStepPolicy(const std::string& text, const SourceLocation& where) {
  return ParseEnum<StepPolicy>(
      text, where,
      {{"decode_first", StepPolicy::kDecodeFirst}, {"prefill_first", StepPolicy::kPrefillFirst}});
}

KvAdmission ParseKvAdmission(const std::string& text, const SourceLocation& where) {
  return ParseEnum<KvAdmission>(
      text, where,
      {{"on_demand", KvAdmission::kOnDemand}, {"reserve_full", KvAdmission::kReserveFull}});
}

RouterPolicy ParseRouterPolicy(const std::string& text, const SourceLocation& where) {
  return ParseEnum<RouterPolicy>(
      text, where,
      {{"round_robin", RouterPolicy::kRoundRobin}, {"least_loaded", RouterPolicy::kLeastLoaded}});
}

EngineProfile LoadEngineProfile(const std::string& path) {
  YamlReader r(LoadYamlFile(path), path);
  EngineProfile p;
  p.file = path;
  p.id = r.RequiredString("id");
  p.name = r.RequiredString("name");
  p.version = r.RequiredString("version");
  p.source = r.RequiredString("source");
  p.notes = r.OptionalString("notes", "");

  YamlReader s = r.Child("scheduler");
  p.max_num_seqs = s.RequiredInt("max_num_seqs", 1, kMaxCount);
  p.max_num_batched_tokens = s.RequiredInt("max_num_batched_tokens", 1, kMaxCount);
  p.chunked_prefill = s.RequiredBool("chunked_prefill");
  p.policy = ParseStepPolicy(s.RequiredString("policy"), s.Where("policy"));
  p.admission = ParseKvAdmission(s.RequiredString("admission"), s.Where("admission"));
  p.reserve_full_isl = s.RequiredBool("reserve_full_isl");
  if (s.Has("device_tiers")) {
    const YAML::Node tiers = s.Raw("device_tiers");
    if (!tiers.IsSequence()) throw InputError(s.Where("device_tiers"), "expected a list");
    for (std::size_t i = 0; i < tiers.size(); ++i) {
      p.device_tiers.push_back(
          ParseTier(tiers[i], path, fmt::format("scheduler.device_tiers[{}]", i)));
    }
  } else {
    s.OptionalString("device_tiers", "");
  }
  s.RejectUnknownKeys();

  YamlReader kv = r.Child("kv_cache");
  p.block_size_tokens = kv.RequiredInt("block_size_tokens", 1, 1 << 20);
  p.memory_utilization = kv.RequiredDouble("memory_utilization", 1e-3, 1.0);
  p.prefix_caching = kv.RequiredBool("prefix_caching");
  const std::string linear_state = kv.OptionalString("linear_state", "preallocated");
  if (linear_state != "preallocated" && linear_state != "per_request") {
    throw InputError(kv.Where("linear_state"),
                     "unknown value '" + linear_state + "' (valid: preallocated, per_request)");
  }
  p.linear_state_per_request = linear_state == "per_request";
  kv.RejectUnknownKeys();

  p.router = ParseRouterPolicy(r.RequiredString("router"), r.Where("router"));
  const std::string exchange = r.RequiredString("expert_parallel_exchange");
  if (exchange != "allgather_reducescatter" && exchange != "all_to_all") {
    throw InputError(
        r.Where("expert_parallel_exchange"),
        "unknown value '" + exchange + "' (valid: allgather_reducescatter, all_to_all)");
  }
  p.ep_allgather = exchange == "allgather_reducescatter";

  YamlReader h = r.Child("host_overheads");
  p.step_overhead_s = h.RequiredDouble("step_overhead_s", 0.0, 1.0);
  p.sequence_overhead_s = h.RequiredDouble("sequence_overhead_s", 0.0, 1e-3);
  h.RejectUnknownKeys();

  r.RejectUnknownKeys();
  return p;
}

std::vector<EngineProfile> LoadEngineProfiles(const std::string& models_dir) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(models_dir) / "engines";
  std::vector<EngineProfile> profiles;
  std::error_code error;
  if (!fs::is_directory(dir, error)) return profiles;
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  std::map<std::string, std::string> seen;
  for (const std::string& file : files) {
    EngineProfile p = LoadEngineProfile(file);
    const auto [it, inserted] = seen.emplace(p.id, file);
    if (!inserted) {
      throw InputError({file, 1, "id"},
                       fmt::format("engine id '{}' is also defined in {}", p.id, it->second));
    }
    profiles.push_back(std::move(p));
  }
  std::sort(profiles.begin(), profiles.end(),
            [](const EngineProfile& a, const EngineProfile& b) { return a.id < b.id; });
  return profiles;
}

const EngineProfile& FindEngineProfile(const std::string& id) {
  static std::once_flag once;
  static std::vector<EngineProfile> profiles;
  std::call_once(once, [] { profiles = LoadEngineProfiles(Catalog::DefaultModelsDir()); });
  std::vector<std::string> ids;
  for (const EngineProfile& p : profiles) {
    if (p.id == id) return p;
    ids.push_back(p.id);
  }
  std::string message = fmt::format("unknown engine '{}'", id);
  const std::string hint = DidYouMean(id, ids);
  message += hint.empty() ? fmt::format(" (known: {})", fmt::join(ids, ", ")) : "; " + hint;
  throw UnknownIdError({"", 0, "engine"}, message);
}

std::string EngineProfileIdForLogEngine(const std::string& engine_in_log) {
  const std::string e = ToLower(engine_in_log);
  const auto starts = [&e](const char* prefix) { return e.rfind(prefix, 0) == 0; };
  if (starts("sglang")) return "sglang";
  if (starts("trt") || starts("tensorrt")) return "tensorrt-llm";
  if (starts("llama")) return "llama-cpp-server";
  return "vllm-v1";
}

EngineConfig ResolveEngineConfig(const EngineProfile& p, const HardwareSpec& hw) {
  EngineConfig c;
  c.engine_id = p.id;
  c.max_num_seqs = p.max_num_seqs;
  c.max_num_batched_tokens = p.max_num_batched_tokens;
  for (const DeviceTier& tier : p.device_tiers) {
    if (hw.memory_bytes < tier.min_memory_bytes) continue;
    const bool excluded =
        std::any_of(tier.except_hardware.begin(), tier.except_hardware.end(),
                    [&](const std::string& part) { return hw.id.find(part) != std::string::npos; });
    if (excluded) continue;
    if (tier.max_num_seqs > 0) c.max_num_seqs = tier.max_num_seqs;
    if (tier.max_num_batched_tokens > 0) c.max_num_batched_tokens = tier.max_num_batched_tokens;
    break;
  }
  c.chunked_prefill = p.chunked_prefill;
  c.policy = p.policy;
  c.admission = p.admission;
  c.reserve_full_isl = p.reserve_full_isl;
  c.block_size_tokens = p.block_size_tokens;
  c.memory_utilization = p.memory_utilization;
  c.prefix_caching = p.prefix_caching;
  c.linear_state_per_request = p.linear_state_per_request;
  c.router = p.router;
  c.ep_allgather = p.ep_allgather;
  c.step_overhead_s = p.step_overhead_s;
  c.sequence_overhead_s = p.sequence_overhead_s;
  return c;
}

bool Validate(const EngineConfig& c, std::string* why) {
  auto fail = [&](const std::string& message) {
    if (why) *why = message;
    return false;
  };
  if (c.max_num_seqs < 1)
    return fail(fmt::format("max_num_seqs must be >= 1, got {}", c.max_num_seqs));
  if (c.max_num_batched_tokens < 1) {
    return fail(
        fmt::format("max_num_batched_tokens must be >= 1, got {}", c.max_num_batched_tokens));
  }
  if (c.block_size_tokens < 1) {
    return fail(fmt::format("block_size_tokens must be >= 1, got {}", c.block_size_tokens));
  }
  if (!(c.memory_utilization > 0 && c.memory_utilization <= 1)) {
    return fail("memory_utilization must be in (0, 1]");
  }
  if (c.kv_cache_blocks < 0) return fail("kv_cache_blocks must be >= 0");
  if (!(c.step_overhead_s >= 0 && c.step_overhead_s <= 1))
    return fail("step_overhead_s must be in [0, 1]");
  if (!(c.sequence_overhead_s >= 0 && c.sequence_overhead_s <= 1e-3)) {
    return fail("sequence_overhead_s must be in [0, 1e-3]");
  }
  return true;
}

}  // namespace rightsize
