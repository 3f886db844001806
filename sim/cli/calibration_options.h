// --calibration FILE [--calibration-group NAME]: the flags every prediction command (predict,
// plan, crossover / report / run, sweep) takes to use fitted latency-model parameters instead of
// EfficiencyParams::Defaults().
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "sim/cost/efficiency_params.h"
#include "sim/fit/calibration_use.h"

namespace rightsize {

struct CalibrationOptions {
  std::string file;   // calibration JSON written by `rightsize calibrate`; "" = defaults
  std::string group;  // "hardware/engine", a hardware id, or "" (see UseCalibration)
};

void AddCalibrationOptions(CLI::App* command, CalibrationOptions* options);

// nullopt without --calibration; InputError for --calibration-group without --calibration and for
// everything UseCalibration / UseCalibrationPerDevice reject. `hardware_id` given: the command
// prices that one device (UseCalibration), with a warning on stderr when the group used was not
// fitted on it; "": it prices several (UseCalibrationPerDevice).
std::optional<UsedCalibration> LoadCalibrationOption(const CalibrationOptions& options,
                                                     const std::string& hardware_id = "");

// The calibration's parameters per device (EfficiencyParams::Defaults() for devices it has none
// for), or the defaults everywhere without one.
DeviceEfficiencyParams ParamsOf(const std::optional<UsedCalibration>& calibration);

}  // namespace rightsize
