// Service-level objectives on simulated serving: targets on a statistic of a latency
// distribution (`ttft_p99_s: 2.0`: the 99th percentile of time to first token within 2 s), and
// goodput under per-request targets (DistServe, Zhong et al. 2024: the rate of requests that meet
// every target).
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "sim/serve/simulator.h"

namespace rightsize {

enum class SloMetric { kTtft, kTpot, kItl, kE2e };
enum class SloStatistic { kMean, kP50, kP90, kP99 };

struct SloTarget {
  std::string key;  // as written: <metric>_<statistic>_s, e.g. "tpot_p50_s"
  SloMetric metric = SloMetric::kTtft;
  SloStatistic statistic = SloStatistic::kP99;
  double limit_s = 0.0;  // > 0
};

// Parses "<ttft|tpot|itl|e2e>_<mean|p50|p90|p99>_s"; an unknown key or a limit <= 0 is an
// InputError at `where`.
SloTarget ParseSloTarget(const std::string& key, double limit_s, const SourceLocation& where);
// Every entry of an `slo:` mapping (KEY: seconds) as targets; errors name path:line: slo.KEY.
// `legacy_mean_keys`: the two-part keys `ttft_s` / `tpot_s` of capacity studies are the means
// (0 there: no target).
std::vector<SloTarget> ReadSloTargets(const YAML::Node& slo, const std::string& path,
                                      bool legacy_mean_keys);
double StatisticOf(const ServingSimResult& result, SloMetric metric, SloStatistic statistic);
// Every target met and the run not overloaded; *why names the first failure.
bool MeetsSlo(const ServingSimResult& result, const std::vector<SloTarget>& targets,
              std::string* why);

// Per-request targets for goodput; 0 disables a target.
struct RequestSlo {
  double ttft_s = 0.0;
  double tpot_s = 0.0;
  double e2e_s = 0.0;
  bool Any() const { return ttft_s > 0 || tpot_s > 0 || e2e_s > 0; }
};
struct Goodput {
  double fraction = 0.0;        // requests meeting every target / requests, [0, 1]
  double requests_per_s = 0.0;  // those requests / (end - start)
};
Goodput GoodputOf(const ServingSimResult& result, const RequestSlo& slo);

}  // namespace rightsize
