#include "sim/serve/capacity_search.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <memory>

#include <fmt/format.h>

#include "sim/util/error.h"

namespace rightsize {
namespace {

// The unloaded probe: this many requests at this fraction of the offline throughput.
constexpr std::ptrdiff_t kVanishingLoadRequests = 64;
constexpr double kVanishingLoadFraction = 1e-3;

// One run of the engine the search sizes, on these requests with these options.
using EngineRun =
    std::function<ServingSimResult(const std::vector<ServeRequest>&, const SimulationOptions&)>;

// Vanishing load: requests far apart see no queue, so every one has the unloaded latency and a
// few of them decide whether any rate can meet the SLO (a long descent of ever slower runs
// otherwise, each request decoding alone). False, with the reason in `out`, when even they miss.
bool SloMetAtVanishingLoad(const EngineRun& simulate, const std::vector<ServeRequest>& base,
                           double offline_requests_per_s, const std::vector<SloTarget>& slo,
                           const SimulationOptions& opts, MaxRateResult* out) {
  std::vector<ServeRequest> sparse(
      base.begin(),
      base.begin() + std::min<std::ptrdiff_t>(kVanishingLoadRequests,
                                              static_cast<std::ptrdiff_t>(base.size())));
  const double vanishing = kVanishingLoadFraction * offline_requests_per_s;
  ScaleArrivals(1.0 / vanishing, &sparse);
  ++out->simulations;
  // No warm-up: far apart, every request meets an empty engine.
  SimulationOptions probe = opts;
  probe.warmup_requests = 0;
  std::string why;
  if (MeetsSlo(simulate(sparse, probe), slo, &why)) return true;
  out->reason = fmt::format("the SLO is not met even at vanishing load ({:.3g} requests/s): {}",
                            vanishing, why);
  out->min_failing_requests_per_s = vanishing;
  return false;
}

}  // namespace

MaxRateResult MaxRateWithinSlo(const ModelSpec& model, const HardwareSpec& hw,
                               const Workload& layout, const EngineConfig& engine,
                               const SpeculativeConfig& spec, const ServeTraffic& traffic,
                               const EfficiencyParams& params, uint64_t seed,
                               const std::vector<SloTarget>& slo, const SimulationOptions& options,
                               double rel_tolerance) {
  if (traffic.arrival != ArrivalKind::kPoisson && traffic.arrival != ArrivalKind::kGamma) {
    throw InputError({"", 0, "traffic.arrival"},
                     "the rate search needs open-loop arrivals (poisson or gamma), got " +
                         ToString(traffic.arrival));
  }
  RS_CHECK(rel_tolerance > 0 && rel_tolerance < 1, "rate tolerance must be in (0, 1)");
  MaxRateResult out;
  ServeTraffic unit = traffic;
  unit.requests_per_s = 1.0;
  const std::vector<ServeRequest> base = GenerateRequests(unit, seed);
  // Every run of the search prices its steps through one memo (same model, device, layout,
  // engine and efficiencies).
  StepTimeMemo memo;
  SimulationOptions opts = options;
  opts.shared_prefix_tokens = traffic.shared_prefix_tokens;
  opts.closed_loop_concurrency = 0;
  opts.step_memo = &memo;
  // A trial rate whose SLO is already missed stops there (SloMissWatch).
  auto run_watched = [&](const std::vector<ServeRequest>& requests) {
    SimulationOptions watched = opts;
    auto watch = std::make_shared<SloMissWatch>(slo, requests, watched.warmup_requests);
    watched.stop_check = [watch](const RequestRecord& r) { return watch->Check(r); };
    ++out.simulations;
    return SimulateRequests(model, hw, layout, engine, spec, requests, params, watched);
  };
  auto run = [&](double rate) {
    std::vector<ServeRequest> requests = base;
    ScaleArrivals(1.0 / rate, &requests);
    return run_watched(requests);
  };
  // The offline run (every request at once) bounds the sustainable rate from above.
  std::vector<ServeRequest> offline = base;
  for (ServeRequest& r : offline) r.arrival_s = 0.0;
  ++out.simulations;
  const ServingSimResult bound =
      SimulateRequests(model, hw, layout, engine, spec, offline, params, opts);
  if (!bound.feasible) {
    out.reason = bound.reason;
    return out;
  }
  const EngineRun simulate = [&](const std::vector<ServeRequest>& requests,
                                 const SimulationOptions& with) {
    return SimulateRequests(model, hw, layout, engine, spec, requests, params, with);
  };
  if (!SloMetAtVanishingLoad(simulate, base, bound.requests_per_s, slo, opts, &out)) return out;
  std::string why;
  double hi = 1.25 * bound.requests_per_s;
  ServingSimResult at_hi = run(hi);
  while (MeetsSlo(at_hi, slo, &why)) {  // rare: the SLO holds even past the offline rate
    hi *= 2.0;
    at_hi = run(hi);
    if (out.simulations > 40) break;
  }
  double lo = hi;
  ServingSimResult at_lo;
  bool found = false;
  for (int i = 0; i < 12 && !found; ++i) {
    lo /= 4.0;
    at_lo = run(lo);
    found = MeetsSlo(at_lo, slo, &why);
    if (!found) hi = lo;
  }
  if (!found) {
    out.reason = fmt::format("the SLO is not met even at {:.3g} requests/s: {}", lo, why);
    out.min_failing_requests_per_s = lo;
    return out;
  }
  while ((hi - lo) > rel_tolerance * hi) {
    const double mid = 0.5 * (lo + hi);
    ServingSimResult r = run(mid);
    if (MeetsSlo(r, slo, &why)) {
      lo = mid;
      at_lo = std::move(r);
    } else {
      hi = mid;
    }
  }
  out.feasible = true;
  out.max_requests_per_s = lo;
  out.min_failing_requests_per_s = hi;
  out.at_max = std::move(at_lo);
  return out;
}

}  // namespace rightsize
