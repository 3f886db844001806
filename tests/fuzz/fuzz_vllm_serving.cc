// vLLM benchmark_serving --save-result JSON (the device comes from --hardware, as users pass it).
#include "sim/logs/readers.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "vllm.json");
  LogReadOptions options(Catalog::Default());
  options.hardware_id = "h100-sxm5-80gb";
  fuzz::Expect([&] { ReadVllmServingJson(path, options); });
  return 0;
}
