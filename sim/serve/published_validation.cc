#include "sim/serve/published_validation.h"

#include <algorithm>
#include <cmath>

#include "sim/serve/engine_profile.h"
#include "sim/serve/simulation_spec.h"
#include "sim/spec/precision.h"
#include "sim/util/csv.h"
#include "sim/util/data_paths.h"
#include "sim/util/error.h"
#include "sim/util/integers.h"
#include "sim/util/stats.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

// Each metric a row may state, with the simulated figure it names (in its unit, SI).
struct MetricOfRun {
  const char* name;
  double (*of)(const ServingSimResult&);
};
constexpr MetricOfRun kMetrics[] = {
    {"output_tokens_per_s", [](const ServingSimResult& r) { return r.output_tokens_per_s; }},
    {"total_tokens_per_s",
     [](const ServingSimResult& r) { return r.output_tokens_per_s + r.input_tokens_per_s; }},
    {"requests_per_s", [](const ServingSimResult& r) { return r.requests_per_s; }},
    {"ttft_mean_s", [](const ServingSimResult& r) { return r.ttft.mean_s; }},
    {"ttft_p50_s", [](const ServingSimResult& r) { return r.ttft.p50_s; }},
    {"ttft_p99_s", [](const ServingSimResult& r) { return r.ttft.p99_s; }},
    {"tpot_mean_s", [](const ServingSimResult& r) { return r.tpot.mean_s; }},
    {"tpot_p50_s", [](const ServingSimResult& r) { return r.tpot.p50_s; }},
    {"itl_mean_s", [](const ServingSimResult& r) { return r.itl.mean_s; }},
    {"itl_p50_s", [](const ServingSimResult& r) { return r.itl.p50_s; }},
    {"e2e_mean_s", [](const ServingSimResult& r) { return r.e2e.mean_s; }},
};

double SimulatedValue(const std::string& metric, const ServingSimResult& r) {
  for (const MetricOfRun& m : kMetrics) {
    if (metric == m.name) return m.of(r);
  }
  throw InvariantError("SimulatedValue: unknown metric " + metric);
}

// Requests simulated for a row that states no count: closed loop, kRequestsPerClient per client
// (at least kMinClosedLoopRequests) so each client's requests reach a steady state; offline and
// open loop, kDefaultRequests.
constexpr int64_t kRequestsPerClient = 20;
constexpr int64_t kMinClosedLoopRequests = 500;
constexpr int64_t kDefaultRequests = 1000;

template <typename T>
void RequireKnown(const std::string& id, const std::map<std::string, T>& known,
                  const SourceLocation& where, const char* what) {
  if (known.count(id) > 0) return;
  std::vector<std::string> ids;
  for (const auto& [key, value] : known) ids.push_back(key);
  throw InputError(where, std::string("unknown ") + what + " '" + id + "'; " + DidYouMean(id, ids));
}

}  // namespace

const std::vector<std::string>& PublishedMetrics() {
  static const std::vector<std::string> metrics = [] {
    std::vector<std::string> names;
    for (const MetricOfRun& m : kMetrics) names.emplace_back(m.name);
    return names;
  }();
  return metrics;
}

std::string MetricGroup(const std::string& metric) {
  if (metric.rfind("ttft", 0) == 0) return "ttft";
  if (metric.rfind("tpot", 0) == 0 || metric.rfind("itl", 0) == 0) return "itl";
  if (metric.rfind("e2e", 0) == 0) return "e2e";
  return "throughput";
}

std::string DefaultPublishedDir() { return DataRoot() + "/data/runs/published-serving"; }

std::vector<PublishedFigure> LoadPublishedFigures(const std::string& dir, const Catalog& catalog) {
  const CsvTable t = CsvTable::Load(dir + "/measurements.csv");
  std::vector<PublishedFigure> figures;
  for (const CsvRow& row : t.rows()) {
    PublishedFigure f;
    f.line = row.line;
    f.source_id = t.Cell(row, "source_id");
    f.engine = t.Cell(row, "engine");
    f.engine_version = t.Cell(row, "engine_version");
    f.model_id = t.Cell(row, "model_id");
    RequireKnown(f.model_id, catalog.models(), t.Where(row, "model_id"), "model");
    f.hardware_id = t.Cell(row, "hardware_id");
    RequireKnown(f.hardware_id, catalog.hardware(), t.Where(row, "hardware_id"), "device");
    f.tp = static_cast<int>(t.Integer(row, "tp", 1, 1024));
    f.weights = t.Cell(row, "weights");
    if (f.weights == "unknown") f.weights = "bf16";
    f.weights_precision = ParsePrecision(f.weights, t.Where(row, "weights"));
    for (const char* column : {"prompt_tokens", "output_tokens"}) {
      if (!t.MaybeNumber(row, column)) {
        f.unsimulable = std::string("the source states no ") + column;
        continue;
      }
      // Mean lengths (a dataset's) are fractional: the simulation gives every request the
      // rounded mean.
      const int64_t tokens =
          RoundedInRange(t.Number(row, column), 1, int64_t{1} << 24, t.Where(row, column));
      (std::string(column) == "prompt_tokens" ? f.prompt_tokens : f.output_tokens) = tokens;
    }
    f.load = t.Cell(row, "load");
    if (f.load != "concurrency" && f.load != "rate" && f.load != "offline") {
      throw InputError(t.Where(row, "load"),
                       "expected concurrency, rate or offline, got '" + f.load + "'");
    }
    if (f.load != "offline") {
      f.load_value = t.Number(row, "load_value");
      if (!(f.load_value > 0)) throw InputError(t.Where(row, "load_value"), "must be > 0");
    }
    if (t.MaybeNumber(row, "num_requests")) {
      f.num_requests = t.Integer(row, "num_requests", 1, int64_t{1} << 24);
    }
    f.metric = t.Cell(row, "metric");
    const auto& metrics = PublishedMetrics();
    if (std::find(metrics.begin(), metrics.end(), f.metric) == metrics.end()) {
      throw InputError(t.Where(row, "metric"),
                       "unknown metric '" + f.metric + "'; " + DidYouMean(f.metric, metrics));
    }
    f.value = t.Number(row, "value");
    if (!(f.value > 0)) throw InputError(t.Where(row, "value"), "must be > 0");
    f.where_in_source = t.Cell(row, "where_in_source");
    figures.push_back(std::move(f));
  }
  return figures;
}

int64_t SimulatedRequests(const PublishedFigure& f) {
  if (f.num_requests > 0) return f.num_requests;
  if (f.load == "concurrency") {
    return std::max<int64_t>(kMinClosedLoopRequests,
                             kRequestsPerClient * static_cast<int64_t>(std::llround(f.load_value)));
  }
  return kDefaultRequests;
}

std::vector<PublishedComparison> ComparePublished(
    const std::vector<PublishedFigure>& figures, const Catalog& catalog,
    const std::map<std::string, EfficiencyParams>& params_by_device) {
  std::vector<PublishedComparison> out;
  for (const PublishedFigure& f : figures) {
    if (!f.unsimulable.empty()) {
      PublishedComparison c;
      c.figure = f;
      c.why = "not simulated: " + f.unsimulable;
      out.push_back(std::move(c));
      continue;
    }
    SimulationSpec spec;
    spec.model = f.model_id;
    spec.hardware = f.hardware_id;
    spec.layout.parallel.tensor = f.tp;
    spec.layout.weights = f.weights_precision;
    spec.engine = EngineProfileIdForLogEngine(f.engine);
    spec.traffic.prompt.value = f.prompt_tokens;
    spec.traffic.output.value = f.output_tokens;
    spec.traffic.num_requests = SimulatedRequests(f);
    if (f.load == "concurrency") {
      spec.traffic.arrival = ArrivalKind::kClosedLoop;
      spec.traffic.concurrency = std::llround(f.load_value);
    } else if (f.load == "rate") {
      spec.traffic.arrival = ArrivalKind::kPoisson;
      spec.traffic.requests_per_s = f.load_value;
    } else {
      spec.traffic.arrival = ArrivalKind::kOffline;
    }
    const auto found = params_by_device.find(f.hardware_id);
    const EfficiencyParams params =
        found == params_by_device.end() ? EfficiencyParams{} : found->second;
    const SimulationRun run = RunSimulation(spec, catalog, params, true, "");
    PublishedComparison c;
    c.figure = f;
    c.feasible = run.result.feasible;
    c.why = run.result.feasible ? "" : run.result.reason;
    if (c.feasible) {
      if (run.result.overloaded) c.why = "overloaded: " + run.result.overload_reason;
      c.simulated = SimulatedValue(f.metric, run.result);
      c.error = c.simulated / f.value - 1;
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<PublishedGroupSummary> SummarisePublished(
    const std::vector<PublishedComparison>& comparisons) {
  std::map<std::string, std::vector<const PublishedComparison*>> by_group;
  for (const PublishedComparison& c : comparisons) {
    by_group[MetricGroup(c.figure.metric)].push_back(&c);
  }
  std::vector<PublishedGroupSummary> out;
  for (const auto& [group, members] : by_group) {
    PublishedGroupSummary s;
    s.group = group;
    std::vector<double> abs_errors;
    int under = 0;
    for (const PublishedComparison* c : members) {
      if (!c->feasible || !std::isfinite(c->error)) {
        ++s.infeasible;
        continue;
      }
      abs_errors.push_back(std::fabs(c->error));
      if (c->error < 0) ++under;
    }
    s.n = static_cast<int>(abs_errors.size());
    if (s.n > 0) {
      s.median_abs_error = Quantile(abs_errors, 0.5);
      s.p90_abs_error = Quantile(abs_errors, 0.9);
      s.under_predicted = static_cast<double>(under) / s.n;
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace rightsize
