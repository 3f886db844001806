// What a prediction command needs from a calibration file written by `rightsize calibrate`: the
// fitted parameter group, which file and group it came from, the file's prediction-interval
// level, and a 1-sigma relative error for Monte Carlo bands taken from the held-out error.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/fit/calibration_file.h"

namespace rightsize {

struct UsedCalibration {
  std::string file;             // as given on the command line
  std::string group;            // the full "hardware/engine" name of the group used
  GroupCalibration fit;         // parameters, covariance, sigma_log
  double interval_level = 0.9;  // the file's options.interval_level (0.9 when absent)
  bool has_covariance = false;  // any non-zero covariance entry
  // 1-sigma relative error of a predicted step time (so of throughput): 1.4826 x the held-out
  // median absolute percentage error (for normal errors the median |error| is 0.6745 sigma),
  // leave-one-group-out when the file has it (a model or shape family the fit never saw, the
  // closest to predicting a new configuration), else k-fold; without cross-validation the
  // group's in-sample sigma_log. `rel_sd_source` says which, for reports.
  double rel_sd = 0.0;
  std::string rel_sd_source;
  // Set by UseCalibrationPerDevice: the group fitted on each device, by hardware id. Devices not
  // in it use `fit` when `group` is set, else the uncalibrated defaults.
  std::map<std::string, GroupCalibration> by_hardware;
  // Devices the file has no group for but a family of their architecture (FamilyCalibration):
  // the family's transfer fit (its level, with the family's device spread in the covariance),
  // by hardware id. Filled only for the devices of the `architecture_of` map a caller passes.
  std::map<std::string, GroupCalibration> transferred;
  // The file's families (none in files written before families existed).
  std::vector<FamilyCalibration> families;
  // When `fit` was fitted on another device than the one a single-device command prices: which
  // spread its interval was widened by ("" otherwise).
  std::string transfer_spread;
};

// Hardware id -> architecture (HardwareSpec::architecture), for the devices a command may price.
using ArchitectureMap = std::map<std::string, std::string>;

// Loads `group` from the calibration file (see LoadCalibrationGroup for what `group` may be).
// When `group` is "" and `hardware_id` names the device of exactly one group, that group is
// used, so a file with one group per device picks the right one for the command's device.
// Throws InputError (file: key) for a missing file, a wrong schema, an unknown, ambiguous or
// unusable group.
//
// Transfer: when no group is named and none was fitted on `hardware_id`, a family of its
// architecture (`architecture_of`) prices it with the family's spread. A group fitted on another
// device that prices `hardware_id` has its covariance widened: to the family's device spread
// when both devices are of one architecture whose spread the file measured, else to the cited
// cross-device prior spread (kPriorSdLog); `transfer_spread` says which.
UsedCalibration UseCalibration(const std::string& path, const std::string& group,
                               const std::string& hardware_id = "",
                               const ArchitectureMap& architecture_of = {});

// For commands that price several devices (plan, crossover / report / run, sweep, sweep-study,
// validate). A full "hardware/engine" name or a hardware id in `group`, or a file with one group:
// that group for every device (UseCalibration). Otherwise each device gets the usable group
// fitted on it (with engine `group` when `group` names an engine, e.g. "vllm-0.11.1"), when
// exactly one matches, and every other device keeps the uncalibrated defaults. Throws InputError
// when no device gets a group (naming the groups to choose from). Without a group for every
// device, each device of `architecture_of` with no group of its own but a family of its
// architecture in the file (with engine `group` when one is named; exactly one) gets that
// family's transfer fit (`transferred`).
UsedCalibration UseCalibrationPerDevice(const std::string& path, const std::string& group,
                                        const ArchitectureMap& architecture_of = {});

// True when the group used for `hardware_id` was fitted on it.
bool FittedOn(const UsedCalibration& calibration, const std::string& hardware_id);

// Which calibration priced a device's numbers: "calibrated: GROUP (FILE)" when the group used was
// fitted on the device, "transferred from family ARCH/ENGINE (devices ...; family spread in the
// interval) (FILE)" for a device priced through its family, "transferred from GROUP (FILE)" when
// the group was fitted on another device, "uncalibrated" without a calibration or for a device the
// file has neither a group nor a family for.
std::string PricedBy(const std::optional<UsedCalibration>& calibration,
                     const std::string& hardware_id);

// The warning a command prints on stderr when a calibration file prices none of its devices with
// a group fitted on that device ("" when at least one is): the numbers are then uncalibrated or
// transferred, which a user who passed --calibration would not expect.
std::string UnmatchedCalibrationWarning(const UsedCalibration& calibration,
                                        const std::vector<std::string>& hardware_ids);

// {"file", "group", "fitted_points", "fit_median_ape", "rel_sd", "rel_sd_source"} for JSON outputs.
nlohmann::json ToJson(const UsedCalibration& calibration);

}  // namespace rightsize
