// `size`: the cheapest (N, D) that reaches a
// target loss, compute-optimal (Hoffmann et al. 2022) vs inference-aware (Sardana & Frankle
// 2024), in FLOPs and optionally in dollars, priced from a device's price and roofline.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "sim/quality/sizing.h"
#include "sim/spec/catalog.h"

namespace rightsize::app {

struct SizeOptions {
  std::string law_path;             // fit-law JSON or models/laws/*.yaml (chinchilla or gadre)
  double target_loss_nats = 0.0;    // > E; or 0 and target_params set
  double target_params = 0.0;       // > 0: target = loss of the compute-optimal model of this size
  double inference_tokens = 0.0;    // lifetime inference tokens, >= 0
  double prefill_fraction = 0.0;    // share of inference tokens that are prompt tokens, [0, 1]
  double usd_per_train_flop = 0.0;  // >= 0
  double usd_per_prefill_flop = 0.0;  // >= 0
  double usd_per_decode_flop = 0.0;   // >= 0
  // --hardware: $/FLOP from the device's cheapest price (or usd_per_hour) and its roofline
  // (sim/cost/money.h PricePerFlop); overrides the three usd_per_*_flop values.
  std::string hardware_id;
  double usd_per_hour = 0.0;         // 0: cheapest quote in models/prices
  std::string weights = "bf16";      // serving weight precision (decode bytes per parameter)
  double train_utilization = 0.0;    // 0: the latency model's compute efficiency
  double prefill_utilization = 0.0;  // 0: the latency model's compute efficiency
  double decode_batch = 32;          // concurrent sequences per decode step
  std::string output_path;           // optional JSON
};

struct SizeResult {
  double target_loss_nats = 0.0;
  SizingPoint compute_optimal;      // zero-demand optimum at the target, costed with the demand
  SizingPoint inference_aware;      // FLOP-optimal with the demand
  bool priced = false;              // $/FLOP given
  SizingPoint usd_optimal;          // $-optimal (when priced)
  UsdPerFlop usd_per_flop;          // what the points were priced with
  std::string price_source;         // "--usd-per-*-flop" or the device price id
  double decode_utilization = 0.0;  // --hardware: decode FLOP/s as a fraction of the peak
};

// The device (options.hardware_id) and its price resolve through `catalog`.
SizeResult RunSize(const SizeOptions& options, const Catalog& catalog);
// `rightsize size -o` and `rightsize.size`.
nlohmann::json ToJson(const SizeOptions& options, const SizeResult& result);
// The table `rightsize size` prints.
std::string FormatSizeResult(const SizeResult& result);

}  // namespace rightsize::app
