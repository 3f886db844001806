// Serving-benchmark summaries besides vLLM's: SGLang bench_serving JSONL, llmperf _summary.json,
// GenAI-Perf profile_export_genai_perf.json, the GenAI-Perf / AIPerf CSV exports and vllm bench
// throughput JSON, each reader given the same input (the model and the device from --model /
// --hardware, as users pass them).
#include "sim/logs/readers.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "serving.json");
  LogReadOptions options(Catalog::Default());
  options.model_id = "llama-3.1-8b";
  options.hardware_id = "h100-sxm5-80gb";
  fuzz::Expect([&] { ReadSglangBenchServing(path, options); });
  fuzz::Expect([&] { ReadLlmperfSummary(path, options); });
  fuzz::Expect([&] { ReadGenaiPerfJson(path, options); });
  fuzz::Expect([&] { ReadGenaiPerfCsv(path, options); });
  fuzz::Expect([&] { ReadVllmThroughputJson(path, options); });
  return 0;
}
