// Capacity planning: for a traffic level and an SLO, how many devices (in which layout) each
// candidate (model, hardware, tensor-parallel degree, weight precision) needs, what that costs a
// month, and which layout is cheapest. Infeasible layouts are listed with their reason, never
// priced.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "sim/cost/efficiency_params.h"
#include "sim/cost/money.h"
#include "sim/plan/serving.h"
#include "sim/spec/catalog.h"
#include "sim/util/work_units.h"

namespace rightsize {

// A capacity question (the YAML file of `rightsize plan`; keys in docs/latency.md).
struct CapacityStudy {
  std::string file;     // where it was read from (messages)
  TrafficSpec traffic;  // total traffic to serve
  SloSpec slo;
  std::vector<std::string> models;    // catalogue ids or config paths
  std::vector<std::string> hardware;  // catalogue ids
  std::vector<int> tensor_parallel = {1};
  std::vector<Precision> weights = {Precision::kBf16};
  Precision activations = Precision::kBf16;
  Precision kv_cache = Precision::kBf16;
  double memory_utilization = 0.9;
  std::map<std::string, double> usd_per_hour;  // per device, overrides models/prices
  std::vector<std::string> price_kinds;        // quotes of these kinds only (empty: any kind)
  ServingSimSettings simulation;               // engine profile, simulated requests, seed
};

// The most replicas a layout may need before it is called infeasible: far beyond any fleet, and
// small enough that replicas x tensor_parallel x $ stay exact.
inline constexpr double kMaxReplicas = 1e15;

// Reads and checks a study file; bad input is an InputError with file:line: key.
CapacityStudy LoadCapacityStudy(const std::string& path, const Catalog& catalog);
// The same from parsed YAML (a study given as text); `label` names it in errors.
CapacityStudy LoadCapacityStudy(const YAML::Node& root, const std::string& label,
                                const Catalog& catalog);

struct Layout {
  std::string model_id;
  std::string hardware_id;
  int tensor_parallel = 1;
  Precision weights = Precision::kBf16;
};

struct LayoutPlan {
  Layout layout;
  bool feasible = false;
  std::string reason;                       // why infeasible (memory, link, SLO)
  double replica_max_requests_per_s = 0.0;  // one replica within the SLO
  int64_t replicas = 0;                     // 1..kMaxReplicas
  int64_t devices = 0;                      // replicas x tensor_parallel
  double weight_share_of_device = 0.0;      // weights per device / device memory, (0, 1]
  std::string sizing;   // how the capacity was found (ServingSimSettings::Describe)
  int simulations = 0;  // serving simulations the capacity search ran
  ServingState state;   // each replica at traffic / replicas, simulated
  std::optional<DevicePrice> price;
  double usd_per_month = 0.0;                  // devices x usd_per_hour x 720 h (30-day month)
  double usd_per_million_output_tokens = 0.0;  // monthly $ / output tokens in the month
  double usd_per_million_tokens = 0.0;         // monthly $ / (input + output) tokens
  double power_w = 0.0;                        // all devices, at the load
  double j_per_output_token = 0.0;             // power / output tokens per second
};

// Replica capacities already simulated, by layout, traffic mix, SLO and simulation settings: a
// study's sensitivity analysis re-plans the same layouts at other traffic levels, where only the
// replica count changes. Safe to share between threads.
class CapacityCache {
 public:
  // The cached capacity for key, else compute() stored under key.
  ReplicaCapacity Get(const std::string& key, const std::function<ReplicaCapacity()>& compute);

 private:
  std::mutex mutex_;
  std::map<std::string, ReplicaCapacity> entries_;
};

// Every candidate layout, sorted: feasible and priced by $/month, then feasible unpriced by
// devices, then infeasible. Each device is priced with params.For(its id). The layouts run on
// all cores, or through `runner` (MPI ranks) when given; the plans are the same either way.
std::vector<LayoutPlan> PlanCapacity(const CapacityStudy& study, const Catalog& catalog,
                                     const DeviceEfficiencyParams& params,
                                     const UnitRunner* runner = nullptr);
// One layout at the study's traffic and SLO: the replica capacity from the simulated rate search
// (through `cache` when given), replicas to cover the traffic, and, when state_at_load, one more
// simulation of a replica at its share of the traffic (latencies and the power estimate).
LayoutPlan PlanLayout(const Catalog& catalog, const ModelSpec& model, const HardwareSpec& hw,
                      const Layout& layout, const CapacityStudy& study,
                      const EfficiencyParams& params, CapacityCache* cache = nullptr,
                      bool state_at_load = true);

// One row per layout (unit-suffixed keys), figures null for infeasible layouts.
nlohmann::json ToJson(const LayoutPlan& plan);

}  // namespace rightsize
