// A request trace or measured request log in JSONL (`rightsize simulate --trace FILE.jsonl`, the
// replay logs): canonical rows and LLMServingSim's per-request rows.
#include "sim/serve/trace_reader.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "requests.jsonl");
  fuzz::Expect([&] { ReadRequestTrace(path); });
  fuzz::Expect([&] { ReadMeasuredRequests(path); });
  return 0;
}
