// Parameter counts against the numbers the model makers publish.
#include <catch2/catch.hpp>

#include <cmath>

#include "sim/spec/catalog.h"
#include "tests/catalog_lookup.h"

using namespace rightsize;

namespace {
int64_t Total(const std::string& id) { return CountParams(Cat().Model(id)).Total(); }
}  // namespace

TEST_CASE("Qwen2.5-7B has exactly 7,615,616,512 parameters (Qwen2.5 model card)") {
  CHECK(Total("qwen2.5-7b") == 7'615'616'512);
}

TEST_CASE("Gemma-2-9B has exactly 9,241,705,984 parameters (google/gemma-2-9b safetensors index)") {
  CHECK(Total("gemma-2-9b") == 9'241'705'984);
}

TEST_CASE("Llama-2-7B has 6.738B and Llama-3-8B 8.030B parameters") {
  CHECK(std::llround(Total("llama-2-7b") / 1e6) == 6738);
  CHECK(std::llround(Total("llama-3-8b") / 1e6) == 8030);
}

TEST_CASE("Mixtral-8x7B has 46.70B total and 12.88B active parameters") {
  const ParamCounts counts = CountParams(Cat().Model("mixtral-8x7b"));
  CHECK(std::llround(counts.Total() / 1e7) == 4670);
  CHECK(std::llround(counts.Active() / 1e7) == 1288);
}

TEST_CASE(
    "gpt-oss-120b has 116.83B parameters, and OpenAI's 5.13B active excludes the input embedding") {
  const ParamCounts counts = CountParams(Cat().Model("gpt-oss-120b"));
  CHECK(std::llround(counts.Total() / 1e7) == 11683);
  CHECK(std::llround((counts.Active() - counts.embedding) / 1e7) == 513);
}

TEST_CASE("Qwen3-30B-A3B has 30.5B parameters, 3.3B active (stated to two figures)") {
  const ParamCounts counts = CountParams(Cat().Model("qwen3-30b-a3b"));
  CHECK(std::llround(counts.Total() / 1e8) == 305);
  CHECK(counts.Active() / 3.3e9 == Approx(1.0).epsilon(0.02));
}

TEST_CASE("every catalogued model is within 0.5% of its published count, or its notes say why") {
  int checked = 0;
  int active_checked = 0;
  for (const auto& [id, model] : Cat().models()) {
    INFO(id);
    REQUIRE(model.published_params.has_value());
    const double computed = static_cast<double>(CountParams(model).Total());
    const double relative = std::abs(computed / *model.published_params - 1.0);
    const bool explained = model.notes.find("differs") != std::string::npos ||
                           model.notes.find("difference") != std::string::npos;
    CHECK((relative <= 0.005 || explained));
    if (model.published_active_params) {
      const ParamCounts counts = CountParams(model);
      const double active = static_cast<double>(counts.Active());
      const double active_no_embedding = static_cast<double>(counts.Active() - counts.embedding);
      const double best =
          std::min(std::abs(active / *model.published_active_params - 1.0),
                   std::abs(active_no_embedding / *model.published_active_params - 1.0));
      CHECK((best <= 0.02 || explained));
      ++active_checked;
    }
    ++checked;
  }
  CHECK(checked >= 20);
  CHECK(active_checked >= 3);  // the MoE models state an active count
  CHECK(Cat().hardware().size() >= 15);
}

TEST_CASE("MHA, GQA and MQA differ only in the K/V projection parameters") {
  ModelSpec m = Cat().Model("llama-2-7b");
  const int64_t mha = AttentionParamsPerLayer(m);
  m.num_kv_heads = 8;
  const int64_t gqa = AttentionParamsPerLayer(m);
  m.num_kv_heads = 1;
  const int64_t mqa = AttentionParamsPerLayer(m);
  const int64_t h = m.d_model, hd = m.head_dim;
  CHECK(mha - gqa == 2 * h * hd * (32 - 8));
  CHECK(gqa - mqa == 2 * h * hd * (8 - 1));
}

TEST_CASE("DeepSeek-V3 has 671B parameters, 36.6B active without the input embedding, MTP apart") {
  const ModelSpec& m = Cat().Model("deepseek-v3");
  const ParamCounts counts = CountParams(m);
  // DeepSeek README_WEIGHTS: main model 671B total, 36.6B activated (with the 0.9B output head).
  CHECK(counts.Total() / 671e9 == Approx(1.0).epsilon(0.005));
  CHECK((counts.Active() - counts.embedding) / 36.6e9 == Approx(1.0).epsilon(0.005));
  // The technical report's 37B rounds the same figure.
  CHECK(std::llround((counts.Active() - counts.embedding) / 1e9) == 37);
  // One MTP module: 11.5B unique parameters, outside the 671B.
  CHECK(counts.mtp / 11.5e9 == Approx(1.0).epsilon(0.02));
  // 3 dense layers of 18432, 58 MoE layers.
  CHECK(m.NumMoeLayers() == 58);
  CHECK(counts.dense_mlp == 3 * 3 * int64_t{7168} * 18432);
}

TEST_CASE("MLA attention parameters follow DeepSeek-V2's projections") {
  const ModelSpec& m = Cat().Model("deepseek-v3");
  const int64_t h = 7168, heads = 128;
  const int64_t q = h * 1536 + 1536 + 1536 * heads * (128 + 64);
  const int64_t kv = h * (512 + 64) + 512 + 512 * heads * (128 + 128);
  const int64_t o = heads * 128 * h;
  CHECK(AttentionParamsPerLayer(m) == q + kv + o);
}
