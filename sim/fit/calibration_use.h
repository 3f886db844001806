// What a prediction command needs from a calibration file written by `rightsize calibrate`: the
// fitted parameter group, which file and group it came from, the file's prediction-interval
// level, and a 1-sigma relative error for Monte Carlo bands taken from the held-out error.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "sim/fit/calibrator.h"

namespace rightsize {

struct UsedCalibration {
  std::string file;              // as given on the command line
  std::string group;             // the full "hardware/engine" name of the group used
  GroupCalibration fit;          // parameters, covariance, sigma_log
  double interval_level = 0.9;   // the file's options.interval_level (0.9 when absent)
  bool has_covariance = false;   // any non-zero covariance entry
  // 1-sigma relative error of a predicted step time (so of throughput): 1.4826 x the held-out
  // median absolute percentage error (for normal errors the median |error| is 0.6745 sigma),
  // leave-one-group-out when the file has it (a model or shape family the fit never saw, the
  // closest to predicting a new configuration), else k-fold; without cross-validation the
  // group's in-sample sigma_log. `rel_sd_source` says which, for reports.
  double rel_sd = 0.0;
  std::string rel_sd_source;
};

// Loads `group` from the calibration file (see LoadCalibrationGroup for what `group` may be).
// When `group` is "" and `hardware_id` names the device of exactly one group, that group is
// used, so a file with one group per device picks the right one for the command's device.
// Throws InputError (file: key) for a missing file, a wrong schema, an unknown, ambiguous or
// unusable group.
UsedCalibration UseCalibration(const std::string& path, const std::string& group,
                               const std::string& hardware_id = "");

// True when the group was fitted on `hardware_id` (its name starts with "hardware_id/").
bool FittedOn(const UsedCalibration& calibration, const std::string& hardware_id);

// {"file", "group", "fitted_points", "fit_median_ape", "rel_sd", "rel_sd_source"} for JSON outputs.
nlohmann::json ToJson(const UsedCalibration& calibration);

}  // namespace rightsize
