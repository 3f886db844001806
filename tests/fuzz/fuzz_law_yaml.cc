// A published scaling law (models/laws/*.yaml, `size --law law.yaml`).
#include "sim/quality/law_spec.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "law.yaml");
  fuzz::Expect([&] { LoadLaw(path); });
  return 0;
}
