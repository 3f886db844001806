// --calibration FILE [--calibration-group NAME]: the flags every prediction command (predict,
// plan, crossover / report / run, sweep, sweep-study, validate) takes to use fitted latency-model
// parameters instead of EfficiencyParams::Defaults() (sim/app/calibration_choice.h).
#pragma once

#include <CLI/CLI.hpp>

#include "sim/app/calibration_choice.h"

namespace rightsize {

void AddCalibrationOptions(CLI::App* command, app::CalibrationChoice* choice);

}  // namespace rightsize
