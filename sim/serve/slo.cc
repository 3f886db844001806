#include "sim/serve/slo.h"

#include <cmath>

#include <fmt/format.h>

#include "sim/util/error.h"
#include "sim/util/strings.h"
#include "sim/util/yaml_reader.h"

namespace rightsize {
namespace {

const LatencyStats& StatsOf(const ServingSimResult& r, SloMetric metric) {
  switch (metric) {
    case SloMetric::kTtft:
      return r.ttft;
    case SloMetric::kTpot:
      return r.tpot;
    case SloMetric::kItl:
      return r.itl;
    case SloMetric::kE2e:
      return r.e2e;
  }
  return r.ttft;
}

}  // namespace

SloTarget ParseSloTarget(const std::string& key, double limit_s, const SourceLocation& where) {
  const std::vector<std::string> parts = Split(ToLower(Trim(key)), '_');
  SloTarget t;
  t.key = key;
  t.limit_s = limit_s;
  bool ok = parts.size() == 3 && parts[2] == "s";
  if (ok) {
    const std::string& m = parts[0];
    const std::string& s = parts[1];
    if (m == "ttft")
      t.metric = SloMetric::kTtft;
    else if (m == "tpot")
      t.metric = SloMetric::kTpot;
    else if (m == "itl")
      t.metric = SloMetric::kItl;
    else if (m == "e2e")
      t.metric = SloMetric::kE2e;
    else
      ok = false;
    if (s == "mean")
      t.statistic = SloStatistic::kMean;
    else if (s == "p50")
      t.statistic = SloStatistic::kP50;
    else if (s == "p90")
      t.statistic = SloStatistic::kP90;
    else if (s == "p99")
      t.statistic = SloStatistic::kP99;
    else
      ok = false;
  }
  if (!ok) {
    throw InputError(where, fmt::format("unknown SLO '{}' (form: <ttft|tpot|itl|e2e>_<mean|p50|"
                                        "p90|p99>_s, e.g. ttft_p99_s)",
                                        key));
  }
  if (!(limit_s > 0) || !std::isfinite(limit_s)) {
    throw InputError(where, fmt::format("SLO limit must be > 0 seconds, got {}", limit_s));
  }
  return t;
}

std::vector<SloTarget> ReadSloTargets(const YAML::Node& slo, const std::string& path,
                                      bool legacy_mean_keys) {
  if (!slo.IsMap()) {
    throw InputError({path, LineOf(slo), "slo"},
                     "expected a mapping of SLO targets (KEY: seconds)");
  }
  std::vector<SloTarget> targets;
  for (const auto& kv : slo) {
    std::string key = kv.first.as<std::string>();
    const SourceLocation where{path, LineOf(kv.first), "slo." + key};
    double limit = 0;
    try {
      limit = kv.second.as<double>();
    } catch (const YAML::Exception&) {
      throw InputError(where, "expected a number of seconds");
    }
    const bool legacy = legacy_mean_keys && (key == "ttft_s" || key == "tpot_s");
    if (legacy) {
      if (limit == 0) continue;  // older studies wrote 0 for "no target"
      key = key.substr(0, 4) + "_mean_s";
    }
    for (const SloTarget& t : targets) {
      if (t.key == key) throw InputError(where, "a second target for " + key);
    }
    targets.push_back(ParseSloTarget(key, limit, where));
  }
  return targets;
}

double QuantileOf(SloStatistic statistic) {
  switch (statistic) {
    case SloStatistic::kMean:
      return 0.0;
    case SloStatistic::kP50:
      return 0.5;
    case SloStatistic::kP90:
      return 0.9;
    case SloStatistic::kP99:
      return 0.99;
  }
  return 0.0;
}

double StatisticOf(const ServingSimResult& r, SloMetric metric, SloStatistic statistic) {
  const LatencyStats& s = StatsOf(r, metric);
  switch (statistic) {
    case SloStatistic::kMean:
      return s.mean_s;
    case SloStatistic::kP50:
      return s.p50_s;
    case SloStatistic::kP90:
      return s.p90_s;
    case SloStatistic::kP99:
      return s.p99_s;
  }
  return s.mean_s;
}

bool MeetsSlo(const ServingSimResult& r, const std::vector<SloTarget>& targets, std::string* why) {
  if (!r.feasible) {
    if (why) *why = r.reason;
    return false;
  }
  if (r.stopped_early) {
    if (why) *why = r.stop_reason;
    return false;
  }
  if (r.overloaded) {
    if (why) *why = r.overload_reason;
    return false;
  }
  for (const SloTarget& t : targets) {
    const double v = StatisticOf(r, t.metric, t.statistic);
    if (!(v <= t.limit_s)) {
      if (why) *why = fmt::format("{} = {:.4g} s exceeds {:.4g} s", t.key, v, t.limit_s);
      return false;
    }
  }
  return true;
}

SloMissWatch::SloMissWatch(const std::vector<SloTarget>& targets,
                           const std::vector<ServeRequest>& requests, int64_t warmup_requests)
    : warmup_requests_(warmup_requests) {
  int64_t counted = 0, multi_token = 0;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (static_cast<int64_t>(i) < warmup_requests) continue;
    ++counted;
    if (requests[i].output_tokens >= 2) ++multi_token;
  }
  for (const SloTarget& t : targets) {
    if (t.metric == SloMetric::kItl) continue;
    Watched w;
    w.target = t;
    w.n = t.metric == SloMetric::kTpot ? multi_token : counted;
    if (w.n == 0) continue;
    const double q = QuantileOf(t.statistic);
    w.exceed_limit = w.n - static_cast<int64_t>(std::floor(q * static_cast<double>(w.n - 1)));
    watched_.push_back(w);
  }
}

std::string SloMissWatch::Check(const RequestRecord& r) {
  if (r.index < warmup_requests_) return "";
  for (Watched& w : watched_) {
    double v = 0.0;
    switch (w.target.metric) {
      case SloMetric::kTtft:
        v = r.TtftS();
        break;
      case SloMetric::kE2e:
        v = r.E2eS();
        break;
      case SloMetric::kTpot:
        if (r.output_tokens < 2) continue;
        v = r.TpotS();
        break;
      case SloMetric::kItl:
        continue;
    }
    if (w.target.statistic == SloStatistic::kMean) {
      w.sum_s += v;
      if (w.sum_s > w.target.limit_s * static_cast<double>(w.n)) {
        return fmt::format(
            "{} exceeds {:.4g} s: the finished requests alone sum to {:.4g} s over {}",
            w.target.key, w.target.limit_s, w.sum_s, w.n);
      }
    } else if (v > w.target.limit_s && ++w.exceeding >= w.exceed_limit) {
      return fmt::format("{} exceeds {:.4g} s: {} of {} requests already above it", w.target.key,
                         w.target.limit_s, w.exceeding, w.n);
    }
  }
  return "";
}

Goodput GoodputOf(const ServingSimResult& r, const RequestSlo& slo) {
  Goodput g;
  if (r.requests.empty()) return g;
  int64_t good = 0;
  for (const RequestRecord& rec : r.requests) {
    const bool ok = (slo.ttft_s <= 0 || rec.TtftS() <= slo.ttft_s) &&
                    (slo.tpot_s <= 0 || rec.TpotS() <= slo.tpot_s) &&
                    (slo.e2e_s <= 0 || rec.E2eS() <= slo.e2e_s);
    if (ok) ++good;
  }
  g.fraction = static_cast<double>(good) / static_cast<double>(r.requests.size());
  const double span = r.end_s - r.start_s;
  g.requests_per_s = span > 0 ? static_cast<double>(good) / span : 0.0;
  return g;
}

}  // namespace rightsize
