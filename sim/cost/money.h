// Dollars and joules: device power from utilisation, energy per token, $ per million tokens,
// $ per month at a traffic level, and training / fine-tuning device-hours and $.
#pragma once

#include <optional>
#include <string>

#include "sim/cost/latency.h"
#include "sim/spec/catalog.h"
#include "sim/spec/hardware_spec.h"

namespace rightsize {

// Board power as a fraction of TDP at a utilisation u in [0, 1]:
//   P(u) = tdp x (kIdlePowerFraction + (1 - kIdlePowerFraction) x u)
// A linear power model between an active-idle floor and TDP (Fan, Weber and Barroso 2007,
// Sec. 4: server power is close to linear in utilisation). u is the roofline utilisation of the
// step, max(compute_s, memory_s) / step_s: the busier of the tensor units and the memory system.
// The floor 0.30 reflects that a GPU running a kernel stream keeps clocks and HBM up even when
// stalled (the ML.ENERGY leaderboard's H100 decode runs draw roughly 30-60% of TDP at small
// batch, data/runs/ml-energy-leaderboard-v3 avg_power_watts).
inline constexpr double kIdlePowerFraction = 0.30;

// Utilisation in [0, 1] of a step (see above).
double StepUtilization(const StepBreakdown& step);
// Watts one device draws during the step; 0 when the hardware's tdp_w is unknown (0).
double DevicePower_w(const HardwareSpec& hw, double utilization);

// Price of one device-hour: the override when given (> 0), else the cheapest quote in the
// catalogue's price list for the device, of the given kinds (empty: every always-on kind, so never
// a serverless rate); nullopt when neither exists.
struct DevicePrice {
  double usd_per_hour = 0.0;
  std::string source;  // "--usd-per-hour" or the price id
};
std::optional<DevicePrice> ResolvePrice(const Catalog& catalog, const std::string& hardware_id,
                                        double override_usd_per_hour,
                                        const std::vector<std::string>& kinds = {});

// $ for `devices` devices busy for `seconds`.
double DeviceUsd(double usd_per_hour, double devices, double seconds);
// $ per million tokens produced at tokens_per_s by `devices` devices:
// usd_per_hour x devices / (3600 x tokens_per_s) x 1e6 (DESIGN.md Sec. 4).
double UsdPerMillionTokens(double usd_per_hour, double devices, double tokens_per_s);

// Inference money and energy of one configuration (a LatencyEstimate). Prefill time is charged
// to input tokens, decode time to output tokens.
struct InferenceCost {
  bool priced = false;                         // a price was known
  double usd_per_hour = 0.0;                   // all devices of the replica
  double usd_per_million_input_tokens = 0.0;   // prefill device-time per input token
  double usd_per_million_output_tokens = 0.0;  // decode device-time per output token
  double usd_per_request = 0.0;                // whole request (prefill + decode share)
  double prefill_power_w = 0.0;                // all devices
  double decode_power_w = 0.0;                 // all devices
  double j_per_input_token = 0.0;
  double j_per_output_token = 0.0;
  double j_per_request = 0.0;  // per sequence of the batch
};
InferenceCost PriceInference(const HardwareSpec& hw, const Workload& w, const LatencyEstimate& e,
                             std::optional<DevicePrice> price);

// $ per FLOP of training, prefill and decode on one device, for sizing a model before it exists
// (`rightsize size --hardware`). Training and prefill run at a utilisation of the dense peak;
// decode is the roofline of a batched step independent of the model size N: it does 2 N B FLOPs
// while streaming N x bytes_per_weight bytes, so it sustains
//   min(peak x prefill_utilization, 2 x B x bandwidth x memory_efficiency / bytes_per_weight)
// FLOP/s (KV-cache reads ignored: a lower bound on decode cost at long contexts).
struct FlopPriceOptions {
  Precision weights = Precision::kBf16;
  Precision activations = Precision::kBf16;
  double train_utilization = 0.0;    // fraction of the dense peak, (0, 1]
  double prefill_utilization = 0.0;  // fraction of the dense peak, (0, 1]
  double decode_batch = 0.0;         // concurrent sequences per decode step, >= 1
  double memory_efficiency = 0.0;    // fraction of peak bandwidth a decode step sustains
};
struct UsdPerFlopOnDevice {
  double train = 0.0, prefill = 0.0, decode = 0.0;  // $ per FLOP
  double decode_utilization = 0.0;                  // of the dense peak, from the roofline
};
UsdPerFlopOnDevice PricePerFlop(const HardwareSpec& hw, double usd_per_hour,
                                const FlopPriceOptions& options);

// Training / fine-tuning run money and energy.
struct TrainingCost {
  bool priced = false;
  double device_hours = 0.0;
  double usd = 0.0;
  double energy_j = 0.0;  // all devices, whole run
  double j_per_token = 0.0;
};
TrainingCost PriceTraining(const HardwareSpec& hw, const Workload& w, const LatencyEstimate& e,
                           const TrainingRun& run, std::optional<DevicePrice> price);

}  // namespace rightsize
