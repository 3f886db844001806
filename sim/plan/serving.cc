#include "sim/plan/serving.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "sim/cost/latency.h"
#include "sim/cost/memory.h"
#include "sim/util/error.h"

namespace rightsize {
namespace {

Workload ForTraffic(const Workload& base, const TrafficSpec& t) {
  Workload w = base;
  w.mode = Mode::kInference;
  w.batch = 1;
  w.prompt_tokens = std::max<int64_t>(1, std::llround(t.prompt_tokens));
  w.gen_tokens = std::max<int64_t>(1, std::llround(t.output_tokens));
  return w;
}

void CheckTraffic(const TrafficSpec& t) {
  if (!(t.requests_per_s >= 0) || !std::isfinite(t.requests_per_s)) {
    throw InputError({"", 0, "traffic.requests_per_s"}, "must be a finite number >= 0");
  }
  if (!(t.prompt_tokens >= 1) || !(t.output_tokens >= 1)) {
    throw InputError({"", 0, "traffic"}, "prompt_tokens and output_tokens must be >= 1");
  }
}

// Decode step time at a fractional mean batch: linear between the neighbouring integers.
class DecodeCurve {
 public:
  DecodeCurve(const ModelSpec& m, const HardwareSpec& hw, const Workload& w,
              const EfficiencyParams& params)
      : m_(m), hw_(hw), w_(w), params_(params),
        context_(w.prompt_tokens + w.gen_tokens / 2) {}
  double operator()(double batch) const {
    const double b = std::max(1.0, batch);
    const double lo = std::floor(b);
    const double t_lo = At(static_cast<int64_t>(lo));
    if (b == lo) return t_lo;
    return t_lo + (b - lo) * (At(static_cast<int64_t>(lo) + 1) - t_lo);
  }

 private:
  double At(int64_t batch) const {
    return DecodeStepTime_s(m_, hw_, w_, batch, context_, params_);
  }
  const ModelSpec& m_;
  const HardwareSpec& hw_;
  const Workload& w_;
  const EfficiencyParams& params_;
  int64_t context_;
};

}  // namespace

ServingState SteadyState(const ModelSpec& m, const HardwareSpec& hw, const Workload& base,
                         const TrafficSpec& traffic, const EfficiencyParams& params) {
  CheckTraffic(traffic);
  const Workload w = ForTraffic(base, traffic);
  ServingState s;
  s.requests_per_s = traffic.requests_per_s;
  s.reason = InfeasibleReason(m, hw, w);
  if (!s.reason.empty()) return s;
  s.max_batch = CheckFit(m, hw, w).max_batch;
  const double lambda = traffic.requests_per_s;
  const double g = static_cast<double>(w.gen_tokens);
  s.prefill_s = PrefillTime_s(m, hw, w, 1, w.prompt_tokens, params);
  s.prefill_share = lambda * s.prefill_s;
  s.output_tokens_per_s = lambda * g;
  s.input_tokens_per_s = lambda * static_cast<double>(w.prompt_tokens);
  if (s.prefill_share >= 1.0) {
    s.reason = fmt::format("overloaded: prefills alone need {:.2f}x the replica's time at {:.3g} "
                           "requests/s",
                           s.prefill_share, lambda);
    return s;
  }
  const DecodeCurve t_dec(m, hw, w, params);
  const double stretch = 1.0 / (1.0 - s.prefill_share);
  // Little's law fixed point B = lambda G TPOT(B).
  double batch = lambda * g * t_dec(1.0) * stretch;
  bool converged = false;
  for (int iter = 0; iter < 200; ++iter) {
    if (batch > static_cast<double>(s.max_batch)) break;
    const double next = lambda * g * t_dec(batch) * stretch;
    if (std::abs(next - batch) <= 1e-6 * std::max(1.0, batch)) {
      batch = next;
      converged = true;
      break;
    }
    batch = next;
  }
  if (!converged || batch > static_cast<double>(s.max_batch)) {
    s.reason = fmt::format("overloaded: {:.3g} requests/s needs more than the {} sequences that "
                           "fit in memory decoding at once",
                           lambda, s.max_batch);
    s.batch = batch;
    return s;
  }
  s.feasible = true;
  s.batch = batch;
  s.decode_step_s = t_dec(batch);
  s.tpot_s = s.decode_step_s * stretch;
  const double wait = s.prefill_share * s.prefill_s / (2.0 * (1.0 - s.prefill_share));
  s.ttft_s = s.decode_step_s / 2.0 + wait + s.prefill_s;
  s.e2e_latency_s = s.ttft_s + (g - 1.0) * s.tpot_s;
  return s;
}

bool MeetsSlo(const ServingState& s, const SloSpec& slo, std::string* why) {
  if (!s.feasible) {
    if (why) *why = s.reason;
    return false;
  }
  if (slo.ttft_s > 0 && s.ttft_s > slo.ttft_s) {
    if (why) *why = fmt::format("TTFT {:.0f} ms > SLO {:.0f} ms", s.ttft_s * 1e3, slo.ttft_s * 1e3);
    return false;
  }
  if (slo.tpot_s > 0 && s.tpot_s > slo.tpot_s) {
    if (why) *why = fmt::format("TPOT {:.1f} ms > SLO {:.1f} ms", s.tpot_s * 1e3, slo.tpot_s * 1e3);
    return false;
  }
  return true;
}

ReplicaCapacity CapacityWithinSlo(const ModelSpec& m, const HardwareSpec& hw, const Workload& w,
                                  const TrafficSpec& traffic, const SloSpec& slo,
                                  const EfficiencyParams& params) {
  ReplicaCapacity c;
  TrafficSpec t = traffic;
  // At vanishing load the replica serves one request at a time: the best it can do.
  t.requests_per_s = 0.0;
  const ServingState idle = SteadyState(m, hw, w, t, params);
  std::string why;
  if (!MeetsSlo(idle, slo, &why)) {
    c.reason = idle.feasible ? "SLO not reachable even at no load: " + why : why;
    return c;
  }
  auto ok = [&](double lambda) {
    t.requests_per_s = lambda;
    return MeetsSlo(SteadyState(m, hw, w, t, params), slo, nullptr);
  };
  // Prefills alone saturate the replica at 1 / t_pre.
  double hi = 1.0 / idle.prefill_s;
  double lo = 0.0;
  for (int iter = 0; iter < 60 && hi - lo > 1e-4 * hi; ++iter) {
    const double mid = 0.5 * (lo + hi);
    (ok(mid) ? lo : hi) = mid;
  }
  if (!(lo > 0)) {
    c.reason = "SLO not reachable at any positive traffic";
    return c;
  }
  c.feasible = true;
  c.max_requests_per_s = lo;
  t.requests_per_s = lo;
  c.at_capacity = SteadyState(m, hw, w, t, params);
  return c;
}

}  // namespace rightsize
