// MLPerf Inference LoadGen mlperf_log_summary.txt, with the facts a summary does not state given
// as `rightsize calibrate --model --hardware --prompt-tokens` gives them.
#include "sim/logs/readers.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "mlperf_log_summary.txt");
  LogReadOptions options(Catalog::Default());
  options.model_id = "llama-2-70b";
  options.hardware_id = "h100-sxm5-80gb";
  options.prompt_tokens = 1024;
  options.tensor_parallel = 2;
  fuzz::Expect([&] { ReadMlperfSummary(path, options); });
  return 0;
}
