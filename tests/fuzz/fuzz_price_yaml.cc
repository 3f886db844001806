// A price YAML (models/prices/*.yaml).
#include "sim/spec/yaml_loaders.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "price.yaml");
  fuzz::Expect([&] { LoadPriceSpecYaml(path); });
  return 0;
}
