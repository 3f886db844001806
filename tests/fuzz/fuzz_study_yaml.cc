// A crossover study (`rightsize crossover|report|run STUDY.yaml`): everything LoadStudy checks,
// including the scores table and law files it names.
#include "sim/plan/study.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "study.yaml");
  fuzz::Expect([&] { LoadStudy(path); });
  return 0;
}
