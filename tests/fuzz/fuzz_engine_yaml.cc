// A serving-engine profile (models/engines/*.yaml, or one a user writes).
#include "sim/serve/engine_profile.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "engine.yaml");
  fuzz::Expect([&] { LoadEngineProfile(path); });
  return 0;
}
