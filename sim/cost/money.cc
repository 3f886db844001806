#include "sim/cost/money.h"

#include <algorithm>

#include "sim/spec/catalog.h"
#include "sim/util/error.h"
#include "sim/util/units.h"

namespace rightsize {

double StepUtilization(const StepBreakdown& step) {
  if (!(step.step_s > 0)) return 0.0;
  return std::clamp(std::max(step.compute_s, step.memory_s) / step.step_s, 0.0, 1.0);
}

double DevicePower_w(const HardwareSpec& hw, double utilization) {
  const double u = std::clamp(utilization, 0.0, 1.0);
  return hw.tdp_w * (kIdlePowerFraction + (1.0 - kIdlePowerFraction) * u);
}

std::optional<DevicePrice> ResolvePrice(const Catalog& catalog, const std::string& hardware_id,
                                        double override_usd_per_hour,
                                        const std::vector<std::string>& kinds) {
  if (override_usd_per_hour > 0) return DevicePrice{override_usd_per_hour, "--usd-per-hour"};
  const auto quotes = catalog.PricesFor(hardware_id, kinds.empty() ? AlwaysOnPriceKinds() : kinds);
  if (quotes.empty()) return std::nullopt;
  return DevicePrice{quotes.front()->usd_per_hour, quotes.front()->id};
}

double DeviceUsd(double usd_per_hour, double devices, double seconds) {
  return usd_per_hour * devices * seconds / kSecondsPerHour;
}

double UsdPerMillionTokens(double usd_per_hour, double devices, double tokens_per_s) {
  return usd_per_hour * devices / (kSecondsPerHour * tokens_per_s) * kMega;
}

InferenceCost PriceInference(const HardwareSpec& hw, const Workload& w, const LatencyEstimate& e,
                             std::optional<DevicePrice> price) {
  InferenceCost c;
  if (!e.feasible) return c;
  const double devices = static_cast<double>(w.parallel.Devices());
  const double batch = static_cast<double>(w.batch);
  c.prefill_power_w = devices * DevicePower_w(hw, StepUtilization(e.prefill));
  c.decode_power_w = devices * DevicePower_w(hw, StepUtilization(e.decode));
  const double input_tokens = batch * static_cast<double>(w.prompt_tokens);
  const double decode_time_s = e.e2e_latency_s - e.ttft_s;
  const double output_tokens = batch * static_cast<double>(w.gen_tokens);
  c.j_per_input_token = c.prefill_power_w * e.ttft_s / input_tokens;
  // The first output token comes from the prefill step; the rest from decode steps.
  c.j_per_output_token = output_tokens > 0 ? c.decode_power_w * e.tpot_s / batch : 0.0;
  c.j_per_request = (c.prefill_power_w * e.ttft_s + c.decode_power_w * decode_time_s) / batch;
  if (price) {
    c.priced = true;
    c.usd_per_hour = price->usd_per_hour * devices;
    c.usd_per_million_input_tokens =
        UsdPerMillionTokens(price->usd_per_hour, devices, e.prefill_tokens_per_s);
    c.usd_per_million_output_tokens =
        UsdPerMillionTokens(price->usd_per_hour, devices, e.decode_tokens_per_s);
    c.usd_per_request = DeviceUsd(price->usd_per_hour, devices, e.e2e_latency_s) / batch;
  }
  return c;
}

TrainingCost PriceTraining(const HardwareSpec& hw, const Workload& w, const LatencyEstimate& e,
                           const TrainingRun& run, std::optional<DevicePrice> price) {
  TrainingCost c;
  if (!e.feasible) return c;
  const double devices = static_cast<double>(w.parallel.Devices());
  c.device_hours = run.device_hours;
  c.energy_j = devices * DevicePower_w(hw, StepUtilization(e.train)) * run.time_s;
  const double tokens = run.steps * static_cast<double>(w.batch) *
                        static_cast<double>(w.prompt_tokens) * w.parallel.data;
  c.j_per_token = tokens > 0 ? c.energy_j / tokens : 0.0;
  if (price) {
    c.priced = true;
    c.usd = DeviceUsd(price->usd_per_hour, devices, run.time_s);
  }
  return c;
}

UsdPerFlopOnDevice PricePerFlop(const HardwareSpec& hw, double usd_per_hour,
                                const FlopPriceOptions& options) {
  const double peak_flops_per_s = hw.PeakFlopsPerS(options.weights, options.activations);
  RS_CHECK(peak_flops_per_s > 0 && usd_per_hour >= 0 && options.train_utilization > 0 &&
               options.prefill_utilization > 0 && options.decode_batch >= 1 &&
               options.memory_efficiency > 0,
           "PricePerFlop needs a positive peak, price, utilisations and batch");
  const double usd_per_s = usd_per_hour / 3600.0;
  const double bytes_per_weight = BitsPerValue(options.weights) / 8.0;
  const double decode_flops_per_s =
      std::min(peak_flops_per_s * options.prefill_utilization,
               2.0 * options.decode_batch * hw.memory_bandwidth_bytes_per_s *
                   options.memory_efficiency / bytes_per_weight);
  UsdPerFlopOnDevice out;
  out.train = usd_per_s / (peak_flops_per_s * options.train_utilization);
  out.prefill = usd_per_s / (peak_flops_per_s * options.prefill_utilization);
  out.decode = usd_per_s / decode_flops_per_s;
  out.decode_utilization = decode_flops_per_s / peak_flops_per_s;
  return out;
}

}  // namespace rightsize
