// ML.ENERGY leaderboard v2 (llm_runs.csv) and v3 (llm_configurations.csv) rows.
#include "sim/logs/readers.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "ml-energy.csv");
  fuzz::Expect([&] { ReadMlEnergyCsv(path, LogReadOptions{Catalog::Default()}); });
  return 0;
}
