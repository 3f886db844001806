// Which calibration a prediction uses: the calibration file and group every prediction command
// (predict, plan, crossover / report / run, sweep, sweep-study, validate) and the Python module
// take to price with fitted latency-model parameters instead of EfficiencyParams::Defaults().
#pragma once

#include <optional>
#include <string>

#include "sim/cost/efficiency_params.h"
#include "sim/fit/calibration_use.h"
#include "sim/spec/catalog.h"

namespace rightsize::app {

struct CalibrationChoice {
  std::string file;   // calibration JSON written by `rightsize calibrate`; "" = defaults
  std::string group;  // "hardware/engine", a hardware id, or "" (see UseCalibration)
};

// nullopt without a file; InputError for a group without a file and for everything
// UseCalibration / UseCalibrationPerDevice reject. `hardware_id` given: the command prices that
// one device (UseCalibration); "": it prices several (UseCalibrationPerDevice).
// Devices without a group of their own are priced through their architecture's family where
// the file has one; architectures are read from `catalog` (null: Catalog::Default()).
std::optional<UsedCalibration> LoadCalibration(const CalibrationChoice& choice,
                                               const std::string& hardware_id = "",
                                               const Catalog* catalog = nullptr);

// The calibration's parameters per device (fitted on it, or transferred from its family;
// EfficiencyParams::Defaults() for devices it has neither for), or the defaults everywhere
// without one.
DeviceEfficiencyParams ParamsOf(const std::optional<UsedCalibration>& calibration);

}  // namespace rightsize::app
