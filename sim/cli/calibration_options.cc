#include "sim/cli/calibration_options.h"

#include "sim/util/error.h"

namespace rightsize {

void AddCalibrationOptions(CLI::App* c, CalibrationOptions* o) {
  c->add_option("--calibration", o->file,
                "calibration JSON from `rightsize calibrate` (default: uncalibrated efficiencies)");
  c->add_option("--calibration-group", o->group,
                "group of the calibration file: hardware/engine or a hardware id (default: the only "
                "group, or the one fitted on the command's device)");
}

std::optional<UsedCalibration> LoadCalibrationOption(const CalibrationOptions& o,
                                                     const std::string& hardware_id) {
  if (o.file.empty()) {
    if (!o.group.empty()) {
      throw InputError({"", 0, "--calibration-group"}, "needs --calibration FILE");
    }
    return std::nullopt;
  }
  return UseCalibration(o.file, o.group, hardware_id);
}

EfficiencyParams ParamsOf(const std::optional<UsedCalibration>& calibration) {
  return calibration ? calibration->fit.params : EfficiencyParams::Defaults();
}

}  // namespace rightsize
