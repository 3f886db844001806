#include "sim/plan/serving.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "sim/serve/capacity_search.h"
#include "sim/util/error.h"
#include "sim/util/stats.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

constexpr int64_t kMinSimulatedRequests = 100;
constexpr int64_t kMaxSimulatedRequests = 1'000'000;
constexpr double kMinRateTolerance = 0.001;
constexpr double kMaxRateTolerance = 0.2;

void CheckTraffic(const TrafficSpec& t) {
  if (!(t.requests_per_s >= 0) || !std::isfinite(t.requests_per_s)) {
    throw InputError({"", 0, "traffic.requests_per_s"}, "must be a finite number >= 0");
  }
  if (!(t.prompt_tokens >= 1) || !(t.output_tokens >= 1)) {
    throw InputError({"", 0, "traffic"}, "prompt_tokens and output_tokens must be >= 1");
  }
}

// Poisson arrivals of fixed-length requests: a study states mean lengths only.
ServeTraffic PoissonTraffic(const TrafficSpec& t, const ServingSimSettings& sim) {
  ServeTraffic traffic;
  traffic.arrival = ArrivalKind::kPoisson;
  traffic.requests_per_s = t.requests_per_s > 0 ? t.requests_per_s : 1.0;
  traffic.num_requests = sim.requests;
  traffic.prompt.kind = LengthKind::kFixed;
  traffic.prompt.value = std::max<int64_t>(1, std::llround(t.prompt_tokens));
  traffic.output.kind = LengthKind::kFixed;
  traffic.output.value = std::max<int64_t>(1, std::llround(t.output_tokens));
  return traffic;
}

struct EngineRun {
  EngineConfig engine;
  EfficiencyParams params;
};

EngineRun EngineFor(const HardwareSpec& hw, const Workload& w, const ServingSimSettings& sim,
                    const EfficiencyParams& params) {
  EngineRun run;
  run.engine = ResolveEngineConfig(FindEngineProfile(sim.engine_id), hw);
  run.engine.memory_utilization = w.memory_utilization;
  run.params = sim.engine_host_overheads ? WithEngineOverheads(params, run.engine) : params;
  return run;
}

// Layout of one replica: precisions and tensor parallelism from the plan, inference mode.
Workload ReplicaLayout(const Workload& w) {
  Workload layout = w;
  layout.mode = Mode::kInference;
  layout.batch = 1;
  return layout;
}

// Time average of the running sequences over the sampled series (one sample per step).
double MeanRunning(const ServingSimResult& r) {
  double area = 0.0, span = 0.0;
  for (size_t i = 0; i + 1 < r.timeseries.size(); ++i) {
    const double dt = r.timeseries[i + 1].time_s - r.timeseries[i].time_s;
    area += static_cast<double>(r.timeseries[i].running) * dt;
    span += dt;
  }
  return span > 0 ? area / span : 0.0;
}

}  // namespace

std::string SloSpec::Describe() const {
  if (targets.empty()) return "none";
  std::string out;
  for (const SloTarget& t : targets) {
    out += fmt::format("{}{} <= {:g} s", out.empty() ? "" : ", ", t.key, t.limit_s);
  }
  return out;
}

nlohmann::json SloJson(const SloSpec& slo) {
  nlohmann::json j = nlohmann::json::object();
  for (const SloTarget& t : slo.targets) j[t.key] = t.limit_s;
  return j;
}

SloSpec ReadSloSpec(YamlReader& parent) {
  SloSpec s;
  if (parent.Has("slo")) s.targets = ReadSloTargets(parent.Raw("slo"), parent.file(), true);
  return s;
}

void ApplySloFlags(const std::vector<std::string>& flags, SloSpec* slo) {
  for (const std::string& text : flags) {
    const std::size_t eq = text.find('=');
    double limit = std::numeric_limits<double>::quiet_NaN();
    if (eq != std::string::npos) {
      const std::string value = Trim(text.substr(eq + 1));
      char* end = nullptr;
      limit = std::strtod(value.c_str(), &end);
      if (value.empty() || end != value.c_str() + value.size()) limit = std::nan("");
    }
    if (eq == std::string::npos || std::isnan(limit)) {
      throw InputError({"", 0, "--slo"},
                       "expected KEY=SECONDS (e.g. ttft_p99_s=0.5), got '" + text + "'");
    }
    const SloTarget target = ParseSloTarget(Trim(text.substr(0, eq)), limit, {"", 0, "--slo"});
    auto same = std::find_if(slo->targets.begin(), slo->targets.end(),
                             [&](const SloTarget& t) { return t.key == target.key; });
    if (same != slo->targets.end()) {
      *same = target;
    } else {
      slo->targets.push_back(target);
    }
  }
}

int64_t ServingSimSettings::WarmupRequests() const {
  return static_cast<int64_t>(std::floor(kWarmupFraction * static_cast<double>(requests)));
}

std::string ServingSimSettings::Describe(const SloSpec& slo) const {
  return fmt::format(
      "simulated: engine {} (host overheads {}), {} Poisson requests per rate (seed {}, the first "
      "{} warm-up), rate to {:g}%, SLO {}",
      engine_id, engine_host_overheads ? "from the profile" : "calibrated", requests, seed,
      WarmupRequests(), 100 * rate_tolerance, slo.Describe());
}

ServingSimSettings ReadServingSimSettings(YamlReader& parent) {
  ServingSimSettings s;
  if (!parent.Has("simulation")) return s;
  YamlReader r = parent.Child("simulation");
  s.engine_id = r.OptionalString("engine", s.engine_id);
  AtLocation(r.Where("engine"), [&] { FindEngineProfile(s.engine_id); });
  s.requests = r.OptionalInt("requests", s.requests, kMinSimulatedRequests, kMaxSimulatedRequests);
  s.rate_tolerance =
      r.OptionalDouble("rate_tolerance", s.rate_tolerance, kMinRateTolerance, kMaxRateTolerance);
  s.seed = static_cast<uint64_t>(
      r.OptionalInt("seed", static_cast<int64_t>(s.seed), 0, std::numeric_limits<int64_t>::max()));
  r.RejectUnknownKeys();
  return s;
}

ReplicaCapacity SimulatedReplicaCapacity(const ModelSpec& model, const HardwareSpec& hw,
                                         const Workload& w, const TrafficSpec& traffic,
                                         const SloSpec& slo, const ServingSimSettings& sim,
                                         const EfficiencyParams& params) {
  CheckTraffic(traffic);
  const EngineRun run = EngineFor(hw, w, sim, params);
  SimulationOptions options;
  options.seed = sim.seed;
  options.warmup_requests = sim.WarmupRequests();
  // Latencies only: one time-series sample per simulated second is plenty.
  options.timeseries_interval_s = 1.0;
  const MaxRateResult found =
      MaxRateWithinSlo(model, hw, ReplicaLayout(w), run.engine, {}, PoissonTraffic(traffic, sim),
                       run.params, sim.seed, slo.targets, options, sim.rate_tolerance);
  ReplicaCapacity cap;
  cap.feasible = found.feasible;
  cap.reason = found.reason;
  cap.max_requests_per_s = found.max_requests_per_s;
  cap.simulations = found.simulations;
  return cap;
}

ServingState SimulatedServingState(const ModelSpec& model, const HardwareSpec& hw,
                                   const Workload& w, const TrafficSpec& traffic,
                                   const ServingSimSettings& sim, const EfficiencyParams& params) {
  CheckTraffic(traffic);
  const EngineRun run = EngineFor(hw, w, sim, params);
  SimulationOptions options;
  options.seed = sim.seed;
  options.warmup_requests = sim.WarmupRequests();
  const ServingSimResult r =
      SimulateServing(model, hw, ReplicaLayout(w), run.engine, {}, PoissonTraffic(traffic, sim),
                      run.params, sim.seed, options);
  ServingState s;
  s.requests_per_s = traffic.requests_per_s;
  if (!r.feasible || r.overloaded) {
    s.reason = r.feasible ? r.overload_reason : r.reason;
    return s;
  }
  s.feasible = true;
  s.batch = MeanRunning(r);
  s.ttft_mean_s = r.ttft.mean_s;
  s.ttft_p99_s = r.ttft.p99_s;
  s.tpot_mean_s = r.tpot.count > 0 ? r.tpot.mean_s : 0.0;
  s.tpot_p99_s = r.tpot.count > 0 ? r.tpot.p99_s : 0.0;
  s.e2e_mean_s = r.e2e.mean_s;
  s.output_tokens_per_s = r.output_tokens_per_s;
  s.input_tokens_per_s = r.input_tokens_per_s;
  std::vector<double> ttft_s, tpot_s;
  for (const RequestRecord& rec : r.requests) {
    if (rec.index < options.warmup_requests) continue;
    ttft_s.push_back(rec.TtftS());
    if (rec.output_tokens >= 2) tpot_s.push_back(rec.TpotS());
  }
  for (int i = 0; i < kLatencyCdfPoints; ++i) {
    const double q = static_cast<double>(i) / (kLatencyCdfPoints - 1);
    if (!ttft_s.empty()) s.ttft_cdf_s.push_back(Quantile(ttft_s, q));
    if (!tpot_s.empty()) s.tpot_cdf_s.push_back(Quantile(tpot_s, q));
  }
  return s;
}

}  // namespace rightsize
