#include "sim/app/calibration_choice.h"

#include <fmt/format.h>

#include "sim/util/error.h"

namespace rightsize::app {

namespace {

ArchitectureMap ArchitecturesOf(const Catalog& catalog) {
  ArchitectureMap out;
  for (const auto& [id, hardware] : catalog.hardware()) {
    const std::string family = TransferFamily(hardware);
    if (!family.empty()) out[id] = family;
  }
  return out;
}

}  // namespace

std::optional<UsedCalibration> LoadCalibration(const CalibrationChoice& choice,
                                               const std::string& hardware_id,
                                               const Catalog* catalog) {
  if (choice.file.empty()) {
    if (!choice.group.empty()) {
      throw InputError({"", 0, "--calibration-group"}, "needs --calibration FILE");
    }
    return std::nullopt;
  }
  const ArchitectureMap architectures = ArchitecturesOf(catalog ? *catalog : Catalog::Default());
  if (hardware_id.empty()) return UseCalibrationPerDevice(choice.file, choice.group, architectures);
  UsedCalibration used = UseCalibration(choice.file, choice.group, hardware_id, architectures);
  // Loud honesty: a group fitted on another device prices this one by transfer.
  const std::string warning = UnmatchedCalibrationWarning(used, {hardware_id});
  if (!warning.empty()) fmt::print(stderr, "{}\n", warning);
  return used;
}

DeviceEfficiencyParams ParamsOf(const std::optional<UsedCalibration>& calibration) {
  if (!calibration) return EfficiencyParams::Defaults();
  DeviceEfficiencyParams params(calibration->group.empty() ? EfficiencyParams::Defaults()
                                                           : calibration->fit.params);
  for (const auto& [hardware, fit] : calibration->transferred) {
    params.by_hardware[hardware] = fit.params;
  }
  for (const auto& [hardware, fit] : calibration->by_hardware) {
    params.by_hardware[hardware] = fit.params;
  }
  params.common_calibrated = !calibration->group.empty();
  return params;
}

}  // namespace rightsize::app
