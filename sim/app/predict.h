// `predict`: everything rightsize can say about one (model, hardware, workload) configuration,
// with the calibration used and the prediction interval it gives each step time.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/app/calibration_choice.h"
#include "sim/app/workload_options.h"
#include "sim/plan/predict.h"
#include "sim/spec/catalog.h"

namespace rightsize::app {

struct PredictOptions {
  std::string model_id;     // catalogue id or a Hugging Face config.json path
  std::string hardware_id;  // catalogue id
  WorkloadOptions workload;
  double usd_per_hour = 0.0;  // per device, >= 0; 0: the cheapest quote in the price list
  double train_tokens = 0.0;  // training / fine-tuning run length in tokens, >= 0; 0: no run totals
  CalibrationChoice calibration;
};

struct PredictResult {
  std::shared_ptr<const ModelSpec> model;  // what prediction.model points to
  Prediction prediction;
  std::optional<UsedCalibration> calibration;
};

// Throws InputError / UnknownIdError for a bad id, workload or calibration.
PredictResult RunPredict(const PredictOptions& options, const Catalog& catalog);

// The document `rightsize predict --format json` prints and `rightsize.predict` returns.
nlohmann::json ToJson(const PredictResult& result);

}  // namespace rightsize::app
