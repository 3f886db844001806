#include "sim/plan/capacity.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "sim/cost/latency.h"
#include "sim/cost/memory.h"
#include "sim/util/units.h"
#include "sim/util/work_units.h"
#include "sim/util/yaml_reader.h"

namespace rightsize {

CapacityStudy LoadCapacityStudy(const std::string& path, const Catalog& catalog) {
  return LoadCapacityStudy(LoadYamlFile(path), path, catalog);
}

CapacityStudy LoadCapacityStudy(const YAML::Node& root, const std::string& path,
                                const Catalog& catalog) {
  YamlReader r(root, path);
  CapacityStudy s;
  s.file = path;
  {
    YamlReader t = r.Child("traffic");
    s.traffic.requests_per_s = t.RequiredDouble("requests_per_s", 1e-9, 1e9);
    const double max_context = static_cast<double>(kMaxContextTokens);
    s.traffic.prompt_tokens = t.RequiredDouble("prompt_tokens", 1, max_context);
    s.traffic.output_tokens = t.RequiredDouble("output_tokens", 1, max_context);
    if (s.traffic.prompt_tokens + s.traffic.output_tokens > max_context) {
      throw InputError(
          t.Where("output_tokens"),
          fmt::format("prompt + output tokens must be at most {} per request", kMaxContextTokens));
    }
    t.RejectUnknownKeys();
  }
  s.slo = ReadSloSpec(r);
  s.simulation = ReadServingSimSettings(r);
  YamlReader c = r.Child("candidates");
  s.models = c.OptionalStringList("models");
  if (s.models.empty()) throw InputError(c.Where("models"), "needs at least one model");
  s.hardware = c.OptionalStringList("hardware");
  if (s.hardware.empty()) throw InputError(c.Where("hardware"), "needs at least one hardware id");
  // Unknown ids are reported at the line that names them.
  for (const auto& id : s.hardware) AtLocation(c.Where("hardware"), [&] { catalog.Hardware(id); });
  for (const auto& model : s.models)
    AtLocation(c.Where("models"), [&] { catalog.ResolveModel(model); });
  if (c.Has("tensor_parallel")) {
    s.tensor_parallel.clear();
    for (const auto& text : c.OptionalStringList("tensor_parallel")) {
      char* end = nullptr;
      const long tp = std::strtol(text.c_str(), &end, 10);
      if (end == text.c_str() || *end != '\0' || tp < 1 || tp > 1024) {
        throw InputError(c.Where("tensor_parallel"), "'" + text + "' is not a degree in 1..1024");
      }
      s.tensor_parallel.push_back(static_cast<int>(tp));
    }
  }
  if (c.Has("weights")) {
    s.weights.clear();
    for (const auto& text : c.OptionalStringList("weights")) {
      s.weights.push_back(ParsePrecision(text, c.Where("weights")));
    }
  }
  s.activations = ParsePrecision(c.OptionalString("activations", "bf16"), c.Where("activations"));
  s.kv_cache = ParsePrecision(c.OptionalString("kv", "bf16"), c.Where("kv"));
  s.memory_utilization = c.OptionalDouble("memory_utilization", 0.9, 0.01, 1.0);
  c.RejectUnknownKeys();
  if (r.Has("usd_per_hour")) {
    YamlReader prices = r.Child("usd_per_hour");  // hardware id -> USD per device-hour
    for (const std::string& id : prices.Keys()) {
      s.usd_per_hour[id] = prices.RequiredDouble(id, 1e-9, kMaxUsdPerDeviceHour);  // > 0
    }
  }
  r.RejectUnknownKeys();
  return s;
}

ReplicaCapacity CapacityCache::Get(const std::string& key,
                                   const std::function<ReplicaCapacity()>& compute) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = entries_.find(key);
    if (it != entries_.end()) return it->second;
  }
  // Computed outside the lock: two threads may simulate the same key once each (same result).
  ReplicaCapacity cap = compute();
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.emplace(key, std::move(cap)).first->second;
}

LayoutPlan PlanLayout(const Catalog& catalog, const ModelSpec& m, const HardwareSpec& hw,
                      const Layout& layout, const CapacityStudy& study,
                      const EfficiencyParams& params, CapacityCache* cache, bool state_at_load) {
  LayoutPlan p;
  p.layout = layout;
  p.sizing = study.simulation.Describe(study.slo);
  Workload w;
  w.weights = layout.weights;
  w.activations = study.activations;
  w.kv_cache = study.kv_cache;
  w.parallel.tensor = layout.tensor_parallel;
  w.memory_utilization = study.memory_utilization;
  const auto price_it = study.usd_per_hour.find(hw.id);
  p.price =
      ResolvePrice(catalog, hw.id, price_it == study.usd_per_hour.end() ? 0.0 : price_it->second,
                   study.price_kinds);

  auto compute = [&] {
    return SimulatedReplicaCapacity(m, hw, w, study.traffic, study.slo, study.simulation, params);
  };
  std::string key =
      fmt::format("{}|{}|{}|{}|{}|{}|{:.17g}|{:.17g}|{}|{}|{}|{}|{:.17g}", m.id, m.name, hw.id,
                  layout.tensor_parallel, ToString(layout.weights), ToString(study.activations),
                  study.traffic.prompt_tokens, study.traffic.output_tokens, study.slo.Describe(),
                  study.simulation.Describe(study.slo), study.simulation.engine_host_overheads,
                  ToString(study.kv_cache), study.memory_utilization);
  for (double v : params.values) key += fmt::format("|{:.17g}", v);
  const ReplicaCapacity cap = cache ? cache->Get(key, compute) : compute();
  p.simulations = cap.simulations;
  if (!cap.feasible) {
    p.reason = cap.reason;
    return p;
  }
  const double replicas =
      std::max(1.0, std::ceil(study.traffic.requests_per_s / cap.max_requests_per_s - 1e-9));
  if (!(replicas <= kMaxReplicas)) {
    p.reason =
        fmt::format("would need {:.3g} replicas at {:.3g} requests/s each (more than {:.0e})",
                    replicas, cap.max_requests_per_s, kMaxReplicas);
    return p;
  }
  p.feasible = true;
  p.replica_max_requests_per_s = cap.max_requests_per_s;
  p.replicas = static_cast<int64_t>(replicas);
  p.devices = p.replicas * layout.tensor_parallel;
  p.weight_share_of_device = InferenceWeightBytesPerDevice(m, w) / hw.memory_bytes;
  const double output_per_s = study.traffic.requests_per_s * study.traffic.output_tokens;
  const double input_per_s = study.traffic.requests_per_s * study.traffic.prompt_tokens;
  if (p.price) {
    p.usd_per_month =
        p.price->usd_per_hour * static_cast<double>(p.devices) * kSecondsPerMonth / kSecondsPerHour;
    p.usd_per_million_output_tokens = p.usd_per_month / (output_per_s * kSecondsPerMonth) * kMega;
    p.usd_per_million_tokens =
        p.usd_per_month / ((output_per_s + input_per_s) * kSecondsPerMonth) * kMega;
  }
  if (!state_at_load) return p;
  TrafficSpec per_replica = study.traffic;
  per_replica.requests_per_s = study.traffic.requests_per_s / static_cast<double>(p.replicas);
  p.state = SimulatedServingState(m, hw, w, per_replica, study.simulation, params);
  if (!p.state.feasible) return p;
  // Power: the replica alternates prefill and decode, each at its roofline utilisation
  // (money.h). Prefill occupies the share lambda x t_pre of its time (t_pre: one request's
  // prompt at batch 1); decode runs the simulated mean batch at the mean context.
  Workload at = w;
  at.batch = std::max<int64_t>(1, std::llround(p.state.batch));
  at.prompt_tokens = std::max<int64_t>(1, std::llround(study.traffic.prompt_tokens));
  at.gen_tokens = std::max<int64_t>(1, std::llround(study.traffic.output_tokens));
  const DeviceRates rates = ResolveRates(hw, at);
  const StepBreakdown decode = AnalyseStep(
      CountOps(m, at, DecodeStep(at, at.prompt_tokens + at.gen_tokens / 2)), rates, params);
  Workload one = at;
  one.batch = 1;
  const StepBreakdown prefill = AnalyseStep(CountOps(m, one, PrefillStep(one)), rates, params);
  const double share = std::min(1.0, per_replica.requests_per_s * prefill.step_s);
  p.power_w =
      static_cast<double>(p.devices) * (share * DevicePower_w(hw, StepUtilization(prefill)) +
                                        (1.0 - share) * DevicePower_w(hw, StepUtilization(decode)));
  p.j_per_output_token = p.power_w / output_per_s;
  return p;
}

namespace {

// A layout's plan as bytes, every field (the plan table and JSON print them all).
void EncodePlan(const LayoutPlan& p, ByteWriter& out) {
  out.PutString(p.layout.model_id);
  out.PutString(p.layout.hardware_id);
  out.PutInt(p.layout.tensor_parallel);
  out.PutInt(static_cast<int64_t>(p.layout.weights));
  out.PutBool(p.feasible);
  out.PutString(p.reason);
  out.PutDouble(p.replica_max_requests_per_s);
  out.PutInt(p.replicas);
  out.PutInt(p.devices);
  out.PutDouble(p.weight_share_of_device);
  out.PutString(p.sizing);
  out.PutInt(p.simulations);
  const ServingState& s = p.state;
  out.PutBool(s.feasible);
  out.PutString(s.reason);
  for (double v : {s.requests_per_s, s.batch, s.ttft_mean_s, s.ttft_p99_s, s.tpot_mean_s,
                   s.tpot_p99_s, s.e2e_mean_s, s.output_tokens_per_s, s.input_tokens_per_s}) {
    out.PutDouble(v);
  }
  out.PutBool(p.price.has_value());
  if (p.price) {
    out.PutDouble(p.price->usd_per_hour);
    out.PutString(p.price->source);
  }
  for (double v : {p.usd_per_month, p.usd_per_million_output_tokens, p.usd_per_million_tokens,
                   p.power_w, p.j_per_output_token}) {
    out.PutDouble(v);
  }
}

LayoutPlan DecodePlan(ByteReader& in) {
  LayoutPlan p;
  p.layout.model_id = in.String();
  p.layout.hardware_id = in.String();
  p.layout.tensor_parallel = static_cast<int>(in.Int());
  p.layout.weights = static_cast<Precision>(in.Int());
  p.feasible = in.Bool();
  p.reason = in.String();
  p.replica_max_requests_per_s = in.Double();
  p.replicas = in.Int();
  p.devices = in.Int();
  p.weight_share_of_device = in.Double();
  p.sizing = in.String();
  p.simulations = static_cast<int>(in.Int());
  ServingState& s = p.state;
  s.feasible = in.Bool();
  s.reason = in.String();
  for (double* v : {&s.requests_per_s, &s.batch, &s.ttft_mean_s, &s.ttft_p99_s, &s.tpot_mean_s,
                    &s.tpot_p99_s, &s.e2e_mean_s, &s.output_tokens_per_s, &s.input_tokens_per_s}) {
    *v = in.Double();
  }
  if (in.Bool()) {
    DevicePrice price;
    price.usd_per_hour = in.Double();
    price.source = in.String();
    p.price = price;
  }
  for (double* v : {&p.usd_per_month, &p.usd_per_million_output_tokens, &p.usd_per_million_tokens,
                    &p.power_w, &p.j_per_output_token}) {
    *v = in.Double();
  }
  return p;
}

}  // namespace

std::vector<LayoutPlan> PlanCapacity(const CapacityStudy& study, const Catalog& catalog,
                                     const DeviceEfficiencyParams& params,
                                     const UnitRunner* runner) {
  struct Item {
    ModelSpec model;
    const HardwareSpec* hw;
    Layout layout;
  };
  std::vector<Item> items;
  for (const auto& model_id : study.models) {
    const ModelSpec model = catalog.ResolveModel(model_id);
    for (const auto& hw_id : study.hardware) {
      const HardwareSpec& hw = catalog.Hardware(hw_id);
      for (int tp : study.tensor_parallel) {
        for (Precision weights : study.weights) {
          items.push_back(
              {model, &hw, Layout{model.id.empty() ? model_id : model.id, hw_id, tp, weights}});
        }
      }
    }
  }
  // Each layout is its own rate search, of uneven length: one unit each, handed out one at a
  // time, over the cores (or the MPI ranks through `runner`).
  auto plan_of = [&](size_t i) {
    const std::string& hw_id = items[i].layout.hardware_id;
    CapacityStudy own = study;
    own.simulation.engine_host_overheads = !params.CalibratedFor(hw_id);
    return PlanLayout(catalog, items[i].model, *items[i].hw, items[i].layout, own,
                      params.For(hw_id));
  };
  const LocalUnitRunner local(0);
  const auto bytes = (runner ? *runner : static_cast<const UnitRunner&>(local))
                         .Run(
                             items.size(), 1,
                             [&](size_t begin, size_t end) {
                               ByteWriter out;
                               for (size_t i = begin; i < end; ++i) EncodePlan(plan_of(i), out);
                               return std::move(out.Bytes());
                             },
                             nullptr);
  std::vector<LayoutPlan> plans;
  for (const auto& chunk : bytes) {
    ByteReader in(chunk);
    while (!in.AtEnd()) plans.push_back(DecodePlan(in));
  }
  auto rank = [](const LayoutPlan& p) { return !p.feasible ? 2 : (p.price ? 0 : 1); };
  std::stable_sort(plans.begin(), plans.end(), [&](const LayoutPlan& a, const LayoutPlan& b) {
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    if (rank(a) == 0) return a.usd_per_month < b.usd_per_month;
    if (rank(a) == 1) return a.devices < b.devices;
    return false;
  });
  return plans;
}

nlohmann::json ToJson(const LayoutPlan& p) {
  auto figure = [](bool known, double v) {
    return known ? nlohmann::json(v) : nlohmann::json(nullptr);
  };
  const bool ok = p.feasible;
  const bool priced = ok && p.price.has_value();
  nlohmann::json j;
  j["model"] = p.layout.model_id;
  j["hardware"] = p.layout.hardware_id;
  j["tp"] = p.layout.tensor_parallel;
  j["weights_precision"] = ToString(p.layout.weights);
  j["feasible"] = ok;
  j["reason"] = p.reason;
  j["replicas"] = ok ? nlohmann::json(p.replicas) : nlohmann::json(nullptr);
  j["devices"] = ok ? nlohmann::json(p.devices) : nlohmann::json(nullptr);
  j["replica_max_requests_per_s"] = figure(ok, p.replica_max_requests_per_s);
  const bool at_load = ok && p.state.feasible;
  j["batch"] = figure(at_load, p.state.batch);
  j["ttft_mean_s"] = figure(at_load, p.state.ttft_mean_s);
  j["ttft_p99_s"] = figure(at_load, p.state.ttft_p99_s);
  j["tpot_mean_s"] = figure(at_load, p.state.tpot_mean_s);
  j["tpot_p99_s"] = figure(at_load, p.state.tpot_p99_s);
  j["e2e_mean_s"] = figure(at_load, p.state.e2e_mean_s);
  j["usd_per_device_hour"] = figure(p.price.has_value(), p.price ? p.price->usd_per_hour : 0.0);
  j["price_source"] = p.price ? p.price->source : "";
  j["usd_per_month"] = figure(priced, p.usd_per_month);
  j["usd_per_million_output_tokens"] = figure(priced, p.usd_per_million_output_tokens);
  j["usd_per_million_tokens"] = figure(priced, p.usd_per_million_tokens);
  // Energy needs a known TDP (power_w is 0 without one).
  j["power_w"] = figure(ok && p.power_w > 0, p.power_w);
  j["j_per_token"] = figure(ok && p.power_w > 0, p.j_per_output_token);
  j["sizing"] = p.sizing;
  j["sizing_simulations"] = p.simulations;
  return j;
}

}  // namespace rightsize
