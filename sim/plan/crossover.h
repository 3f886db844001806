// Crossover: where a small (specialised) model beats a large (general) one on total cost at
// acceptable quality. Pure arithmetic over cost curves, so it is testable by hand; the study
// runner (study.h) builds the curves from the latency, capacity and quality models.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace rightsize {

struct TrafficMix {
  double prompt_tokens_per_request = 0.0;  // mean
  double output_tokens_per_request = 0.0;  // mean
};

// What serving costs at a traffic level: self-hosted on whole replicas of a layout, or an API
// priced per token.
struct ServingCostModel {
  std::string label;        // e.g. "h100-sxm5-80gb tp2 bf16" or "api"
  std::string hardware_id;  // "" for an API
  int layout_index = -1;    // the candidate's layout it serves (its twins share it); -1: an API
  // Self-hosted: each replica serves up to requests_per_s_per_replica within the SLO and costs
  // devices_per_replica x usd_per_device_hour; at least min_replicas run at any traffic.
  double requests_per_s_per_replica = 0.0;
  int devices_per_replica = 0;
  double usd_per_device_hour = 0.0;
  int min_replicas = 1;
  // Scale-to-zero (serverless) workers: billed only while up. A worker stops after
  // idle_timeout_s without a request; a request that finds it stopped waits cold_start_s. Such an
  // option cannot serve a traffic at which more than max_cold_start_share of the requests would
  // meet a cold start (the SLO's allowance; ServingUsdPerMonth is then infinite).
  bool scale_to_zero = false;
  double idle_timeout_s = 0.0;
  double cold_start_s = 0.0;
  double max_cold_start_share = 1.0;
  // Packed: a replica's worth of traffic or less shares its devices with other models (an
  // operator serving several models on one GPU pool). It pays resident_share of each device for
  // its weights, always loaded, plus its load's share of the rest (the KV memory and compute time
  // it uses); whole replicas beyond the first are billed whole.
  bool packed = false;
  double resident_share = 0.0;  // weights per device / device memory, [0, 1]
  // API: price per million input / output tokens (used when devices_per_replica == 0).
  double usd_per_million_input_tokens = 0.0;
  double usd_per_million_output_tokens = 0.0;

  bool IsApi() const { return devices_per_replica == 0; }
};

struct Candidate {
  std::string id;
  double quality = 0.0;      // task score, higher is better (e.g. accuracy in %)
  double quality_sd = 0.0;   // standard deviation of that score
  double one_off_usd = 0.0;  // fine-tuning / training, paid once in the horizon
  // Every feasible way to serve it (layouts, or an API); each month uses the cheapest.
  std::vector<ServingCostModel> serving_options;
  std::string infeasible_reason;  // non-empty: no layout meets the SLO (never priced)

  // Index of the cheapest serving option at a traffic level.
  size_t CheapestOption(const TrafficMix& mix, double requests_per_s) const;
};

// Replicas needed for a steady traffic level: a whole number, as a double (traffic grown over a
// long horizon can need more replicas than any integer type holds; StudySpec bounds it).
double ReplicasNeeded(const ServingCostModel& serving, double requests_per_s);
// Scale-to-zero workers at a steady requests/s (Poisson arrivals), each of the ReplicasNeeded
// workers taking an equal share r: a worker is down for the part of each gap between requests
// beyond the idle timeout T, a share exp(-r T) of the time (E[max(0, X - T)] r for exponential
// gaps X), and each request that arrives then meets a cold start.
struct ScaleToZeroLoad {
  double up_share = 1.0;          // share of the time a worker is billed, [0, 1]
  double cold_start_share = 0.0;  // share of requests that meet a cold start
};
ScaleToZeroLoad ScaleToZero(const ServingCostModel& serving, double requests_per_s);
// Replicas' worth of devices a packed option pays for at a steady requests/s: the whole replicas
// its load L = requests_per_s / requests_per_s_per_replica fills, plus, for the part f of a replica
// left over, resident_share + f x (1 - resident_share); never less than resident_share (the
// weights stay loaded at zero traffic).
double PackedReplicas(const ServingCostModel& serving, double requests_per_s);
// $ per month (30 days) of serving a steady requests/s; infinite for a scale-to-zero option at a
// traffic whose cold starts break its allowance.
double ServingUsdPerMonth(const ServingCostModel& serving, const TrafficMix& mix,
                          double requests_per_s);
// One-off cost + serving over horizon_months at requests_per_month growing by
// monthly_growth (0.05 = +5% a month).
double TotalUsd(const Candidate& c, const TrafficMix& mix, double requests_per_month,
                double horizon_months, double monthly_growth);

// The traffic levels (requests / month) in [lo, hi] where the sign of
// TotalUsd(small) - TotalUsd(large) changes, found on a log grid and refined by bisection.
std::vector<double> BreakEvenTraffic(const Candidate& small, const Candidate& large,
                                     const TrafficMix& mix, double lo_requests_per_month,
                                     double hi_requests_per_month, double horizon_months,
                                     double monthly_growth);

// Small wins at a traffic level when its quality is within tolerance of the large model's and
// it costs less over the horizon.
bool SmallWins(const Candidate& small, const Candidate& large, const TrafficMix& mix,
               double requests_per_month, double horizon_months, double monthly_growth,
               double quality_tolerance);

// Indices of the candidates on the quality-vs-cost Pareto front (higher quality, lower cost),
// sorted by cost.
struct ParetoPoint {
  double cost = 0.0;
  double quality = 0.0;
};
std::vector<size_t> ParetoFront(const std::vector<ParetoPoint>& points);

}  // namespace rightsize
