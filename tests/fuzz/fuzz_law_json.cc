// A fitted scaling law as `rightsize fit-law` writes it (`size --law law.json`).
#include "sim/quality/law_spec.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "law.json");
  fuzz::Expect([&] { LoadLaw(path); });
  return 0;
}
