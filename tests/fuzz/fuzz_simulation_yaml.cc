// A serving-simulation spec (`rightsize simulate SPEC.yaml`): everything LoadSimulationSpec checks.
#include "sim/serve/simulation_spec.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "simulation.yaml");
  fuzz::Expect([&] { LoadSimulationSpec(path); });
  return 0;
}
