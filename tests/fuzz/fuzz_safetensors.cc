// A safetensors file in a Hugging Face cache snapshot (`--model owner/name`): its header.
#include "sim/spec/hf_cache.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  fuzz::Expect([&] { ReadSafetensorsHeader(fuzz::WriteInput(data, size, "model.safetensors")); });
  return 0;
}
