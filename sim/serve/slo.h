// Service-level objectives on simulated serving: targets on a statistic of a latency
// distribution (`ttft_p99_s: 2.0`: the 99th percentile of time to first token within 2 s), and
// goodput under per-request targets (DistServe, Zhong et al. 2024: the rate of requests that meet
// every target).
#pragma once

#include <cstdint>
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
// The quantile a percentile statistic names (kP50: 0.5, kP90: 0.9, kP99: 0.99); kMean: 0.
double QuantileOf(SloStatistic statistic);
double StatisticOf(const ServingSimResult& result, SloMetric metric, SloStatistic statistic);
// Every target met, the run neither overloaded nor stopped early; *why names the first failure.
bool MeetsSlo(const ServingSimResult& result, const std::vector<SloTarget>& targets,
              std::string* why);

// Decides, as requests finish, that a run already misses its SLO whatever the unfinished
// requests do, so a rate search can drop the trial rate there. With n counted values, the
// q-quantile (linear interpolation, sim/util/stats.h) is above the limit as soon as
// n - floor(q (n - 1)) of them are; a mean is above it as soon as the finished values alone sum
// past n x limit (latencies are >= 0). TTFT and E2E count every request after the warm-up, TPOT
// those with >= 2 output tokens; ITL (per token) targets are left to the end of the run.
class SloMissWatch {
 public:
  SloMissWatch(const std::vector<SloTarget>& targets, const std::vector<ServeRequest>& requests,
               int64_t warmup_requests);
  // "" while every target can still be met; else the first one that cannot, and why.
  std::string Check(const RequestRecord& finished);

 private:
  struct Watched {
    SloTarget target;
    int64_t n = 0;             // values the statistic will be computed over
    int64_t exceed_limit = 0;  // percentile: values above the limit that decide a miss
    int64_t exceeding = 0;     // values seen above the limit
    double sum_s = 0.0;        // mean: the values seen, summed
  };
  std::vector<Watched> watched_;
  int64_t warmup_requests_ = 0;
};

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
