// Weight bytes per tensor class against published checkpoint sizes and the formats' block layouts.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "sim/spec/catalog.h"
#include "sim/spec/weight_layout.h"
#include "sim/util/csv.h"
#include "tests/catalog_lookup.h"

using namespace rightsize;

namespace {
const std::string kSizes =
    std::string(RIGHTSIZE_SOURCE_DIR) + "/data/checkpoints/checkpoint-sizes.csv";
}  // namespace

TEST_CASE(
    "block formats cost their scales: mxfp4 4.25, nvfp4 4.5, int4 g128 4.156, nf4 4.127 bits") {
  // OCP MX v1.0: 32 e2m1 values share one 8-bit e8m0 scale.
  CHECK(BitsPerValue(Precision::kMxfp4) == Approx(4.25));
  // NVFP4: 16 e2m1 values share one fp8 e4m3 scale.
  CHECK(BitsPerValue(Precision::kNvfp4) == Approx(4.5));
  // AWQ / GPTQ: per 128 weights an fp16 scale and a packed 4-bit zero.
  CHECK(BitsPerValue(Precision::kInt4) == Approx(4.15625));
  // QLoRA double quantisation: 0.127 bits of constants per parameter (Dettmers et al. 2023, Sec.
  // 3).
  CHECK(BitsPerValue(Precision::kNf4) == Approx(4.127).epsilon(1e-4));
  // ggml block_q4_K is 144 bytes per 256 weights, block_q6_K 210, block_q8_0 34 per 32.
  CHECK(BitsPerValue(Precision::kQ4_K) == Approx(4.5));
  CHECK(BitsPerValue(Precision::kQ6_K) == Approx(6.5625));
  CHECK(BitsPerValue(Precision::kQ8_0) == Approx(8.5));
}

TEST_CASE("every published checkpoint size in data/checkpoints is matched within its tolerance") {
  const CsvTable table = CsvTable::Load(kSizes);
  REQUIRE(table.rows().size() >= 6);
  for (const CsvRow& row : table.rows()) {
    const ModelSpec& model = Cat().Model(table.Cell(row, "model"));
    const Precision scheme =
        ParsePrecision(table.Cell(row, "weights"), table.Where(row, "weights"));
    const double computed = WeightBytes(model, ResolveWeightLayout(model, scheme));
    const double published = table.Number(row, "published_bytes");
    const double tolerance = table.Number(row, "tolerance_percent") / 100.0;
    INFO(table.Cell(row, "file") << ": computed " << computed / 1e9 << " GB, published "
                                 << published / 1e9 << " GB");
    CHECK(std::abs(computed / published - 1.0) <= tolerance);
  }
}

TEST_CASE(
    "gpt-oss-120b as released is MXFP4 experts and bf16 elsewhere, int4 everywhere is too small") {
  const ModelSpec& m = Cat().Model("gpt-oss-120b");
  const WeightLayout released = ResolveWeightLayout(m, Precision::kReleased);
  CHECK(released.Bits(TensorClass::kRoutedExperts) == Approx(4.25));
  CHECK(released.Bits(TensorClass::kAttention) == Approx(16.0));
  CHECK(released.Bits(TensorClass::kEmbedding) == Approx(16.0));
  CHECK(released.Bits(TensorClass::kRouter) == Approx(16.0));
  // A uniform 4-bit count of all parameters misses the bf16 attention, embeddings and lm_head.
  const double uniform_int4 = static_cast<double>(CountParams(m).Total()) * 4.125 / 8.0;
  CHECK(WeightBytes(m, released) > 1.05 * uniform_int4);
}

TEST_CASE("Q4_K_M keeps attn_v and ffn_down in q6_k on the use_more_bits layers") {
  // llama.cpp use_more_bits(i, 32): i < 4, i >= 28, or (i - 4) % 3 == 2 -> 16 of 32 layers.
  const ModelSpec& m = Cat().Model("llama-2-7b");
  const WeightLayout q4km = ResolveWeightLayout(m, Precision::kQ4_K_M);
  const double h = m.d_model, f = m.d_ff;
  const double expected_mlp =
      (2.0 * h * f * 4.5 + h * f * (0.5 * 6.5625 + 0.5 * 4.5)) / (3.0 * h * f);
  CHECK(q4km.Bits(TensorClass::kDenseMlp) == Approx(expected_mlp));
  CHECK(q4km.Bits(TensorClass::kLmHead) == Approx(6.5625));
  CHECK(q4km.Bits(TensorClass::kEmbedding) == Approx(4.5));
  CHECK(q4km.Bits(TensorClass::kNorms) == Approx(32.0));
}

TEST_CASE("a quantisation format leaves embeddings, lm_head, norms and router in bf16") {
  const ModelSpec& m = Cat().Model("qwen2.5-7b");
  for (Precision p : {Precision::kInt4, Precision::kNf4, Precision::kFp8, Precision::kMxfp4}) {
    const WeightLayout layout = ResolveWeightLayout(m, p);
    CHECK(layout.Bits(TensorClass::kAttention) == Approx(BitsPerValue(p)));
    CHECK(layout.Bits(TensorClass::kDenseMlp) == Approx(BitsPerValue(p)));
    CHECK(layout.Bits(TensorClass::kEmbedding) == Approx(16.0));
    CHECK(layout.Bits(TensorClass::kLmHead) == Approx(16.0));
  }
}

TEST_CASE("released weights of a model that states none is an input error") {
  CHECK_THROWS_AS(ResolveWeightLayout(Cat().Model("llama-2-7b"), Precision::kReleased), InputError);
}

TEST_CASE(
    "fp4 weights use Blackwell's fp4 units, dequantise elsewhere, and Ampere has no fp8 unit") {
  const HardwareSpec& b200 = Cat().Hardware("b200-sxm-180gb");
  const HardwareSpec& h100 = Cat().Hardware("h100-sxm5-80gb");
  const HardwareSpec& a100 = Cat().Hardware("a100-sxm4-80gb");
  CHECK(b200.PeakFlopsPerS(Precision::kNvfp4, Precision::kBf16) ==
        b200.peak_flops_per_s.at(Precision::kFp4));
  CHECK(b200.PeakFlopsPerS(Precision::kMxfp4, Precision::kBf16) ==
        b200.peak_flops_per_s.at(Precision::kFp4));
  // Hopper has no fp4 unit: MXFP4 (gpt-oss on H100) is weight-only, computed in bf16.
  CHECK(h100.PeakFlopsPerS(Precision::kMxfp4, Precision::kBf16) ==
        h100.peak_flops_per_s.at(Precision::kBf16));
  CHECK(h100.PeakFlopsPerS(Precision::kFp8Block, Precision::kFp8) ==
        h100.peak_flops_per_s.at(Precision::kFp8));
  REQUIRE(a100.peak_flops_per_s.count(Precision::kFp8) == 0);
  CHECK(a100.PeakFlopsPerS(Precision::kFp8, Precision::kFp8) ==
        a100.peak_flops_per_s.at(Precision::kBf16));
  CHECK(a100.PeakFlopsPerS(Precision::kInt4, Precision::kBf16) ==
        a100.peak_flops_per_s.at(Precision::kBf16));
}
