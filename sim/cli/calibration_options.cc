#include "sim/cli/calibration_options.h"

namespace rightsize {

void AddCalibrationOptions(CLI::App* c, app::CalibrationChoice* o) {
  c->add_option("--calibration", o->file,
                "calibration JSON from `rightsize calibrate` (default: uncalibrated efficiencies)");
  c->add_option(
      "--calibration-group", o->group,
      "group of the calibration file: hardware/engine, a hardware id, or an engine (default: "
      "the only group, or the one fitted on each device)");
}

}  // namespace rightsize
