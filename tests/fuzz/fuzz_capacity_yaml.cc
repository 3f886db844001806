// A capacity study (`rightsize plan STUDY.yaml`).
#include "sim/plan/capacity.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "capacity.yaml");
  fuzz::Expect([&] { LoadCapacityStudy(path); });
  return 0;
}
