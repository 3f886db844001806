// A Hugging Face config.json gives the same model as the reviewed YAML spec.
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "sim/spec/catalog.h"
#include "sim/spec/hf_config.h"
#include "sim/util/error.h"

using namespace rightsize;
using Catch::Matchers::Contains;

namespace {
const std::string kConfigs = std::string(RIGHTSIZE_SOURCE_DIR) + "/tests/fixtures/hf_configs/";
}

TEST_CASE("config.json and the catalogue agree on parameters, KV heads and attention kinds") {
  const std::pair<const char*, const char*> pairs[] = {{"llama-3-8b", "llama-3-8b"},
                                                       {"mixtral-8x7b", "mixtral-8x7b"},
                                                       {"qwen2.5-7b", "qwen2.5-7b"},
                                                       {"gpt-oss-120b", "gpt-oss-120b"},
                                                       {"gemma-2-9b", "gemma-2-9b"},
                                                       {"phi-3-mini-4k", "phi-3-mini-4k"},
                                                       {"qwen3-30b-a3b", "qwen3-30b-a3b"},
                                                       {"qwen2-57b-a14b", "qwen2-57b-a14b"},
                                                       {"qwen3.5-9b", "qwen3.5-9b"},
                                                       {"deepseek-v3", "deepseek-v3"},
                                                       {"gemma-3-1b", "gemma-3-1b"},
                                                       {"gemma-3-27b", "gemma-3-27b"},
                                                       {"llama-4-maverick", "llama-4-maverick"},
                                                       {"qwen3-235b-a22b", "qwen3-235b-a22b"}};
  for (const auto& [folder, id] : pairs) {
    INFO(folder);
    const ModelSpec from_json = LoadHfConfig(kConfigs + folder + "/config.json");
    const ModelSpec& from_yaml = Catalog::Default().Model(id);
    CHECK(CountParams(from_json).Total() == CountParams(from_yaml).Total());
    CHECK(CountParams(from_json).Active() == CountParams(from_yaml).Active());
    CHECK(from_json.num_kv_heads == from_yaml.num_kv_heads);
    CHECK(from_json.layer_attention == from_yaml.layer_attention);
    CHECK(from_json.KvValuesPerTokenPerLayer() == from_yaml.KvValuesPerTokenPerLayer());
    CHECK(CountParams(from_json).mtp == CountParams(from_yaml).mtp);
  }
}

TEST_CASE("config.json of an unsupported architecture is a one-line error with file:line:key") {
  try {
    LoadHfConfig(kConfigs + "mamba/config.json");
    FAIL("expected InputError");
  } catch (const InputError& e) {
    const std::string message = e.what();
    CHECK_THAT(
        message,
        Contains(
            "mamba/config.json:2: architectures: unsupported architecture 'MambaForCausalLM'"));
    CHECK(message.find('\n') == std::string::npos);
  }
}

TEST_CASE("malformed or incomplete config.json is an input error naming the key") {
  CHECK_THROWS_WITH(ParseHfConfig("{\"architectures\": [\"LlamaForCausalLM\"],", "x.json"),
                    Contains("x.json:1: truncated JSON"));
  CHECK_THROWS_WITH(ParseHfConfig("{\"architectures\": [\"LlamaForCausalLM\"]}", "y.json"),
                    Contains("y.json:1: num_hidden_layers: missing required key"));
  CHECK_THROWS_WITH(
      ParseHfConfig("{\"architectures\": [\"LlamaForCausalLM\"],\n"
                    "\"num_hidden_layers\": -3}",
                    "z.json"),
      Contains("z.json:2: num_hidden_layers: value -3 is outside the valid range [1, 10000]"));
}

TEST_CASE(
    "Qwen3.5 config.json: the language model under text_config, hybrid Gated DeltaNet layers") {
  const ModelSpec m = LoadHfConfig(kConfigs + "qwen3.5-9b/config.json");
  const ModelSpec& yaml = Catalog::Default().Model("qwen3.5-9b");
  CHECK(m.d_model == 4096);  // text_config's, not vision_config's 1152
  CHECK(m.NumLayersOfKind(AttentionKind::kLinear) == 24);
  CHECK(m.NumLayersOfKind(AttentionKind::kFull) == 8);
  CHECK(m.layer_attention[3] == AttentionKind::kFull);
  CHECK(m.attention_output_gate);
  CHECK(m.qk_norm);
  CHECK_FALSE(m.tied_embeddings);
  REQUIRE(m.linear_attention.has_value());
  REQUIRE(yaml.linear_attention.has_value());
  CHECK(m.linear_attention->num_key_heads == yaml.linear_attention->num_key_heads);
  CHECK(m.linear_attention->num_value_heads == yaml.linear_attention->num_value_heads);
  CHECK(m.linear_attention->key_head_dim == yaml.linear_attention->key_head_dim);
  CHECK(m.linear_attention->value_head_dim == yaml.linear_attention->value_head_dim);
  CHECK(m.linear_attention->conv_kernel == yaml.linear_attention->conv_kernel);
  CHECK(m.linear_attention->state_precision == yaml.linear_attention->state_precision);
  CHECK(m.max_context_tokens == yaml.max_context_tokens);

  // Without layer_types the hybrid layout follows full_attention_interval.
  std::ifstream in(kConfigs + "qwen3.5-9b/config.json");
  nlohmann::json config = nlohmann::json::parse(in);
  config["text_config"].erase("layer_types");
  config["text_config"]["full_attention_interval"] = 2;
  const ModelSpec every_other = ParseHfConfig(config.dump(), "interval.json");
  CHECK(every_other.NumLayersOfKind(AttentionKind::kFull) == 16);
  CHECK(every_other.layer_attention[0] == AttentionKind::kLinear);
  CHECK(every_other.layer_attention[1] == AttentionKind::kFull);

  config["text_config"]["mamba_ssm_dtype"] = "int3";
  CHECK_THROWS_WITH(ParseHfConfig(config.dump(), "dtype.json"),
                    Contains("dtype.json") && Contains("mamba_ssm_dtype: expected float32"));
}

TEST_CASE(
    "Qwen3.5-9B: language model + vision tower + MTP head = the published safetensors total") {
  // The catalogue counts the language model only (text serving loads neither the vision tower nor
  // the multi-token-prediction head). Adding both, computed from the same config.json, must give
  // the Hub's exact count of the released checkpoint to the parameter.
  const ModelSpec& m = Catalog::Default().Model("qwen3.5-9b");
  REQUIRE(m.published_params.has_value());
  const int64_t language = CountParams(m).Total();
  const int64_t h = m.d_model;
  // MTP head (Qwen3-Next MTP): one gated full-attention decoder layer with its MLP and two norms,
  // fc (2h -> h, no bias), pre_fc_norm_embedding, pre_fc_norm_hidden and a final norm.
  const int64_t mtp =
      AttentionParamsPerLayer(m) + DenseMlpParamsPerLayer(m) + 2 * h + 2 * h * h + 3 * h;
  // Vision tower (transformers Qwen3VLVisionModel, no deepstack mergers in Qwen3.5): Conv3d patch
  // embedding with bias, learned position embedding, `depth` blocks (2 LayerNorms, qkv and proj
  // with biases, a plain 2-matrix MLP with biases) and a patch merger (LayerNorm on the vision
  // width, fc1 4w x 4w and fc2 4w x out, both with biases; 4 = spatial_merge_size^2).
  std::ifstream in(kConfigs + "qwen3.5-9b/config.json");
  const nlohmann::json v = nlohmann::json::parse(in).at("vision_config");
  const int64_t w = v.at("hidden_size"), f = v.at("intermediate_size"), depth = v.at("depth");
  const int64_t patch = v.at("in_channels").get<int64_t>() *
                        v.at("temporal_patch_size").get<int64_t>() *
                        v.at("patch_size").get<int64_t>() * v.at("patch_size").get<int64_t>();
  const int64_t merged =
      w * v.at("spatial_merge_size").get<int64_t>() * v.at("spatial_merge_size").get<int64_t>();
  const int64_t out = v.at("out_hidden_size");
  const int64_t block = 2 * 2 * w + (w * 3 * w + 3 * w) + (w * w + w) + (w * f + f + f * w + w);
  const int64_t vision = (patch * w + w) + v.at("num_position_embeddings").get<int64_t>() * w +
                         depth * block + (2 * w + merged * merged + merged + merged * out + out);
  CHECK(language + mtp + vision == static_cast<int64_t>(*m.published_params));
  // The language model alone is what the notes say differs (by the vision tower and MTP head).
  CHECK(language < *m.published_params);
}
