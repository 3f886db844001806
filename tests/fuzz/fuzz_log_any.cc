// A log of unknown format, as `rightsize calibrate LOG` reads it without --format: detection,
// then the reader it picks.
#include "sim/logs/readers.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "log");
  LogReadOptions options(Catalog::Default());
  options.hardware_id = "h100-sxm5-80gb";
  fuzz::Expect([&] { ReadLog(path, "", options); });
  return 0;
}
