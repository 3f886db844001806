// A request trace in CSV (`rightsize simulate --trace FILE.csv`).
#include "sim/serve/trace_reader.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "trace.csv");
  fuzz::Expect([&] { ReadRequestTrace(path); });
  return 0;
}
