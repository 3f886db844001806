// Vidur operator profiles (mlp.csv / mlp_medians_all.csv). The input sits where Vidur keeps its
// raw files (compute/<gpu>/<org>/<model>/mlp.csv), so rows without a gpu column map a device.
#include "sim/logs/readers.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "compute/a100/org/model/mlp.csv");
  fuzz::Expect([&] { ReadVidurCsv(path, LogReadOptions{Catalog::Default()}); });
  return 0;
}
