// The operator table of a decode step (sim/cost/step_table.h) is the forward model with the
// context-independent ops hoisted: at every context it must give AnalyseStep of CountOps, bit for
// bit, for dense, MoE, MLA, sliding-window and linear-attention models on GPUs with and without
// fp8 units and on a CPU, at several precisions, TP degrees and batches.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "sim/cost/latency.h"
#include "sim/cost/step_table.h"
#include "tests/catalog_lookup.h"

using namespace rightsize;

namespace {

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Non-default parameters too: a roofline exponent that is not an integer, larger overheads.
std::vector<EfficiencyParams> TableTestParams() {
  EfficiencyParams other = EfficiencyParams::Defaults();
  other.values[EfficiencyParams::kRooflineSharpness] = 2.7;
  other.values[EfficiencyParams::kComputeEfficiency] = 0.55;
  other.values[EfficiencyParams::kKernelOverhead_s] = 7e-6;
  other.values[EfficiencyParams::kSequenceOverhead_s] = 3e-5;
  return {EfficiencyParams::Defaults(), other};
}

}  // namespace

TEST_CASE("a decode-step operator table equals AnalyseStep of CountOps bit for bit") {
  const std::vector<std::string> models = {"llama-2-7b",  "llama-3-8b", "mixtral-8x7b",
                                           "deepseek-v3", "gemma-2-9b", "gpt-oss-20b",
                                           "qwen3.5-9b"};
  const std::vector<std::string> hardware = {"h100-sxm5-80gb", "a100-sxm4-80gb", "rtx-4090",
                                             "epyc-9654"};
  const std::vector<Precision> precisions = {Precision::kBf16, Precision::kFp8, Precision::kInt4,
                                             Precision::kQ4_K_M};
  const std::vector<int64_t> contexts = {0, 1, 511, 4097, 40000};
  size_t compared = 0, memory_bound = 0, compute_bound = 0;
  for (const auto& params : TableTestParams()) {
    for (const auto& model_id : models) {
      const ModelSpec& m = Model(model_id);
      for (const auto& hw_id : hardware) {
        const HardwareSpec& hw = Hw(hw_id);
        for (Precision weights : precisions) {
          for (int tp : {1, 2, 8}) {
            for (int64_t batch : {1, 7, 256}) {
              Workload w;
              w.batch = batch;
              w.prompt_tokens = 1000;
              w.weights = weights;
              w.parallel.tensor = tp;
              if (!LayoutInfeasibleReason(m, hw, w.parallel).empty()) continue;
              const DeviceRates rates = ResolveRates(hw, w);
              const DecodeStepTable table(m, w, rates, params);
              for (int64_t past : contexts) {
                const StepBreakdown want =
                    AnalyseStep(CountOps(m, w, DecodeStep(w, past)), rates, params);
                const StepBreakdown got = table.Breakdown(past);
                INFO(model_id << " on " << hw_id << " " << ToString(weights) << " tp " << tp
                              << " batch " << batch << " past " << past);
                REQUIRE(SameBits(got.step_s, want.step_s));
                REQUIRE(SameBits(table.StepTime_s(past), want.step_s));
                REQUIRE(SameBits(got.compute_s, want.compute_s));
                REQUIRE(SameBits(got.memory_s, want.memory_s));
                REQUIRE(SameBits(got.comm_s, want.comm_s));
                REQUIRE(SameBits(got.overhead_s, want.overhead_s));
                REQUIRE(SameBits(got.flops, want.flops));
                REQUIRE(SameBits(got.bytes, want.bytes));
                REQUIRE(std::string(got.bound) == want.bound);
                ++compared;
                memory_bound += std::string(want.bound) == "memory" ? 1 : 0;
                compute_bound += std::string(want.bound) == "compute" ? 1 : 0;
              }
            }
          }
        }
      }
    }
  }
  CHECK(compared > 2000);
  // The grid reaches both sides of the roofline.
  CHECK(memory_bound > 0);
  CHECK(compute_bound > 0);
}

TEST_CASE("a decode-step operator table's times grow with the context and batch over contexts") {
  Workload w;
  w.batch = 16;
  w.parallel.tensor = 2;
  const DeviceRates rates = ResolveRates(Hw("h100-sxm5-80gb"), w);
  const DecodeStepTable table(Model("llama-3-8b"), w, rates, EfficiencyParams::Defaults());
  const std::vector<int64_t> past = {128, 1024, 8192, 65536};
  std::vector<double> step_s(past.size());
  table.StepTimes_s(past.data(), past.size(), step_s.data());
  for (size_t i = 0; i < past.size(); ++i) {
    CHECK(SameBits(step_s[i], table.StepTime_s(past[i])));
    if (i > 0) CHECK(step_s[i] > step_s[i - 1]);  // a longer KV cache takes longer to read
  }
}
