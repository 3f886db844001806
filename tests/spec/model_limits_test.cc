// Every model dimension is bounded (ModelLimits) in both loaders and in Validate, and parameter
// counts cannot wrap: a config.json or YAML with an implausible size is a one-line error naming
// the key instead of unbounded memory or a negative count.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sim/spec/catalog.h"
#include "sim/spec/hf_config.h"
#include "sim/spec/yaml_loaders.h"
#include "sim/util/yaml_reader.h"
#include "tests/error_of.h"

using namespace rightsize;
using rightsize::testing::ErrorOf;

namespace {

// The published Llama-3-8B config.json with each key's value replaced by raw JSON text.
std::string LlamaConfigWith(
    std::initializer_list<std::pair<std::string, std::string>> replacements) {
  std::ifstream in(std::string(RIGHTSIZE_SOURCE_DIR) +
                   "/tests/fixtures/hf_configs/llama-3-8b/config.json");
  std::stringstream text;
  text << in.rdbuf();
  std::string config = text.str();
  for (const auto& [key, value] : replacements) {
    const std::string needle = "\"" + key + "\": ";
    const size_t at = config.find(needle);
    REQUIRE(at != std::string::npos);
    const size_t start = at + needle.size();
    config.replace(start, config.find_first_of(",\n", start) - start, value);
  }
  return config;
}

}  // namespace

TEST_CASE("config.json sizes beyond the plausible ranges are errors at the key's line") {
  // 2^40 layers would allocate a per-layer table of 2^40 entries.
  CHECK(ErrorOf([] {
          ParseHfConfig(LlamaConfigWith({{"num_hidden_layers", "1099511627776"}}), "c.json");
        }) ==
        "c.json:13: num_hidden_layers: value 1099511627776 is outside the valid range [1, 10000]");
  // 1e12 used to give a negative total_params with exit 0.
  CHECK(ErrorOf([] {
          ParseHfConfig(LlamaConfigWith({{"hidden_size", "1e12"}}), "c.json");
        }).find("c.json:7: hidden_size: 1000000000000 is outside the valid range [1, 1048576]") ==
        0);
  CHECK(ErrorOf([] {
          ParseHfConfig(LlamaConfigWith({{"vocab_size", "1e999"}}), "c.json");
        }).find("c.json:23: malformed JSON: number overflow") == 0);
  CHECK(ErrorOf([] {
          ParseHfConfig(LlamaConfigWith({{"num_attention_heads", "\"32\""}}), "c.json");
        }) == "c.json:12: num_attention_heads: expected an integer, got \"32\"");
  // In range one by one, too large together: refused by the total, not wrapped.
  const std::string huge =
      LlamaConfigWith({{"hidden_size", "1048576"}, {"intermediate_size", "16777216"}});
  CHECK(ErrorOf([&] {
          ParseHfConfig(huge, "c.json");
        }).find("exceed the plausible maximum 1e+15") != std::string::npos);
}

TEST_CASE("model YAML sizes use the same ranges") {
  const ModelSpec& llama = Catalog::Default().Model("llama-3-8b");
  std::ifstream in(std::string(RIGHTSIZE_SOURCE_DIR) + "/models/architectures/llama-3-8b.yaml");
  std::stringstream text;
  text << in.rdbuf();
  YAML::Node root = LoadYamlString(text.str(), "llama.yaml");
  root["architecture"]["num_layers"] = 1099511627776;
  CHECK(ErrorOf([&] {
          ParseModelSpec(root, "llama.yaml");
        }).find("num_layers: value 1099511627776 is outside the valid range [1, 10000]") !=
        std::string::npos);
  root["architecture"]["num_layers"] = llama.num_layers;
  root["architecture"]["d_model"] = 1e12;
  CHECK(ErrorOf([&] { ParseModelSpec(root, "llama.yaml"); })
            .find("architecture.d_model: value 1000000000000 is outside the valid range [1, "
                  "1048576]") != std::string::npos);
}

TEST_CASE("Validate bounds every dimension and the total, and CountParams never wraps") {
  ModelSpec m = Catalog::Default().Model("llama-3-8b");
  std::string why;
  REQUIRE(Validate(m, &why));
  m.num_layers = ModelLimits::kMaxLayers;
  m.layer_attention.assign(static_cast<size_t>(m.num_layers), AttentionKind::kFull);
  m.d_model = ModelLimits::kMaxDModel;
  m.d_ff = ModelLimits::kMaxFfn;
  CHECK_FALSE(Validate(m, &why));
  CHECK(why.find("exceed the plausible maximum") != std::string::npos);
  m.num_heads = m.num_kv_heads = ModelLimits::kMaxHeads;
  m.head_dim = ModelLimits::kMaxHeadDim;
  CHECK_FALSE(Validate(m, &why));
  CHECK(why == "the parameter count does not fit in a 64-bit integer");
  CHECK_THROWS_AS(CountParams(m), InputError);
  m.d_model = ModelLimits::kMaxDModel + 1;
  CHECK_FALSE(Validate(m, &why));
  CHECK(why == "d_model 1048577 is outside the plausible range [1, 1048576]");
}
