// Predict: everything rightsize can say about one (model, hardware, workload) configuration,
// as a plain struct and as JSON with unit-suffixed keys (documented in README.md).
#pragma once

#include <nlohmann/json.hpp>

#include "sim/cost/memory.h"
#include "sim/spec/hardware_spec.h"
#include "sim/spec/model_spec.h"
#include "sim/workload/workload.h"

namespace rightsize {

struct FlopsSummary {
  double prefill_flops_per_token = 0.0;    // forward, averaged over the prompt (causal)
  double decode_flops_per_token = 0.0;     // forward at context prompt + gen
  double train_flops_per_token = 0.0;      // forward + backward (+ recompute) of the mode
  double prefill_flops = 0.0;              // whole batch, whole prompt, all devices
  double decode_flops = 0.0;               // whole batch, all generated tokens, all devices
};

struct Prediction {
  const ModelSpec* model = nullptr;
  const HardwareSpec* hardware = nullptr;
  Workload workload;
  ParamCounts params;
  FlopsSummary flops;
  FitVerdict memory;
};

Prediction Predict(const ModelSpec& model, const HardwareSpec& hardware, const Workload& workload);
nlohmann::json ToJson(const Prediction& prediction);

}  // namespace rightsize
