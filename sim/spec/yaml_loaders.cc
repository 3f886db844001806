#include "sim/spec/yaml_loaders.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "sim/util/strings.h"
#include "sim/util/yaml_reader.h"

namespace rightsize {
namespace {

constexpr double kHuge = std::numeric_limits<double>::max();

AttentionKind ParseAttentionKind(const std::string& text, const SourceLocation& where) {
  const std::string lower = ToLower(text);
  if (lower == "full") return AttentionKind::kFull;
  if (lower == "sliding") return AttentionKind::kSlidingWindow;
  if (lower == "linear") return AttentionKind::kLinear;
  throw InputError(where, "unknown attention kind '" + text + "' (valid: full, sliding, linear)");
}

template <typename Enum>
Enum ParseChoice(YamlReader& r, const std::string& key,
                 std::initializer_list<std::pair<const char*, Enum>> choices,
                 std::optional<Enum> fallback = std::nullopt) {
  if (fallback && !r.Has(key)) {
    r.OptionalString(key, "");
    return *fallback;
  }
  const std::string value = ToLower(r.RequiredString(key));
  std::string valid;
  for (const auto& [name, e] : choices) {
    if (value == name) return e;
    valid += (valid.empty() ? "" : ", ") + std::string(name);
  }
  throw InputError(r.Where(key), "unknown value '" + value + "' (valid: " + valid + ")");
}

// `aliases:` (a list of names) needs `aliases_source:` saying where those names are printed.
template <typename Spec>
void ParseAliases(YamlReader& r, Spec* spec) {
  spec->aliases = r.OptionalStringList("aliases");
  spec->aliases_source = r.OptionalString("aliases_source", "");
  if (!spec->aliases.empty() && spec->aliases_source.empty()) {
    throw InputError(r.Where("aliases"),
                     "aliases need an aliases_source: where those names appear");
  }
}

// `released_weights:` a storage format per tensor class: `default` for every class not named, a
// key per class that differs, and `source` saying where the mix is published. Only storage
// formats are valid (not the schemes q4_k_m / released, nor the compute unit fp4).
TensorPrecisions ParseReleasedWeights(YamlReader& r, std::string* source) {
  *source = r.RequiredString("source");
  auto parse = [&](const std::string& key) {
    const Precision p = ParsePrecision(r.RequiredString(key), r.Where(key));
    if (p == Precision::kQ4_K_M || p == Precision::kReleased || p == Precision::kFp4) {
      throw InputError(r.Where(key), "'" + ToString(p) + "' is not a storage format of one tensor");
    }
    return p;
  };
  TensorPrecisions mix;
  mix.by_class.fill(parse("default"));
  for (std::size_t i = 0; i < kNumTensorClasses; ++i) {
    const auto c = static_cast<TensorClass>(i);
    if (r.Has(ToString(c))) mix[c] = parse(ToString(c));
  }
  r.RejectUnknownKeys();
  return mix;
}

void ThrowIfInvalid(bool ok, const std::string& why, const SourceLocation& where) {
  if (!ok) throw InputError(where, why);
}

}  // namespace

ModelSpec ParseModelSpec(const YAML::Node& root, const std::string& file) {
  YamlReader r(root, file);
  ModelSpec m;
  m.id = r.RequiredString("id");
  m.name = r.RequiredString("name");
  m.family = r.OptionalString("family", "");
  m.hf_repo = r.OptionalString("hf_repo", "");
  ParseAliases(r, &m);
  m.source = r.RequiredString("source");
  m.notes = r.OptionalString("notes", "");
  m.published_params = r.MaybeDouble("published_params", 1, kHuge);
  m.published_active_params = r.MaybeDouble("published_active_params", 1, kHuge);
  m.published_params_source = r.OptionalString("published_params_source", "");

  YamlReader a = r.Child("architecture");
  using L = ModelLimits;  // the plausible ranges, shared with config.json and Validate
  m.num_layers = a.RequiredInt("num_layers", 1, L::kMaxLayers);
  m.d_model = a.RequiredInt("d_model", 1, L::kMaxDModel);
  m.num_heads = a.RequiredInt("num_heads", 1, L::kMaxHeads);
  m.num_kv_heads = a.RequiredInt("num_kv_heads", 1, L::kMaxHeads);
  m.head_dim = a.RequiredInt("head_dim", 1, L::kMaxHeadDim);
  m.d_ff = a.RequiredInt("d_ff", 0, L::kMaxFfn);
  m.vocab_size = a.RequiredInt("vocab_size", 1, L::kMaxVocab);
  m.tied_embeddings = a.RequiredBool("tied_embeddings");
  m.mlp = ParseChoice<MlpKind>(a, "mlp", {{"gated", MlpKind::kGated}, {"plain", MlpKind::kPlain}});
  m.norm = ParseChoice<NormKind>(
      a, "norm", {{"rmsnorm", NormKind::kRmsNorm}, {"layernorm", NormKind::kLayerNorm}});
  m.norms_per_layer = a.OptionalInt("norms_per_layer", 2, 0, L::kMaxNormsPerLayer);
  m.qkv_bias = a.OptionalBool("qkv_bias", false);
  m.o_bias = a.OptionalBool("o_bias", false);
  m.mlp_bias = a.OptionalBool("mlp_bias", false);
  m.qk_norm = a.OptionalBool("qk_norm", false);
  m.attention_sinks = a.OptionalBool("attention_sinks", false);
  m.attention_output_gate = a.OptionalBool("attention_output_gate", false);
  m.max_context_tokens = a.RequiredInt("max_context_tokens", 1, L::kMaxContextTokens);
  std::vector<std::string> pattern = a.OptionalStringList("layer_pattern");
  if (pattern.empty()) pattern = {"full"};
  std::vector<AttentionKind> kinds;
  for (const auto& entry : pattern)
    kinds.push_back(ParseAttentionKind(entry, a.Where("layer_pattern")));
  for (int64_t layer = 0; layer < m.num_layers; ++layer) {
    m.layer_attention.push_back(kinds[layer % kinds.size()]);
  }
  m.sliding_window_tokens = a.OptionalInt("sliding_window_tokens", 0, 0, L::kMaxContextTokens);
  if (a.Has("moe")) {
    YamlReader e = a.Child("moe");
    MoeSpec moe;
    moe.num_experts = e.RequiredInt("num_experts", 2, L::kMaxExperts);
    moe.num_active_experts = e.RequiredInt("num_active_experts", 1, L::kMaxExperts);
    moe.expert_d_ff = e.RequiredInt("expert_d_ff", 1, L::kMaxFfn);
    moe.num_shared_experts = e.OptionalInt("num_shared_experts", 0, 0, L::kMaxExperts);
    moe.shared_expert_d_ff = e.OptionalInt("shared_expert_d_ff", 0, 0, L::kMaxFfn);
    moe.shared_expert_gate = e.OptionalBool("shared_expert_gate", false);
    moe.router_bias = e.OptionalBool("router_bias", false);
    moe.expert_bias = e.OptionalBool("expert_bias", false);
    e.RejectUnknownKeys();
    m.moe = moe;
  }
  m.first_dense_layers = a.OptionalInt("first_dense_layers", 0, 0, L::kMaxLayers);
  m.moe_layer_step = a.OptionalInt("moe_layer_step", 1, 1, L::kMaxLayers);
  m.mtp_layers = a.OptionalInt("mtp_layers", 0, 0, 64);
  if (a.Has("mla")) {
    YamlReader q = a.Child("mla");
    MlaSpec mla;
    mla.q_lora_rank = q.OptionalInt("q_lora_rank", 0, 0, L::kMaxDModel);
    mla.kv_lora_rank = q.RequiredInt("kv_lora_rank", 1, L::kMaxDModel);
    mla.qk_nope_head_dim = q.RequiredInt("qk_nope_head_dim", 1, L::kMaxHeadDim);
    mla.qk_rope_head_dim = q.RequiredInt("qk_rope_head_dim", 0, L::kMaxHeadDim);
    mla.v_head_dim = q.RequiredInt("v_head_dim", 1, L::kMaxHeadDim);
    q.RejectUnknownKeys();
    m.mla = mla;
  }
  if (a.Has("linear_attention")) {
    YamlReader l = a.Child("linear_attention");
    LinearAttentionSpec la;
    la.num_key_heads = l.RequiredInt("num_key_heads", 1, L::kMaxHeads);
    la.num_value_heads = l.RequiredInt("num_value_heads", 1, L::kMaxHeads);
    la.key_head_dim = l.RequiredInt("key_head_dim", 1, L::kMaxHeadDim);
    la.value_head_dim = l.RequiredInt("value_head_dim", 1, L::kMaxHeadDim);
    la.conv_kernel = l.RequiredInt("conv_kernel", 1, L::kMaxConvKernel);
    la.state_precision =
        ParsePrecision(l.RequiredString("state_precision"), l.Where("state_precision"));
    l.RejectUnknownKeys();
    m.linear_attention = la;
  }
  a.RejectUnknownKeys();
  if (r.Has("released_weights")) {
    YamlReader rw = r.Child("released_weights");
    m.released_weights = ParseReleasedWeights(rw, &m.released_weights_source);
  }
  r.RejectUnknownKeys();
  std::string why;
  ThrowIfInvalid(Validate(m, &why), why, {file, LineOf(root["architecture"]), "architecture"});
  return m;
}

HardwareSpec ParseHardwareSpec(const YAML::Node& root, const std::string& file) {
  YamlReader r(root, file);
  HardwareSpec h;
  h.id = r.RequiredString("id");
  h.name = r.RequiredString("name");
  h.vendor = r.RequiredString("vendor");
  h.kind = ParseChoice<DeviceKind>(
      r, "kind", {{"gpu", DeviceKind::kGpu}, {"cpu", DeviceKind::kCpu}, {"soc", DeviceKind::kSoc}});
  h.architecture = r.OptionalString("architecture", "");
  if (r.Has("architecture") &&
      std::find(kHardwareArchitectures.begin(), kHardwareArchitectures.end(), h.architecture) ==
          kHardwareArchitectures.end()) {
    std::string known;
    for (const std::string& a : kHardwareArchitectures) known += (known.empty() ? "" : ", ") + a;
    throw InputError(r.Where("architecture"),
                     "unknown architecture '" + h.architecture + "' (" + known + ")");
  }
  h.board_class = r.OptionalString("board_class", "");
  if (r.Has("board_class") &&
      std::find(kBoardClasses.begin(), kBoardClasses.end(), h.board_class) == kBoardClasses.end()) {
    std::string known;
    for (const std::string& c : kBoardClasses) known += (known.empty() ? "" : ", ") + c;
    throw InputError(r.Where("board_class"),
                     "unknown board class '" + h.board_class + "' (" + known + ")");
  }
  h.source = r.RequiredString("source");
  h.notes = r.OptionalString("notes", "");
  ParseAliases(r, &h);
  h.memory_bytes = r.RequiredDouble("memory_bytes", 1, kHuge);
  h.memory_bandwidth_bytes_per_s = r.RequiredDouble("memory_bandwidth_bytes_per_s", 1, kHuge);
  YamlReader peaks = r.Child("peak_flops_per_s");
  for (const auto& name : PrecisionNames()) {
    if (peaks.Has(name)) {
      h.peak_flops_per_s[ParsePrecision(name, peaks.Where(name))] =
          peaks.RequiredDouble(name, 1, kHuge);
    }
  }
  peaks.RejectUnknownKeys();
  h.link_bandwidth_bytes_per_s = r.OptionalDouble("link_bandwidth_bytes_per_s", 0, 0, kHuge);
  h.link_kind = r.OptionalString("link_kind", "none");
  h.link_latency_s = r.OptionalDouble("link_latency_s", 0, 0, 1e-3);
  h.tdp_w = r.OptionalDouble("tdp_w", 0, 0, 1e6);
  if (r.Has("cpu")) {
    YamlReader c = r.Child("cpu");
    CpuSpec cpu;
    cpu.cores = static_cast<int>(c.RequiredInt("cores", 1, 100000));
    cpu.simd_bits = static_cast<int>(c.OptionalInt("simd_bits", 0, 0, 4096));
    cpu.memory_channels = static_cast<int>(c.OptionalInt("memory_channels", 0, 0, 1024));
    cpu.clock_hz = c.OptionalDouble("clock_hz", 0, 0, 1e11);
    c.RejectUnknownKeys();
    h.cpu = cpu;
  }
  r.RejectUnknownKeys();
  std::string why;
  ThrowIfInvalid(Validate(h, &why), why, {file, 1, h.id});
  return h;
}

PriceSpec ParsePriceSpec(const YAML::Node& root, const std::string& file) {
  YamlReader r(root, file);
  PriceSpec p;
  p.id = r.RequiredString("id");
  p.hardware_id = r.RequiredString("hardware");
  p.kind = r.RequiredString("kind");
  CheckPriceKind(p.kind, r.Where("kind"));
  if (p.kind == kPriceOwned) {
    // An owned device's hour is computed from what it costs to buy, host and power.
    if (r.Has("usd_per_hour")) {
      throw InputError(r.Where("usd_per_hour"),
                       "an owned price is computed from its `owned:` parts; remove usd_per_hour");
    }
    YamlReader o = r.Child("owned");
    OwnedCost owned;
    owned.purchase_usd = o.RequiredDouble("purchase_usd", 1e-6, 1e9);
    owned.host_share_usd = o.RequiredDouble("host_share_usd", 0, 1e9);
    owned.depreciation_years = o.RequiredDouble("depreciation_years", 0.1, 20);
    owned.power_w = o.RequiredDouble("power_w", 0, 1e6);
    owned.pue = o.RequiredDouble("pue", 1.0, 3.0);
    owned.electricity_usd_per_kwh = o.RequiredDouble("electricity_usd_per_kwh", 0, 10);
    owned.colocation_usd_per_month = o.RequiredDouble("colocation_usd_per_month", 0, 1e7);
    o.RejectUnknownKeys();
    p.usd_per_hour = OwnedUsdPerHour(owned);
    p.owned = owned;
  } else {
    p.usd_per_hour = r.RequiredDouble("usd_per_hour", 0, kMaxUsdPerDeviceHour);
  }
  p.date = r.RequiredString("date");
  p.source = r.RequiredString("source");
  p.notes = r.OptionalString("notes", "");
  r.RejectUnknownKeys();
  return p;
}

ModelSpec LoadModelSpecYaml(const std::string& path) {
  return ParseModelSpec(LoadYamlFile(path), path);
}
HardwareSpec LoadHardwareSpecYaml(const std::string& path) {
  return ParseHardwareSpec(LoadYamlFile(path), path);
}
PriceSpec LoadPriceSpecYaml(const std::string& path) {
  return ParsePriceSpec(LoadYamlFile(path), path);
}

}  // namespace rightsize
