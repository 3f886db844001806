// optimum-benchmark short_report.csv.
#include "sim/logs/readers.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "short_report.csv");
  fuzz::Expect([&] { ReadOptimumCsv(path, LogReadOptions{Catalog::Default()}); });
  return 0;
}
