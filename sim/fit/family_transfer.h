// Transfer of calibrations across devices through GPU architecture families: the devices of one
// architecture (HardwareSpec::architecture) running one engine share a level of the efficiency
// parameters, with device-level deviations around it (a hierarchical prior).
//
// FitWithFamilies, in three stages (an empirical-Bayes estimate):
//   1. every group (device x engine) fitted on its own with the cited priors (Calibrator::Fit);
//   2. per family: the level, one fit of every point of its devices pooled, and the device spread
//      tau per parameter, the method-of-moments sd of log(param) across the devices whose data
//      moved it (sample variance minus the mean squared standard error, at least 0; not capped
//      at the cited prior sd, which real families exceed: docs/calibration.md); where fewer than
//      two devices' data moved a parameter its spread is the cited prior sd (kPriorSdLog: the range
//      across devices the sources report);
//   3. each device of a family with >= 2 usable devices refitted with its prior centred on the
//      family level, sd sqrt(tau^2 + the level's own variance): shrunk toward the family.
// A device with no group of its own is priced by its family's transfer fit: the level, with the
// device spread added to its covariance ((1 + 1/n) tau^2 in log units, n devices; a parameter
// whose spread is not measured gets at least its cited prior variance) and the member devices'
// median residual scales (sigma_log and interval_sigma_log), so its prediction interval carries
// the family's spread.
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include "sim/fit/calibrator.h"
#include "sim/util/work_units.h"

namespace rightsize {

// Devices with a usable fit a family needs before its spread is measured and its devices are
// shrunk toward it: one device has no spread to measure.
inline constexpr int kMinFamilyDevices = 2;

// Calibrator::Fit with CalibratorOptions::families (stages above). Families are keyed by
// CalibrationPoint::family; points without one are fitted as plain groups. With shared
// parameters (CalibratorOptions::shared) the families get levels and spreads, but the devices
// are not shrunk (their shared parameters already pool every group).
CalibrationResult FitWithFamilies(const std::vector<CalibrationPoint>& points,
                                  const CalibratorOptions& options);

// The fit that prices `point` when its group is absent from `fit`: its family's transfer fit,
// or nullptr when the point has no family or the fit none for it.
const GroupCalibration* TransferFitFor(const CalibrationResult& fit, const CalibrationPoint& point);

// The cited cross-device spread of log(param): prior_sd_scale x kPriorSdLog.
std::array<double, EfficiencyParams::kNumParams> CrossDeviceSpreadLog(double prior_sd_scale);

// `fit` used on a device it was not fitted on, of another family (or of none): each parameter's
// variance raised to at least (spread_log x value)^2, so the interval carries the cross-device
// spread; `said` is appended to the report.
GroupCalibration WithCrossDeviceSpread(
    const GroupCalibration& fit, const std::array<double, EfficiencyParams::kNumParams>& spread_log,
    const std::string& said);

// Leave one GPU out: for every family with >= 2 devices in `points`, each device in turn is held
// out, the rest fitted (FitWithFamilies) and the device's points predicted through its family's
// transfer fit. One work unit per held-out device through `runner` (null: here, in order).
struct DeviceHoldOutReport {
  CrossValidationReport overall;                            // every held-out point
  std::map<std::string, CrossValidationReport> by_family;   // per family
  std::map<std::string, std::vector<std::string>> devices;  // per family, the devices held out
  std::map<std::string, double> device_median_ape;          // per device held out
};
DeviceHoldOutReport LeaveOneDeviceOut(const std::vector<CalibrationPoint>& points,
                                      const CalibratorOptions& options,
                                      const UnitRunner* runner = nullptr);

}  // namespace rightsize
