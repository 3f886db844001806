// Engine profiles: every shipped profile loads with a source, the documented device tiers apply,
// and the loader is strict (file:line: key for unknown keys and bad values).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "sim/serve/engine_profile.h"
#include "sim/spec/catalog.h"
#include "tests/error_of.h"
#include "tests/serve/serve_test_util.h"
#include "tests/temp_file.h"

using namespace rightsize;
using namespace rightsize::testing;

namespace {

const char* kProfile = R"(id: test-engine
name: "test"
version: "1"
source: "here"
scheduler:
  max_num_seqs: 8
  max_num_batched_tokens: 512
  chunked_prefill: true
  policy: decode_first
  admission: on_demand
  reserve_full_isl: true
kv_cache:
  block_size_tokens: 16
  memory_utilization: 0.9
  prefix_caching: false
expert_parallel_exchange: all_to_all
router: round_robin
host_overheads:
  step_overhead_s: 0.0
  sequence_overhead_s: 1.0e-5
)";

}  // namespace

TEST_CASE("the four shipped engine profiles load, each with its source") {
  const std::vector<EngineProfile> profiles = LoadEngineProfiles(Catalog::DefaultModelsDir());
  std::vector<std::string> ids;
  for (const EngineProfile& p : profiles) {
    ids.push_back(p.id);
    CHECK_FALSE(p.source.empty());
    CHECK(p.max_num_seqs >= 1);
    CHECK(p.max_num_batched_tokens >= 1);
  }
  CHECK(ids == std::vector<std::string>{"llama-cpp-server", "sglang", "tensorrt-llm", "vllm-v1"});
}

TEST_CASE("vLLM V1 raises its batch limits on >= 70 GiB devices other than the A100") {
  const EngineProfile& vllm = FindEngineProfile("vllm-v1");
  const EngineConfig h100 = ResolveEngineConfig(vllm, Hardware("h100-sxm5-80gb"));
  CHECK(h100.max_num_seqs == 1024);
  CHECK(h100.max_num_batched_tokens == 8192);
  const EngineConfig a100 = ResolveEngineConfig(vllm, Hardware("a100-sxm4-80gb"));
  CHECK(a100.max_num_seqs == 256);
  CHECK(a100.max_num_batched_tokens == 2048);
  const EngineConfig l4 = ResolveEngineConfig(vllm, Hardware("l4"));
  CHECK(l4.max_num_batched_tokens == 2048);
  // SGLang's chunked prefill size steps with device memory: 2048 / 8192 / 16384.
  const EngineProfile& sglang = FindEngineProfile("sglang");
  CHECK(ResolveEngineConfig(sglang, Hardware("rtx-4090")).max_num_batched_tokens == 2048);
  CHECK(ResolveEngineConfig(sglang, Hardware("h100-sxm5-80gb")).max_num_batched_tokens == 8192);
  CHECK(ResolveEngineConfig(sglang, Hardware("b200-sxm-180gb")).max_num_batched_tokens == 16384);
}

TEST_CASE("an unknown engine id suggests close matches") {
  const std::string message = ErrorOf([] { FindEngineProfile("vllm-v2"); });
  CHECK_THAT(message, Catch::Matchers::Contains("vllm-v1"));
}

TEST_CASE("an unknown or bad engine key is an error naming file, line and key") {
  const std::string good = WriteTempFile("rightsize_serve_test", "good.yaml", kProfile);
  CHECK(LoadEngineProfile(good).max_num_seqs == 8);
  std::string text = kProfile;
  text.replace(text.find("  policy:"), 0, "  max_num_seq: 4\n");
  const std::string unknown = WriteTempFile("rightsize_serve_test", "unknown.yaml", text);
  CHECK_THAT(ErrorOf([&] { LoadEngineProfile(unknown); }),
             Catch::Matchers::Contains(unknown + ":9: scheduler.max_num_seq"));
  text = kProfile;
  text.replace(text.find("decode_first"), 12, "decode_last");
  const std::string bad = WriteTempFile("rightsize_serve_test", "bad.yaml", text);
  CHECK_THAT(ErrorOf([&] { LoadEngineProfile(bad); }),
             Catch::Matchers::Contains(bad + ":9: scheduler.policy"));
  text = kProfile;
  text.replace(text.find("max_num_seqs: 8"), 15, "max_num_seqs: 0");
  const std::string zero = WriteTempFile("rightsize_serve_test", "zero.yaml", text);
  CHECK_THAT(ErrorOf([&] { LoadEngineProfile(zero); }),
             Catch::Matchers::Contains(zero + ":6: scheduler.max_num_seqs"));
}

TEST_CASE("engine names in benchmark logs map onto the engine profiles") {
  CHECK(EngineProfileIdForLogEngine("vllm-openai") == "vllm-v1");
  CHECK(EngineProfileIdForLogEngine("sglang") == "sglang");
  CHECK(EngineProfileIdForLogEngine("TensorRT-LLM") == "tensorrt-llm");
  CHECK(EngineProfileIdForLogEngine("trt-llm") == "tensorrt-llm");
  CHECK(EngineProfileIdForLogEngine("llama.cpp") == "llama-cpp-server");
  CHECK(EngineProfileIdForLogEngine("genai-perf") == "vllm-v1");  // the tools' default server
  for (const char* id : {"vllm-v1", "sglang", "tensorrt-llm", "llama-cpp-server"}) {
    CHECK(FindEngineProfile(id).id == id);  // every answer is a shipped profile
  }
}
