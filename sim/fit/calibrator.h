// Calibrator: fits the latency model's EfficiencyParams (sim/cost/efficiency_params.h) to
// measured step and operator times with Ceres, per parameter group (hardware x engine), and
// reports standard errors, prediction intervals and which parameters the data cannot pin down.
//
// The forward model is PredictStepTime_s (sim/cost/latency.h) itself, called with ceres::Jet:
// calibration and prediction can never drift apart.
//
// Residual: log(predicted / measured) (a relative error, so a 10 us kernel and a 2 s prefill
// weigh the same), under a robust loss chosen by option; every parameter has the bounds of
// EfficiencyParams and, by default, a Gaussian prior on log(param / default) with the cited sd
// of EfficiencyParams::kPriorSdLog, one Ceres residual block each, so a parameter the data
// cannot see stays at its default and its prior spread reaches the prediction intervals. A
// failed or unidentifiable fit is a result (usable = false, report says why), never an
// exception.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/cost/efficiency_params.h"
#include "sim/cost/latency.h"
#include "sim/fit/simulated_measure.h"
#include "sim/util/json_reader.h"
#include "sim/util/work_units.h"

namespace rightsize {

// One measured interval, resolved to what the forward model needs.
struct CalibrationPoint {
  std::vector<OpCost> ops;  // per-device operators of the interval
  DeviceRates rates;        // the device's peaks for the interval's precisions
  double measured_s = 0.0;  // measured wall time, > 0
  std::string group;        // parameter group: one EfficiencyParams per distinct value
  std::string fold_key;     // leave-one-group-out key (model, file, shape family)
  std::string where;        // "file:row" for reports
  // Transfer family "architecture/engine" of the group's device ("" = the device names no
  // architecture): the devices of one family share a level (sim/fit/family_transfer.h).
  std::string family;
  std::string device;  // hardware id of the group
  // Set: the simulation that predicts measured_s (ops then only describe the run's mean step).
  std::shared_ptr<const SimulatedMeasure> simulated;
};

// The forward model's prediction of a point: its simulation when it has one, else
// PredictStepTime_s of its operators.
double PredictPointS(const CalibrationPoint& point, const double* params);

enum class RobustLoss { kNone, kHuber, kSoftL1, kCauchy, kArctan };
std::string ToString(RobustLoss loss);
RobustLoss ParseRobustLoss(const std::string& text);  // none|huber|soft_l1|cauchy|arctan

struct CalibratorOptions {
  RobustLoss loss = RobustLoss::kHuber;
  // Scale of the robust loss in log units (0.1 ~ residuals beyond 10% are down-weighted), > 0.
  double loss_scale = 0.1;
  // Gaussian priors on log(param / prior.values[i]) with sd prior_sd_scale x
  // EfficiencyParams::kPriorSdLog[i], for every free parameter. The data residuals are log
  // ratios with the fit's own noise scale sigma (the robust residual sd, estimated by refitting
  // until it settles, at least kMinNoiseSigmaLog), so the prior block enters as
  // sigma x (log p - log p0) / sd: the minimum is the posterior mode of a normal likelihood with
  // that noise, and the covariance (scaled by sigma^2) the posterior covariance.
  bool use_priors = true;
  double prior_sd_scale = 1.0;  // > 0; multiplies every cited prior sd
  // Per-parameter prior sd of log(param), replacing prior_sd_scale x kPriorSdLog where set (the
  // family prior of a device's fit, sim/fit/family_transfer.h); every entry > 0.
  std::optional<std::array<double, EfficiencyParams::kNumParams>> prior_sd_log;
  // Fit a level per transfer family (CalibrationPoint::family) and shrink each device's group
  // toward it (FitWithFamilies, sim/fit/family_transfer.h); a group absent from a fit is then
  // predicted through its family's transfer fit.
  bool families = false;
  // Start values, prior means and the values of fixed parameters.
  EfficiencyParams prior = EfficiencyParams::Defaults();
  // Indices (EfficiencyParams::Index) held at prior for every group.
  std::vector<int> fixed;
  // Indices shared by every group of a fit with several groups: fitted once on all points pooled
  // (one group "all groups"), then held at that value in each group's fit, whose covariance gets
  // the pooled fit's block for them (so prediction intervals carry their uncertainty). A
  // two-stage estimate: the pooled fit frees the group parameters too. Ignored with one group.
  std::vector<int> shared;
  // Nominal coverage of prediction intervals, in (0, 1).
  double interval_level = 0.90;
  // Folds of the split that sets each group's prediction-interval scale from held-out residuals
  // (whole refits of the other folds); 0, or a group with too few points predicted: the
  // studentized in-sample residuals (GroupCalibration::interval_sigma_log).
  int interval_folds = 5;
  int max_iterations = 200;  // Levenberg-Marquardt iterations per fit, >= 1
  int num_threads = 1;       // Ceres residual-evaluation threads, >= 1
  // A direction of the (log-scaled) J^T J with eigenvalue below this fraction of the largest is
  // one the data cannot pin down; the parameter that dominates it is fixed and reported.
  double identifiability_threshold = 1e-7;
};

// Floor of the noise scale that weighs data against priors: timing repeats of one GPU kernel
// scatter by about 1% (run-to-run variation of CUDA event timings), so no log of step times
// pins a parameter more tightly than 1% noise would.
inline constexpr double kMinNoiseSigmaLog = 0.01;
// A parameter whose posterior sd (in log units) is below this fraction of its prior sd was moved
// by the data; at or above it, the prior held it (the data added less than a 4x gain in
// precision).
inline constexpr double kDataMovedSdRatio = 0.5;
// With priors, a parameter whose hard lower bound is 0 (the overheads) gets the lower bound
// default x exp(-kPriorFloorSd x sd) so its log prior stays finite; a fit there is flagged.
inline constexpr double kPriorFloorSd = 8.0;

// What fixed a parameter's value in a group's fit (for a shared parameter: in the pooled fit).
enum class ParamSource {
  kData,   // fitted, posterior sd < kDataMovedSdRatio x prior sd (or fitted without priors)
  kPrior,  // fitted with a prior, but the data hardly narrowed it: the prior held it
  kHeld,   // not fitted (fixed by option, or unidentifiable without priors)
};
std::string ToString(ParamSource source);  // "data" | "prior" | "held"

struct GroupCalibration {
  static constexpr int kN = EfficiencyParams::kNumParams;
  std::string group;
  EfficiencyParams params;
  // Covariance of the parameters (row-major kN x kN, parameter units); rows and columns of fixed
  // parameters are zero. Scaled by sigma_log^2 (Ceres returns (J^T J)^-1 of the unit-variance
  // problem).
  std::array<double, kN * kN> covariance{};
  std::array<double, kN> std_error{};
  std::array<bool, kN> free{};  // fitted (true) or held at the prior (false)
  // Held because the data cannot pin them down, at the value the fit had reached (the prior for
  // a parameter the data never touches; for collinear ones only their combination is fitted).
  std::vector<std::string> unidentified;
  std::vector<std::string> at_bound;  // fitted values on a bound (their errors are optimistic)
  std::vector<std::string> shared;    // taken from the pooled fit of every group (options.shared)
  // Per parameter: the prior's mean and sd of log(value) (sd 0 when fitted without priors), and
  // what determined the value.
  std::array<double, kN> prior_value{};
  std::array<double, kN> prior_sd_log{};
  std::array<ParamSource, kN> source{};
  // One sentence per parameter on a bound: which bound and what that means for predictions.
  std::vector<std::string> bound_notes;
  int n_points = 0;
  double sigma_log = 0.0;  // robust residual scale, 1.4826 x MAD of log residuals
  // The residual scale prediction intervals use: the options' interval-level quantile of the
  // group's held-out log residuals (options.interval_folds), or without them of its studentized
  // in-sample residuals |r| / sqrt(1 - leverage), over that level's normal quantile. Above
  // sigma_log where the tails are heavier than normal, the fit spent many of few points on its
  // parameters, or the model misses unseen points in a structured way; 0 in files written
  // before it existed (sigma_log is used).
  double interval_sigma_log = 0.0;
  double rel_rms = 0.0;     // RMS of log residuals (~ relative RMS error)
  double median_ape = 0.0;  // on the fitted points, fraction (0.05 = 5%)
  bool converged = false;
  bool usable = false;
  std::string report;  // one paragraph: what was fitted, what not and why

  double Covariance(int i, int j) const { return covariance[static_cast<size_t>(i * kN + j)]; }
};

// A transfer family's level (CalibratorOptions::families): every device of one architecture with
// one engine, fitted pooled, with the spread of its devices around it.
struct FamilyCalibration {
  static constexpr int kN = EfficiencyParams::kNumParams;
  std::string name;  // "architecture/engine"
  std::string architecture, engine;
  std::vector<std::string> devices;  // hardware ids of the groups it pools
  // The fit that prices a device of the family that has no group of its own: the pooled level,
  // its covariance plus the device spread, and the devices' median residual scale.
  GroupCalibration transfer;
  // Device-to-device sd of log(param) around the level; measured (from >= 2 devices the data
  // moved it on) or, where not, the cited prior sd (the cross-device spread of kPriorSdLog).
  std::array<double, kN> tau_log{};
  std::array<bool, kN> tau_measured{};
  double pooled_sigma_log = 0.0;  // residual scale of the pooled fit (device spread included)
  std::string report;
};

struct CalibrationResult {
  std::vector<GroupCalibration> groups;
  std::vector<FamilyCalibration> families;  // with CalibratorOptions::families
  int n_points = 0;
  double rel_rms = 0.0;  // over all groups
  bool usable = false;   // every group usable
  std::string report;

  const GroupCalibration* Find(const std::string& group) const;        // nullptr if absent
  const FamilyCalibration* FindFamily(const std::string& name) const;  // nullptr if absent
};

// "" when at least one group of the fit is usable; otherwise one line saying why none is (each
// group's name and the reasons its report gives), for a command to refuse to write a calibration
// that nothing could use.
std::string NoUsableGroupReason(const CalibrationResult& result);

class Calibrator {
 public:
  explicit Calibrator(CalibratorOptions options = {});
  // Fits each group of points independently. Throws InvariantError only on bad options.
  CalibrationResult Fit(const std::vector<CalibrationPoint>& points) const;
  const CalibratorOptions& options() const { return options_; }

 private:
  GroupCalibration FitGroup(const std::string& group,
                            const std::vector<const CalibrationPoint*>& points) const;
  CalibratorOptions options_;
};

struct PredictionInterval {
  double predicted_s = 0.0;
  double lower_s = 0.0;
  double upper_s = 0.0;
};

// Delta method in log space: var(log t) = g^T C g + s^2 with g = d log t / d params and s the
// fit's interval_sigma_log (its sigma_log for files without one);
// interval = t x exp(+-z sqrt(var)), z the two-sided normal quantile of `level`.
PredictionInterval PredictWithInterval(const GroupCalibration& fit, const CalibrationPoint& point,
                                       double level);

// One line per parameter: name, value, standard error, prior (default and sd) and what
// determined it ("moved by the data", "held by the prior", "held, not fitted", "shared by every
// group"), a bound flagged; for terminal output.
std::string ParameterTable(const GroupCalibration& fit);

// Held-out error: absolute percentage errors |pred - meas| / meas of points never seen by the
// fit that predicts them, and how often the prediction interval contains the measurement.
struct CrossValidationReport {
  std::string scheme;  // "5-fold" | "leave-one-group-out"
  int folds = 0;
  int n_predicted = 0;      // held-out points predicted by a usable fit
  int n_unpredicted = 0;    // held-out points whose group had no usable fit without them
  double median_ape = 0.0;  // fraction
  double p90_ape = 0.0;     // fraction
  double coverage = 0.0;    // fraction of held-out points inside their interval
  double nominal = 0.0;     // interval level
  std::vector<double> ape;  // per predicted point, in input order of the predicted points
  // Leave-one-group-out: each held-out group's (fold_key's) median APE, for the groups with a
  // predicted point; the worst ones say which series the fit transfers to least well.
  std::map<std::string, double> group_median_ape;
};

// The folds are work units: `runner` spreads them over MPI ranks (every rank returns the same
// report, UnitRunner::RunEverywhere); null runs them here, one after another. The report has the
// same bits either way.
CrossValidationReport KFoldCrossValidate(const std::vector<CalibrationPoint>& points,
                                         const CalibratorOptions& options, int k, uint64_t seed,
                                         const UnitRunner* runner = nullptr);
// Holds out every distinct fold_key in turn (one work unit each, as above).
CrossValidationReport LeaveOneGroupOut(const std::vector<CalibrationPoint>& points,
                                       const CalibratorOptions& options,
                                       const UnitRunner* runner = nullptr);
// "Shared where the data supports it": greedy forward selection over the parameters, in index
// order. A parameter becomes shared by every group (CalibratorOptions::shared) when, with it and
// those already chosen shared, the k-fold held-out median APE is at most kSharingMedianTolerance
// (relative) above the current one and the p90 at most kSharingP90Tolerance above: pooling it
// costs no measurable held-out accuracy, and one value fitted on every group's points is simpler
// and pins what one group's data alone cannot. With fewer than two groups there is nothing to
// share: no trials, nothing shared.
inline constexpr double kSharingMedianTolerance = 0.02;
inline constexpr double kSharingP90Tolerance = 0.05;
struct SharingTrial {
  int parameter = 0;        // EfficiencyParams::Index tried
  double median_ape = 0.0;  // k-fold held-out, with it (and the kept ones) shared
  double p90_ape = 0.0;
  bool kept = false;
};
struct SharingSelection {
  std::vector<int> shared;           // the kept parameters, to put in CalibratorOptions::shared
  double baseline_median_ape = 0.0;  // k-fold with nothing shared
  double baseline_p90_ape = 0.0;
  std::vector<SharingTrial> trials;  // one per parameter tried, in order
};
// Each trial's k-fold runs its folds through `runner` (above): the rounds depend on each other,
// the folds of one round do not.
SharingSelection SelectSharedParameters(const std::vector<CalibrationPoint>& points,
                                        const CalibratorOptions& options, int k, uint64_t seed,
                                        const UnitRunner* runner = nullptr);

// Held-out error of a fit on `train` predicting `test`.
CrossValidationReport HoldOut(const std::vector<CalibrationPoint>& train,
                              const std::vector<CalibrationPoint>& test,
                              const CalibratorOptions& options);

}  // namespace rightsize
