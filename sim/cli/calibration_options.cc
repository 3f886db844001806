#include "sim/cli/calibration_options.h"

#include <fmt/format.h>

#include "sim/util/error.h"

namespace rightsize {

void AddCalibrationOptions(CLI::App* c, CalibrationOptions* o) {
  c->add_option("--calibration", o->file,
                "calibration JSON from `rightsize calibrate` (default: uncalibrated efficiencies)");
  c->add_option("--calibration-group", o->group,
                "group of the calibration file: hardware/engine, a hardware id, or an engine (default: "
                "the only group, or the one fitted on each device)");
}

std::optional<UsedCalibration> LoadCalibrationOption(const CalibrationOptions& o,
                                                     const std::string& hardware_id) {
  if (o.file.empty()) {
    if (!o.group.empty()) {
      throw InputError({"", 0, "--calibration-group"}, "needs --calibration FILE");
    }
    return std::nullopt;
  }
  if (hardware_id.empty()) return UseCalibrationPerDevice(o.file, o.group);
  UsedCalibration used = UseCalibration(o.file, o.group, hardware_id);
  const std::string warning = UnmatchedCalibrationWarning(used, {hardware_id});
  if (!warning.empty()) fmt::print(stderr, "{}\n", warning);
  return used;
}

DeviceEfficiencyParams ParamsOf(const std::optional<UsedCalibration>& calibration) {
  if (!calibration) return EfficiencyParams::Defaults();
  DeviceEfficiencyParams params(calibration->group.empty() ? EfficiencyParams::Defaults()
                                                           : calibration->fit.params);
  for (const auto& [hardware, fit] : calibration->by_hardware) params.by_hardware[hardware] = fit.params;
  return params;
}

}  // namespace rightsize
