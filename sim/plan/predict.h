// Predict: everything rightsize can say about one (model, hardware, workload) configuration,
// as a plain struct and as JSON with unit-suffixed keys (documented in README.md; the latency,
// cost and energy keys in docs/latency.md).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>

#include "sim/cost/efficiency_params.h"
#include "sim/cost/latency.h"
#include "sim/cost/memory.h"
#include "sim/cost/money.h"
#include "sim/spec/catalog.h"
#include "sim/spec/hardware_spec.h"
#include "sim/spec/model_spec.h"
#include "sim/workload/workload.h"

namespace rightsize {

struct FlopsSummary {
  double prefill_flops_per_token = 0.0;  // forward, averaged over the prompt (causal)
  double decode_flops_per_token = 0.0;   // forward at context prompt + gen
  double train_flops_per_token = 0.0;    // forward + backward (+ recompute) of the mode
  double prefill_flops = 0.0;            // whole batch, whole prompt, all devices
  double decode_flops = 0.0;             // whole batch, all generated tokens, all devices
};

// What Predict needs beyond the configuration.
struct PredictOptions {
  EfficiencyParams params;    // latency-model parameters (defaults: uncalibrated priors)
  double usd_per_hour = 0.0;  // per device; 0: the cheapest quote in models/prices
  double train_tokens = 0.0;  // training / fine-tuning run length in tokens; 0: no run totals
};

struct Prediction {
  const ModelSpec* model = nullptr;
  const HardwareSpec* hardware = nullptr;
  Workload workload;
  ParamCounts params;
  FlopsSummary flops;
  FitVerdict memory;
  LatencyEstimate latency;           // feasible == false: reason set, no times
  std::optional<DevicePrice> price;  // none known and none given: no $ figures
  InferenceCost inference_cost;      // inference mode
  TrainingRun training_run;          // training modes with train_tokens > 0
  TrainingCost training_cost;        // training modes with train_tokens > 0
  double train_tokens = 0.0;
};

// Prices come from the catalogue's price list unless options.usd_per_hour is given.
Prediction Predict(const Catalog& catalog, const ModelSpec& model, const HardwareSpec& hardware,
                   const Workload& workload, const PredictOptions& options = {});
nlohmann::json ToJson(const Prediction& prediction);

}  // namespace rightsize
