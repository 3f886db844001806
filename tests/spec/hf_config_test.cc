// A Hugging Face config.json gives the same model as the reviewed YAML spec.
#include <catch2/catch.hpp>

#include "sim/spec/catalog.h"
#include "sim/spec/hf_config.h"
#include "sim/util/error.h"

using namespace rightsize;
using Catch::Matchers::Contains;

namespace {
const std::string kConfigs = std::string(RIGHTSIZE_SOURCE_DIR) + "/tests/fixtures/hf_configs/";
}

TEST_CASE("config.json and the catalogue agree on parameters, KV heads and attention kinds") {
  const std::pair<const char*, const char*> pairs[] = {
      {"llama-3-8b", "llama-3-8b"},       {"mixtral-8x7b", "mixtral-8x7b"},
      {"qwen2.5-7b", "qwen2.5-7b"},       {"gpt-oss-120b", "gpt-oss-120b"},
      {"gemma-2-9b", "gemma-2-9b"},       {"phi-3-mini-4k", "phi-3-mini-4k"},
      {"qwen3-30b-a3b", "qwen3-30b-a3b"}, {"qwen2-57b-a14b", "qwen2-57b-a14b"}};
  for (const auto& [folder, id] : pairs) {
    INFO(folder);
    const ModelSpec from_json = LoadHfConfig(kConfigs + folder + "/config.json");
    const ModelSpec& from_yaml = Catalog::Default().Model(id);
    CHECK(CountParams(from_json).Total() == CountParams(from_yaml).Total());
    CHECK(CountParams(from_json).Active() == CountParams(from_yaml).Active());
    CHECK(from_json.num_kv_heads == from_yaml.num_kv_heads);
    CHECK(from_json.layer_attention == from_yaml.layer_attention);
  }
}

TEST_CASE("config.json of an unsupported architecture is a one-line error with file:line:key") {
  try {
    LoadHfConfig(kConfigs + "mamba/config.json");
    FAIL("expected InputError");
  } catch (const InputError& e) {
    const std::string message = e.what();
    CHECK_THAT(message, Contains("mamba/config.json:2: architectures: unsupported architecture 'MambaForCausalLM'"));
    CHECK(message.find('\n') == std::string::npos);
  }
}

TEST_CASE("malformed or incomplete config.json is an input error naming the key") {
  CHECK_THROWS_WITH(ParseHfConfig("{\"architectures\": [\"LlamaForCausalLM\"],", "x.json"),
                    Contains("x.json:1: malformed JSON"));
  CHECK_THROWS_WITH(ParseHfConfig("{\"architectures\": [\"LlamaForCausalLM\"]}", "y.json"),
                    Contains("y.json:1: num_hidden_layers: missing required key"));
  CHECK_THROWS_WITH(ParseHfConfig("{\"architectures\": [\"LlamaForCausalLM\"],\n"
                                  "\"num_hidden_layers\": -3}",
                                  "z.json"),
                    Contains("z.json:2: num_hidden_layers: expected a positive integer"));
}
