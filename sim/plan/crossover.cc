#include "sim/plan/crossover.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/util/error.h"
#include "sim/util/units.h"

namespace rightsize {

double ReplicasNeeded(const ServingCostModel& s, double requests_per_s) {
  RS_CHECK(!s.IsApi(), "an API has no replicas");
  RS_CHECK(s.requests_per_s_per_replica > 0, "a replica must serve some traffic");
  const double needed = std::ceil(requests_per_s / s.requests_per_s_per_replica - 1e-12);
  RS_CHECK(std::isfinite(needed), "replicas must be finite (study traffic is bounded)");
  return std::max(static_cast<double>(s.min_replicas), needed);
}

double ServingUsdPerMonth(const ServingCostModel& s, const TrafficMix& mix, double requests_per_s) {
  if (s.IsApi()) {
    const double requests = requests_per_s * kSecondsPerMonth;
    return requests *
           (mix.prompt_tokens_per_request * s.usd_per_million_input_tokens +
            mix.output_tokens_per_request * s.usd_per_million_output_tokens) /
           kMega;
  }
  const double hours = kSecondsPerMonth / kSecondsPerHour;
  if (s.packed)
    return PackedReplicas(s, requests_per_s) * s.devices_per_replica * s.usd_per_device_hour *
           hours;
  const double always_on =
      ReplicasNeeded(s, requests_per_s) * s.devices_per_replica * s.usd_per_device_hour * hours;
  if (!s.scale_to_zero) return always_on;
  const ScaleToZeroLoad load = ScaleToZero(s, requests_per_s);
  if (load.cold_start_share > s.max_cold_start_share)
    return std::numeric_limits<double>::infinity();
  return always_on * load.up_share;
}

ScaleToZeroLoad ScaleToZero(const ServingCostModel& s, double requests_per_s) {
  RS_CHECK(s.scale_to_zero, "not a scale-to-zero option");
  const double workers = ReplicasNeeded(s, requests_per_s);
  const double r = requests_per_s / workers;  // per worker
  const double down = std::exp(-r * s.idle_timeout_s);
  // Billed: every second but the idle gaps beyond the timeout, plus each cold start's boot. The
  // time a request is served inside its gap is left out (the worker idles from the arrival, not
  // from the departure): small at the low traffic where scale-to-zero pays.
  ScaleToZeroLoad load;
  load.cold_start_share = down;
  load.up_share = std::min(1.0, 1.0 - down + r * down * s.cold_start_s);
  return load;
}

double PackedReplicas(const ServingCostModel& s, double requests_per_s) {
  RS_CHECK(s.packed, "not a packed option");
  RS_CHECK(s.requests_per_s_per_replica > 0, "a replica must serve some traffic");
  const double load = requests_per_s / s.requests_per_s_per_replica;
  const double whole = std::floor(load);
  const double rest = load - whole;
  const double partial = rest > 0 ? s.resident_share + rest * (1.0 - s.resident_share) : 0.0;
  return std::max(s.resident_share, whole + partial);
}

size_t Candidate::CheapestOption(const TrafficMix& mix, double requests_per_s) const {
  RS_CHECK(!serving_options.empty(), "candidate " + id + " has no serving option");
  size_t best = 0;
  double best_usd = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < serving_options.size(); ++i) {
    const double usd = ServingUsdPerMonth(serving_options[i], mix, requests_per_s);
    if (usd < best_usd) {
      best_usd = usd;
      best = i;
    }
  }
  return best;
}

double TotalUsd(const Candidate& c, const TrafficMix& mix, double requests_per_month,
                double horizon_months, double monthly_growth) {
  double total = c.one_off_usd;
  // Whole months at the month's traffic; a fractional last month is prorated.
  // A month at the same traffic as the one before (no growth) costs the same: price it once.
  // Curves, Monte Carlo draws and the sensitivity analysis call this many thousand times.
  double month_traffic = requests_per_month;
  double priced_traffic = -1.0, month_usd = 0.0;
  for (double m = 0; m < horizon_months; m += 1.0) {
    const double fraction = std::min(1.0, horizon_months - m);
    if (month_traffic != priced_traffic) {
      const double requests_per_s = month_traffic / kSecondsPerMonth;
      const ServingCostModel& cheapest = c.serving_options[c.CheapestOption(mix, requests_per_s)];
      month_usd = ServingUsdPerMonth(cheapest, mix, requests_per_s);
      priced_traffic = month_traffic;
    }
    total += fraction * month_usd;
    month_traffic *= 1.0 + monthly_growth;
  }
  return total;
}

std::vector<double> BreakEvenTraffic(const Candidate& small, const Candidate& large,
                                     const TrafficMix& mix, double lo, double hi,
                                     double horizon_months, double growth) {
  RS_CHECK(lo > 0 && hi > lo, "break-even search needs 0 < lo < hi");
  auto gap = [&](double traffic) {
    return TotalUsd(small, mix, traffic, horizon_months, growth) -
           TotalUsd(large, mix, traffic, horizon_months, growth);
  };
  constexpr int kGridPoints = 400;
  std::vector<double> crossings;
  double prev_x = lo, prev_gap = gap(lo);
  for (int i = 1; i <= kGridPoints; ++i) {
    const double x = lo * std::pow(hi / lo, static_cast<double>(i) / kGridPoints);
    const double g = gap(x);
    if ((prev_gap < 0) != (g < 0)) {
      double a = prev_x, b = x;
      for (int iter = 0; iter < 100 && b / a > 1.0 + 1e-9; ++iter) {
        const double mid = std::sqrt(a * b);
        ((gap(mid) < 0) == (prev_gap < 0) ? a : b) = mid;
      }
      crossings.push_back(std::sqrt(a * b));
    }
    prev_x = x;
    prev_gap = g;
  }
  return crossings;
}

bool SmallWins(const Candidate& small, const Candidate& large, const TrafficMix& mix,
               double requests_per_month, double horizon_months, double growth,
               double quality_tolerance) {
  if (!small.infeasible_reason.empty()) return false;
  if (small.quality < large.quality - quality_tolerance) return false;
  if (!large.infeasible_reason.empty()) return true;
  return TotalUsd(small, mix, requests_per_month, horizon_months, growth) <
         TotalUsd(large, mix, requests_per_month, horizon_months, growth);
}

std::vector<size_t> ParetoFront(const std::vector<ParetoPoint>& points) {
  std::vector<size_t> order(points.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (points[a].cost != points[b].cost) return points[a].cost < points[b].cost;
    return points[a].quality > points[b].quality;
  });
  std::vector<size_t> front;
  double best_quality = -std::numeric_limits<double>::infinity();
  for (size_t i : order) {
    if (points[i].quality > best_quality) {
      front.push_back(i);
      best_quality = points[i].quality;
    }
  }
  return front;
}

}  // namespace rightsize
