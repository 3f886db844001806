// llama-bench output (-o csv | json | jsonl), as `rightsize calibrate` reads it.
#include "sim/logs/readers.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "llama-bench.out");
  fuzz::Expect([&] { ReadLlamaBench(path, LogReadOptions{Catalog::Default()}); });
  return 0;
}
