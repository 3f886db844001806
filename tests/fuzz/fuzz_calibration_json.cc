// A calibration file (`--calibration FILE`): one group for a device, and one group per device.
#include "sim/fit/calibration_use.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "calibration.json");
  fuzz::Expect([&] { UseCalibration(path, "", "h100-sxm5-80gb"); });
  fuzz::Expect([&] { UseCalibrationPerDevice(path, ""); });
  return 0;
}
