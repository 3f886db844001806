// A hardware YAML (models/hardware/*.yaml, or the CPU spec `rightsize measure` writes).
#include "sim/spec/yaml_loaders.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "hardware.yaml");
  fuzz::Expect([&] { LoadHardwareSpecYaml(path); });
  return 0;
}
