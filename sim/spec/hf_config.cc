#include "sim/spec/hf_config.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "sim/util/error.h"
#include "sim/util/file_io.h"
#include "sim/util/json_reader.h"

namespace rightsize {
namespace {

enum class Family {
  kLlama,
  kMistral,
  kMixtral,
  kQwen2,
  kQwen2Moe,
  kQwen3,
  kQwen3Moe,
  kPhi3,
  kGemma2,
  kGptOss,
  kQwen3Next,
  kQwen3_5,
  kDeepseekV3,
  kGemma3,
  kLlama4
};

struct ArchitectureName {
  const char* name;
  Family family;
};

constexpr ArchitectureName kArchitectures[] = {
    {"LlamaForCausalLM", Family::kLlama},
    {"MistralForCausalLM", Family::kMistral},
    {"MixtralForCausalLM", Family::kMixtral},
    {"Qwen2ForCausalLM", Family::kQwen2},
    {"Qwen2MoeForCausalLM", Family::kQwen2Moe},
    {"Qwen3ForCausalLM", Family::kQwen3},
    {"Qwen3MoeForCausalLM", Family::kQwen3Moe},
    {"Phi3ForCausalLM", Family::kPhi3},
    {"Gemma2ForCausalLM", Family::kGemma2},
    {"GptOssForCausalLM", Family::kGptOss},
    {"Qwen3NextForCausalLM", Family::kQwen3Next},
    {"Qwen3_5ForConditionalGeneration", Family::kQwen3_5},
    {"Qwen3_5ForCausalLM", Family::kQwen3_5},
    {"DeepseekV3ForCausalLM", Family::kDeepseekV3},
    {"Gemma3ForCausalLM", Family::kGemma3},
    {"Gemma3ForConditionalGeneration", Family::kGemma3},
    {"Llama4ForCausalLM", Family::kLlama4},
    {"Llama4ForConditionalGeneration", Family::kLlama4},
};

// Each integer key with its plausible range (ModelLimits); a key not listed is a count >= 1
// bounded by the number of layers.
int64_t MaxOf(const std::string& key) {
  using L = ModelLimits;
  static const std::map<std::string, int64_t> limits = {
      {"num_hidden_layers", L::kMaxLayers},
      {"hidden_size", L::kMaxDModel},
      {"num_attention_heads", L::kMaxHeads},
      {"num_key_value_heads", L::kMaxHeads},
      {"head_dim", L::kMaxHeadDim},
      {"vocab_size", L::kMaxVocab},
      {"max_position_embeddings", L::kMaxContextTokens},
      {"sliding_window", L::kMaxContextTokens},
      {"intermediate_size", L::kMaxFfn},
      {"moe_intermediate_size", L::kMaxFfn},
      {"shared_expert_intermediate_size", L::kMaxFfn},
      {"num_local_experts", L::kMaxExperts},
      {"num_experts", L::kMaxExperts},
      {"num_experts_per_tok", L::kMaxExperts},
      {"experts_per_token", L::kMaxExperts},
      {"linear_num_key_heads", L::kMaxHeads},
      {"linear_num_value_heads", L::kMaxHeads},
      {"linear_key_head_dim", L::kMaxHeadDim},
      {"linear_value_head_dim", L::kMaxHeadDim},
      {"linear_conv_kernel_dim", L::kMaxConvKernel},
      {"n_routed_experts", L::kMaxExperts},
      {"n_shared_experts", L::kMaxExperts},
      {"kv_lora_rank", L::kMaxDModel},
      {"q_lora_rank", L::kMaxDModel},
      {"qk_nope_head_dim", L::kMaxHeadDim},
      {"qk_rope_head_dim", L::kMaxHeadDim},
      {"v_head_dim", L::kMaxHeadDim},
      {"intermediate_size_mlp", L::kMaxFfn},
      {"attention_chunk_size", L::kMaxContextTokens},
  };
  const auto it = limits.find(key);
  return it == limits.end() ? L::kMaxLayers : it->second;
}

// The config's keys through the strict JSON layer: every integer in its plausible range, errors
// at file:line: key.
class ConfigReader {
 public:
  explicit ConfigReader(JsonValue config) : config_(std::move(config)) {}

  SourceLocation Where(const std::string& key) const { return config_.Where(key); }
  bool Has(const std::string& key) const { return config_.Has(key); }
  int64_t Int(const std::string& key) const { return config_.RequiredInt(key, 1, MaxOf(key)); }
  int64_t IntOr(const std::string& key, int64_t fallback) const {
    return config_.OptionalInt(key, fallback, 1, MaxOf(key));
  }
  // A count that may be 0 (shared experts, leading dense layers, MTP modules).
  int64_t CountOr(const std::string& key, int64_t fallback) const {
    return config_.OptionalInt(key, fallback, 0, MaxOf(key));
  }
  bool BoolOr(const std::string& key, bool fallback) const {
    return config_.OptionalBool(key, fallback);
  }
  JsonValue Raw(const std::string& key) const { return config_.Child(key); }
  // A torch dtype name ("float32", "bfloat16", "float16").
  Precision DtypeOr(const std::string& key, Precision fallback) const {
    if (!Has(key)) return fallback;
    const JsonValue v = Raw(key);
    const std::string name = v.IsString() ? v.AsString() : "";
    if (name == "float32") return Precision::kFp32;
    if (name == "bfloat16") return Precision::kBf16;
    if (name == "float16") return Precision::kFp16;
    throw InputError(Where(key), "expected float32, bfloat16 or float16, got " + v.Preview());
  }

 private:
  JsonValue config_;
};

// The architecture named first in `architectures`; InputError when it is missing or unsupported.
const ArchitectureName& ArchitectureOf(const ConfigReader& root) {
  if (!root.Has("architectures") || !root.Raw("architectures").IsArray() ||
      root.Raw("architectures").Size() == 0 ||
      !root.Raw("architectures").Elements()[0].IsString()) {
    throw InputError(root.Where("architectures"), "missing or empty list of architectures");
  }
  const std::string arch = root.Raw("architectures").Elements()[0].AsString();
  const ArchitectureName* found = nullptr;
  for (const auto& a : kArchitectures) {
    if (arch == a.name) found = &a;
  }
  if (!found) {
    std::string valid;
    for (const auto& name : SupportedHfArchitectures()) valid += (valid.empty() ? "" : ", ") + name;
    throw InputError(root.Where("architectures"),
                     "unsupported architecture '" + arch + "' (supported: " + valid + ")");
  }
  return *found;
}

// Qwen3-Next and Qwen3.5: gated-delta-net linear attention in most layers.
bool IsHybrid(Family family) { return family == Family::kQwen3Next || family == Family::kQwen3_5; }

// Biases, norms, sinks and gates of the attention block, the linear-attention state (hybrids)
// and multi-head latent attention (DeepSeek-V3).
void ReadAttention(const ConfigReader& c, Family family, ModelSpec* spec) {
  ModelSpec& m = *spec;
  const bool hybrid = IsHybrid(family);
  const bool attention_bias = c.BoolOr("attention_bias", false);
  switch (family) {
    case Family::kQwen2:
    case Family::kQwen2Moe:
      m.qkv_bias = true;  // Qwen2 always has q/k/v biases, no o bias
      break;
    case Family::kLlama:
    case Family::kGptOss:
      m.qkv_bias = attention_bias;
      m.o_bias = attention_bias;
      break;
    default:
      m.qkv_bias = attention_bias;
      break;
  }
  m.mlp_bias = c.BoolOr("mlp_bias", false);
  // Gemma 3 has q_norm / k_norm RMSNorms with weights; Llama 4's qk-norm is a weightless L2 norm.
  m.qk_norm = family == Family::kQwen3 || family == Family::kQwen3Moe ||
              family == Family::kGemma3 || hybrid;
  m.attention_sinks = family == Family::kGptOss;
  // Qwen3NextAttention always builds q_proj with the gate half; Qwen3.5 configs state it.
  m.attention_output_gate = hybrid && c.BoolOr("attn_output_gate", true);
  if (hybrid) {
    LinearAttentionSpec la;
    la.num_key_heads = c.Int("linear_num_key_heads");
    la.num_value_heads = c.Int("linear_num_value_heads");
    la.key_head_dim = c.Int("linear_key_head_dim");
    la.value_head_dim = c.Int("linear_value_head_dim");
    la.conv_kernel = c.Int("linear_conv_kernel_dim");
    // The reference recurrence (torch_recurrent_gated_delta_rule) keeps the state in float32.
    la.state_precision = c.DtypeOr("mamba_ssm_dtype", Precision::kFp32);
    m.linear_attention = la;
  }

  if (family == Family::kDeepseekV3) {
    // Multi-head latent attention (DeepseekV3Attention); head_dim records the value width.
    MlaSpec mla;
    mla.q_lora_rank = c.CountOr("q_lora_rank", 0);
    mla.kv_lora_rank = c.Int("kv_lora_rank");
    mla.qk_nope_head_dim = c.Int("qk_nope_head_dim");
    mla.qk_rope_head_dim = c.Int("qk_rope_head_dim");
    mla.v_head_dim = c.Int("v_head_dim");
    m.mla = mla;
    m.head_dim = mla.v_head_dim;
    m.num_kv_heads = m.num_heads;
    m.mtp_layers = c.CountOr("num_nextn_predict_layers", 0);
  }
}

// Attention kinds per layer and the sliding window.
void ReadLayerKinds(const ConfigReader& c, Family family, ModelSpec* spec) {
  ModelSpec& m = *spec;
  const bool hybrid = IsHybrid(family);
  // Explicit layer_types, else the family's convention. Llama 4's
  // chunked local layers are priced as sliding windows of the chunk (an upper bound on their
  // cache and attention work; models/architectures/llama-4-*.yaml).
  const int64_t window = c.Has("sliding_window") ? c.Int("sliding_window")
                         : family == Family::kLlama4 && c.Has("attention_chunk_size")
                             ? c.Int("attention_chunk_size")
                             : 0;
  const bool qwen_sliding = c.BoolOr("use_sliding_window", false);
  if (c.Has("layer_types")) {
    const JsonValue types = c.Raw("layer_types");
    if (!types.IsArray() || static_cast<int64_t>(types.Size()) != m.num_layers) {
      throw InputError(c.Where("layer_types"), "expected one entry per layer");
    }
    for (const JsonValue& t : types.Elements()) {
      const std::string kind = t.IsString() ? t.AsString() : "";
      if (kind == "full_attention") {
        m.layer_attention.push_back(AttentionKind::kFull);
      } else if (kind == "sliding_attention") {
        m.layer_attention.push_back(AttentionKind::kSlidingWindow);
      } else if (kind == "linear_attention") {
        m.layer_attention.push_back(AttentionKind::kLinear);
      } else {
        t.Fail("unknown layer type " + t.Preview());
      }
    }
  } else if (hybrid) {
    // Qwen3NextConfig's default: every full_attention_interval-th layer is full attention.
    const int64_t interval = c.IntOr("full_attention_interval", 4);
    for (int64_t layer = 0; layer < m.num_layers; ++layer) {
      m.layer_attention.push_back((layer + 1) % interval == 0 ? AttentionKind::kFull
                                                              : AttentionKind::kLinear);
    }
  } else {
    for (int64_t layer = 0; layer < m.num_layers; ++layer) {
      AttentionKind kind = AttentionKind::kFull;
      if (window > 0) {
        if (family == Family::kGemma2 || family == Family::kGptOss) {
          kind = layer % 2 == 0 ? AttentionKind::kSlidingWindow : AttentionKind::kFull;
        } else if (family == Family::kGemma3) {
          // transformers Gemma3: layer i is global when (i + 1) % sliding_window_pattern == 0.
          const int64_t pattern = c.IntOr("sliding_window_pattern", 6);
          kind = (layer + 1) % pattern == 0 ? AttentionKind::kFull : AttentionKind::kSlidingWindow;
        } else if (family == Family::kLlama4) {
          // Every no_rope_layer_interval-th layer is a global NoPE layer, the rest chunked.
          const int64_t interval = c.IntOr("no_rope_layer_interval", 4);
          kind = (layer + 1) % interval == 0 ? AttentionKind::kFull : AttentionKind::kSlidingWindow;
        } else if (family == Family::kMistral || family == Family::kMixtral ||
                   family == Family::kPhi3 ||
                   ((family == Family::kQwen2 || family == Family::kQwen2Moe) && qwen_sliding)) {
          kind = AttentionKind::kSlidingWindow;
        }
      }
      m.layer_attention.push_back(kind);
    }
  }
  m.sliding_window_tokens = window;
}

// The feed-forward block: dense width, or the experts (routed, shared, dense leading layers).
void ReadMlp(const ConfigReader& c, Family family, ModelSpec* spec) {
  ModelSpec& m = *spec;
  switch (family) {
    case Family::kMixtral:
    case Family::kGptOss: {
      MoeSpec moe;
      moe.num_experts = c.Int("num_local_experts");
      moe.num_active_experts =
          c.Int(family == Family::kGptOss && !c.Has("num_experts_per_tok") ? "experts_per_token"
                                                                           : "num_experts_per_tok");
      moe.expert_d_ff = c.Int("intermediate_size");
      moe.router_bias = family == Family::kGptOss;
      moe.expert_bias = family == Family::kGptOss;
      m.moe = moe;
      break;
    }
    case Family::kQwen2Moe:
    case Family::kQwen3Moe:
    case Family::kQwen3Next: {
      MoeSpec moe;
      moe.num_experts = c.Int("num_experts");
      moe.num_active_experts = c.Int("num_experts_per_tok");
      moe.expert_d_ff = c.Int("moe_intermediate_size");
      if ((family == Family::kQwen2Moe || family == Family::kQwen3Next) &&
          c.Has("shared_expert_intermediate_size")) {
        moe.num_shared_experts = 1;
        moe.shared_expert_d_ff = c.Int("shared_expert_intermediate_size");
        moe.shared_expert_gate = true;
      }
      if (c.IntOr("decoder_sparse_step", 1) != 1) {
        throw InputError(c.Where("decoder_sparse_step"),
                         "only decoder_sparse_step 1 (every layer MoE) is supported");
      }
      if (c.Has("mlp_only_layers") &&
          !(c.Raw("mlp_only_layers").IsArray() && c.Raw("mlp_only_layers").Size() == 0)) {
        throw InputError(c.Where("mlp_only_layers"),
                         "only an empty mlp_only_layers (every layer MoE) is supported");
      }
      m.moe = moe;
      break;
    }
    case Family::kDeepseekV3: {
      MoeSpec moe;
      moe.num_experts = c.Int("n_routed_experts");
      moe.num_active_experts = c.Int("num_experts_per_tok");
      moe.expert_d_ff = c.Int("moe_intermediate_size");
      moe.num_shared_experts = c.CountOr("n_shared_experts", 0);
      moe.shared_expert_d_ff = moe.num_shared_experts > 0 ? moe.expert_d_ff : 0;
      // noaux_tc routing adds a per-expert score-correction bias.
      moe.router_bias = c.Has("topk_method") && c.Raw("topk_method").IsString() &&
                        c.Raw("topk_method").AsString() == "noaux_tc";
      if (c.IntOr("moe_layer_freq", 1) != 1) {
        throw InputError(c.Where("moe_layer_freq"), "only moe_layer_freq 1 is supported");
      }
      m.first_dense_layers = c.CountOr("first_k_dense_replace", 0);
      m.d_ff = c.Int("intermediate_size");
      m.moe = moe;
      break;
    }
    case Family::kLlama4: {
      MoeSpec moe;
      moe.num_experts = c.Int("num_local_experts");
      moe.num_active_experts = c.Int("num_experts_per_tok");
      moe.expert_d_ff = c.Int("intermediate_size");
      moe.num_shared_experts = 1;  // Llama4TextMoe always has one shared expert of the same width
      moe.shared_expert_d_ff = moe.expert_d_ff;
      m.moe_layer_step = c.IntOr("interleave_moe_layer_step", 1);
      m.d_ff = c.IntOr("intermediate_size_mlp", moe.expert_d_ff);
      m.moe = moe;
      break;
    }
    default:
      m.d_ff = c.Int("intermediate_size");
      break;
  }
}

}  // namespace

std::vector<std::string> SupportedHfArchitectures() {
  std::vector<std::string> names;
  for (const auto& a : kArchitectures) names.emplace_back(a.name);
  return names;
}

ModelSpec ParseHfConfig(const std::string& text, const std::string& file) {
  const JsonDocument doc = JsonDocument::Parse(text, file);
  const JsonValue config = doc.Root();
  if (!config.IsObject()) config.Fail("expected a JSON object");
  const ConfigReader root(config);

  const ArchitectureName& architecture = ArchitectureOf(root);
  const Family family = architecture.family;
  // Qwen3.5, Gemma 3 (4B and up) and Llama 4 checkpoints are vision-language models: the
  // language model's keys sit under text_config (the vision tower's under vision_config is not
  // modelled).
  const bool nested =
      (family == Family::kQwen3_5 || family == Family::kGemma3 || family == Family::kLlama4) &&
      config.Has("text_config") && config.Child("text_config").IsObject();
  const ConfigReader c(nested ? config.Child("text_config") : config);

  ModelSpec m;
  m.id = std::filesystem::path(file).parent_path().filename().string();
  if (m.id.empty()) m.id = std::filesystem::path(file).stem().string();
  m.name = root.Has("_name_or_path") && root.Raw("_name_or_path").IsString()
               ? root.Raw("_name_or_path").AsString()
               : m.id;
  m.family = architecture.name;
  m.source = file;
  m.num_layers = c.Int("num_hidden_layers");
  m.d_model = c.Int("hidden_size");
  m.num_heads = c.Int("num_attention_heads");
  m.num_kv_heads = c.IntOr("num_key_value_heads", m.num_heads);
  m.head_dim = c.IntOr("head_dim", m.d_model / m.num_heads);
  m.vocab_size = c.Int("vocab_size");
  m.max_context_tokens = c.IntOr("max_position_embeddings", 0);
  m.mlp = MlpKind::kGated;
  m.norm = NormKind::kRmsNorm;
  const bool gemma = family == Family::kGemma2 || family == Family::kGemma3;
  m.norms_per_layer = gemma ? 4 : 2;
  m.tied_embeddings = c.BoolOr("tie_word_embeddings", root.BoolOr("tie_word_embeddings", gemma));

  ReadAttention(c, family, &m);
  ReadLayerKinds(c, family, &m);
  ReadMlp(c, family, &m);

  std::string why;
  if (!Validate(m, &why)) throw InputError(config.Where(), why);
  return m;
}

ModelSpec LoadHfConfig(const std::string& path) { return ParseHfConfig(ReadTextFile(path), path); }

}  // namespace rightsize
