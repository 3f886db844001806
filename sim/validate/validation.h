// Validation of the latency model against measured runs in data/runs/: every usable row becomes a
// (measured, predicted) point; each dataset is summarised by the median and p90 absolute
// percentage error. Rows whose model or device is not in the catalogue, or whose setup the model
// does not cover, are counted with the reason, never dropped silently.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/cost/efficiency_params.h"
#include "sim/spec/catalog.h"

namespace rightsize {

struct ValidationPoint {
  std::string dataset;
  std::string file;  // data file, relative to the runs folder
  int line = 0;      // line of the row in that file
  std::string model_id;
  std::string hardware_id;
  std::string metric;  // e.g. "tpot_s", "prefill_s", "train_tokens_per_s_per_device"
  std::string setup;   // short description: batch, tokens, layout, precision
  double measured = 0.0;
  double predicted = 0.0;
  double Ape() const;  // |predicted - measured| / measured
};

struct DatasetSummary {
  std::string dataset;
  std::string metric;        // what is compared (one or more metrics joined by '+')
  int rows = 0;              // data rows read
  int used = 0;              // rows compared
  int unknown_model = 0;     // model not in the catalogue
  int unknown_hardware = 0;  // device not in the catalogue
  // Rows outside what the model covers or with no measurement, by reason.
  std::map<std::string, int> skipped;
  double median_ape = 0.0;  // over used rows; NaN when none
  double p90_ape = 0.0;
};

struct ValidationResult {
  std::vector<DatasetSummary> datasets;
  std::vector<ValidationPoint> points;
};

// The datasets rightsize validates against, in order.
std::vector<std::string> ValidationDatasets();

// Reads data/runs/<dataset>/ under runs_dir and predicts every usable row with params.For(its
// device). Throws InputError for a malformed file (file:line: column).
ValidationResult Validate(const std::string& runs_dir, const Catalog& catalog,
                          const DeviceEfficiencyParams& params,
                          const std::vector<std::string>& datasets = ValidationDatasets());

// data/runs under the data root (sim/util/data_paths.h).
std::string DefaultRunsDir();

nlohmann::json ToJson(const DatasetSummary& summary);
nlohmann::json ToJson(const ValidationPoint& point);

}  // namespace rightsize
