// The Megatron readers on the published tables in data/runs: format detection, the step time
// recovered from each table's own metric, the rows mapped onto the catalogue (DGX-B200 included)
// and the reasons the others are skipped.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "sim/logs/readers.h"

namespace rightsize {
namespace {

std::string Table(const std::string& relative) {
  return std::string(RIGHTSIZE_SOURCE_DIR) + "/data/runs/" + relative;
}

const std::string kMegatronLm = Table("megatron-lm-training-mfu/h100_weak_scaling_mcore_r0.8.csv");
const std::string kMegatronBridge = Table("megatron-bridge-training-perf/training_perf.csv");

TEST_CASE("the Megatron tables are recognised by their headers", "[logs][megatron]") {
  CHECK(DetectLogFormat(kMegatronLm) == "megatron-lm");
  CHECK(DetectLogFormat(kMegatronBridge) == "megatron-bridge");
}

TEST_CASE("Megatron-LM rows: the step time from the table's model-FLOP formula",
          "[logs][megatron]") {
  const LogReadResult r = ReadLog(kMegatronLm, "", LogReadOptions(Catalog::Default()));
  REQUIRE(r.measurements.size() == 9);
  CHECK(r.skipped.empty());
  CHECK(r.log_models.size() == 9);
  // First row: GPT 1.7B (24 layers, hidden 2048, vocab 131072), 48 H100s, 192 sequences of
  // 4,096 tokens, 408.8 TFLOP/s per GPU. F = 72 B s l h^2 (1 + s/(6h) + V/(12 l h)) (Narayanan
  // et al. 2021, Sec. 5.1); step = F / (TFLOP/s x GPUs).
  const Measurement& m = r.measurements.front();
  const double b = 192, s = 4096, l = 24, h = 2048, v = 131072;
  const double flops = 72 * b * s * l * h * h * (1 + s / (6 * h) + v / (12 * l * h));
  CHECK(m.interval_time_s == Approx(flops / (408.8e12 * 48)).epsilon(1e-12));
  CHECK(m.hardware_id == "h100-sxm5-80gb");
  CHECK(m.engine == "megatron-lm");
  CHECK(m.workload.parallel.data == 48);
  CHECK(m.workload.batch == 4);  // 192 sequences over 48 data-parallel replicas
  CHECK(m.MetricAt(m.interval_time_s) == Approx(408.8e12).epsilon(1e-12));
  const ModelSpec& gpt = r.log_models.at(m.model_id);
  CHECK(gpt.num_layers == 24);
  CHECK(gpt.d_model == 2048);
}

TEST_CASE(
    "Megatron-Bridge rows: dense models on DGX H100 and DGX-B200, the rest skipped with reasons",
    "[logs][megatron]") {
  const LogReadResult r = ReadLog(kMegatronBridge, "", LogReadOptions(Catalog::Default()));
  std::map<std::string, int> by_device;
  for (const Measurement& m : r.measurements) {
    ++by_device[m.hardware_id];
    CHECK(m.metric == MetricKind::kTrainTokensPerSPerDevice);
    CHECK(m.MetricAt(m.interval_time_s) == Approx(m.value).epsilon(1e-12));
  }
  // training_perf.csv: 12 dense Llama-3 rows without context parallelism on DGX-H100 (10) and
  // DGX-B200 (2: lines 251 and 269).
  CHECK(by_device["h100-sxm5-80gb"] == 10);
  CHECK(by_device["b200-sxm-180gb"] == 2);
  std::map<std::string, int> skipped;
  for (const SkippedRow& s : r.skipped) ++skipped[s.category];
  CHECK(skipped["variant row (dropless / tokendrop)"] == 14);
  CHECK(skipped["MoE: Megatron EP spans data-parallel ranks (not mapped)"] == 29);
  CHECK(skipped["context parallelism not modelled"] == 7);
  CHECK(r.measurements.size() + r.skipped.size() == 278);
}

}  // namespace
}  // namespace rightsize
