// The loss points `rightsize fit-law DATA.csv` fits: N and D columns, and N with training FLOPs.
#include "sim/quality/law_data.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "points.csv");
  fuzz::Expect([&] { LoadLossPoints(path, LossColumns{}); });
  LossColumns flops;
  flops.flops = "flops";
  fuzz::Expect([&] { LoadLossPoints(path, flops); });
  return 0;
}
