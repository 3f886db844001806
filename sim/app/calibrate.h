// `calibrate`: reads benchmark logs (sim/logs/readers.h), fits the latency model's efficiency
// parameters per hardware x engine (sim/fit/calibrator.h), cross-validates, and writes the
// calibration JSON (schema_version, input hashes, parameters, covariance, error report) atomically.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/fit/calibration_file.h"
#include "sim/logs/readers.h"
#include "sim/spec/catalog.h"
#include "sim/util/work_units.h"

namespace rightsize::app {

struct CalibrateOptions {
  std::vector<std::string> logs;  // log files, formats detected unless `format` is set
  std::string format;             // "" = detect per file
  std::string hardware;           // catalogue id or a hardware YAML path ("" = from the logs)
  std::string engine;             // overrides the engine the logs name
  std::string model;              // overrides the model the logs name
  // Workload facts for logs that do not record them (MLPerf summaries; LogReadOptions).
  int64_t prompt_tokens = 0;  // mean prompt tokens per request, 0 = unknown
  int64_t gen_tokens = 0;     // mean generated tokens per request, 0 = from the log
  int tensor_parallel = 1;    // TP degree of one replica
  int replicas = 1;           // data-parallel replicas sharing the measured load
  std::string weights, activations, kv_cache;  // precision names, "" = bf16
  std::string output_path;                     // JSON, written atomically ("" = do not write)
  std::string residuals_path;        // CSV of measured vs fitted time per point ("" = none)
  std::string loss = "huber";        // none | huber | soft_l1 | cauchy | arctan
  double loss_scale = 0.1;           // robust-loss scale in log units, > 0
  bool priors = true;                // Gaussian log priors at the defaults (CalibratorOptions)
  double prior_sd_scale = 1.0;       // multiplies every cited prior sd, > 0
  double interval_level = 0.9;       // prediction-interval level, (0, 1)
  int folds = 5;                     // k-fold cross-validation, 0 = off, else >= 2
  bool leave_one_group_out = false;  // also hold out each series (model / shape family)
  // Fit a level per architecture family with the devices shrunk toward it, and store it for
  // devices without a group of their own (sim/fit/family_transfer.h).
  bool families = true;
  bool leave_one_device_out = false;  // also hold out each device of a family of >= 2 in turn
  bool strict = false;                // unmappable rows are errors
  int num_threads = 1;
  uint64_t seed = 1;  // fold assignment
  // Parameters shared by every group: "" none, "auto" (SelectSharedParameters with 5 folds), or
  // comma-separated EfficiencyParams names.
  std::string share;
  // Spreads the cross-validation folds (of --share auto's trials, --folds and --logo) over MPI
  // ranks; null = this process. The worker ranks end once the folds are done.
  const UnitRunner* runner = nullptr;
};

// Resolves each measurement's device and precisions into what the forward model needs; a serving
// run's row with a load (Measurement::serving_load) is predicted by simulating the run.
// Throws InputError (file:row) if a device is unknown.
std::vector<CalibrationPoint> ToCalibrationPoints(const std::vector<Measurement>& measurements,
                                                  const LogReadOptions& options);

struct CalibrateResult {
  nlohmann::json document;  // the calibration JSON (also written to options.output_path when set)
  std::string summary;      // text for the terminal: rows read and skipped, parameters, errors
  bool usable = false;      // every group's fit is usable
};

// Reads the logs, fits, validates. Devices and models resolve through `catalog`.
CalibrateResult RunCalibrate(const CalibrateOptions& options, const Catalog& catalog);

// One row per (group, parameter) of a calibration document: value, standard error, prior value
// and sd (log units), whether the data or the prior determined it, and whether it sits at a bound
// (`calibrate --format csv | markdown`, and the table's parameter section).
std::vector<nlohmann::json> ParameterRows(const nlohmann::json& calibration_document);
inline const std::vector<std::string> kParameterColumns = {
    "group",       "parameter",    "value",         "std_error",
    "prior_value", "prior_sd_log", "determined_by", "at_bound"};

// Shared option setup for reading logs (catalogue, --hardware as id or YAML, engine, model).
LogReadOptions MakeLogReadOptions(const CalibrateOptions& options, const Catalog& catalog);

}  // namespace rightsize::app
