// Validation against published serving measurements (data/runs/published-serving: figures read
// from engine blogs, papers and benchmark READMEs, each with its source): every figure's setup
// (model, device, TP, precision, lengths, load) is simulated with the given efficiencies and the
// simulated figure compared with the published one. The set is gathered for this check, never
// fitted on.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/cost/efficiency_params.h"
#include "sim/spec/catalog.h"
#include "sim/spec/precision.h"

namespace rightsize {

// One published figure (a row of measurements.csv).
struct PublishedFigure {
  int line = 0;  // row in measurements.csv
  std::string source_id, engine, engine_version, model_id, hardware_id, weights;
  Precision weights_precision = Precision::kBf16;  // `weights` parsed
  int tp = 1;
  int64_t prompt_tokens = 0, output_tokens = 0;
  std::string load;          // "concurrency" | "rate" | "offline"
  double load_value = 0.0;   // clients or requests/s; 0 for offline
  int64_t num_requests = 0;  // 0: not stated
  std::string metric;        // one of PublishedMetrics()
  double value = 0.0;        // SI: seconds or per second
  std::string where_in_source;
  // Why the figure cannot be simulated ("" = it can): the source states no prompt or output
  // length.
  std::string unsimulable;
};

// The metrics a row may state, and the group the summary pools each into.
const std::vector<std::string>& PublishedMetrics();
// "throughput" (output / total tokens or requests per second), "ttft", "itl" (TPOT and ITL),
// "e2e".
std::string MetricGroup(const std::string& metric);

std::string DefaultPublishedDir();  // <data folder>/data/runs/published-serving
// measurements.csv of `dir`, strictly (an unknown metric, load, model or device, or a bad number
// is an InputError at file:line: column). Weights `unknown` (the source does not state the dtype)
// are read as bf16: the engines' default (`--dtype auto`) loads these checkpoints' 16-bit dtype.
// Empty prompt or output lengths are kept, with `unsimulable` saying so.
std::vector<PublishedFigure> LoadPublishedFigures(const std::string& dir, const Catalog& catalog);

struct PublishedComparison {
  PublishedFigure figure;
  bool feasible = false;
  std::string why;         // why not feasible (does not fit, ...), or overloaded
  double simulated = 0.0;  // same unit as figure.value
  double error = 0.0;      // simulated / published - 1
};

// Requests a row without a stated count is simulated with: closed loop, 20 per client (at least
// 500); offline and open loop, 1,000.
int64_t SimulatedRequests(const PublishedFigure& figure);

// Simulates each figure's setup with the engine profile its engine stands for
// (EngineProfileIdForLogEngine), the profile's host-overhead priors and `params_by_device`'s
// efficiencies for its device (the defaults for a device it lacks).
std::vector<PublishedComparison> ComparePublished(
    const std::vector<PublishedFigure>& figures, const Catalog& catalog,
    const std::map<std::string, EfficiencyParams>& params_by_device);

struct PublishedGroupSummary {
  std::string group;
  int n = 0;  // feasible comparisons
  int infeasible = 0;
  double median_abs_error = 0.0;  // fraction
  double p90_abs_error = 0.0;
  double under_predicted = 0.0;  // share of comparisons with simulated < published
};
std::vector<PublishedGroupSummary> SummarisePublished(
    const std::vector<PublishedComparison>& comparisons);

}  // namespace rightsize
