// Measurement: what one row of a benchmark log says, mapped onto rightsize's own vocabulary
// (a model, a device, a workload, the operators that ran and how long they took), with the file
// and row it came from so every later error or outlier can be traced back to the log.
//
// Every reader in sim/logs turns its format into a LogReadResult. A row that cannot be mapped
// (unknown GPU, a model not in the catalogue, a metric rightsize does not model) is kept in
// `skipped` with its reason instead of being dropped silently; a row that is malformed (NaN,
// negative time, missing column, truncated file) is an InputError naming file:row: column.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/cost/op_count.h"
#include "sim/spec/catalog.h"
#include "sim/util/error.h"
#include "sim/workload/workload.h"

namespace rightsize {

// Ranges of the integers a benchmark log states; every reader converts them with WholeInRange /
// RoundedInRange (sim/util/integers.h), never a bare cast. Far above any real run, and low
// enough that token x batch products stay exact in int64 and finite in the FLOP counts.
inline constexpr int64_t kMaxLogTokens = int64_t{1} << 32;  // prompt, generated, context tokens
inline constexpr int64_t kMaxLogBatch = int64_t{1} << 24;   // sequences (or GEMM rows) per step
inline constexpr int64_t kMaxLogParallel = 1 << 16;         // TP / EP / DP degrees, GPUs per run

// What the log measured. Every kind is converted to the wall time of one modelled interval
// (Measurement::interval_time_s) so a single latency model can be fitted to all of them.
enum class MetricKind {
  kStepTime,    // seconds for one forward step (prefill or decode) of the whole model
  kTtft,        // time to first token, seconds = the prefill step (queueing excluded)
  kTpot,        // time per output token / inter-token latency, seconds = one decode step
  kTokensPerS,  // tokens per second of the step's phase, whole batch
  kOpTime,      // seconds for the listed operators only (operator-level profiles)
  // Training throughput per device (Megatron logs): Measurement::work_per_interval (tokens, or
  // model FLOPs by the log's own formula) per second per device of the run.
  kTrainTokensPerSPerDevice,
  kTrainModelFlopsPerSPerDevice,
};

// "step_time_s", ..., "train_tokens_per_s_per_device", "train_model_flops_per_s_per_device".
std::string ToString(MetricKind metric);
// "step_time_s" | "ttft_s" | "tpot_s" | "tokens_per_s" | "op_time_s" (the metrics a canonical CSV
// row can state: the training ones need the work of the step, which only their readers know);
// InputError otherwise.
MetricKind ParseMetricKind(const std::string& text, const SourceLocation& where);

// The load a serving-benchmark run was measured under. A latency its scheduling shapes (queueing
// behind other requests, prefill chunks sharing steps with decodes) is no single step: calibrate
// predicts such a row by simulating the run (sim/app/serving_calibration.h) instead.
struct ServingLoad {
  // Open-loop arrival rate, requests per second; 0: every request at t = 0 (a rate of inf).
  double requests_per_s = 0.0;
  // Gamma shape of the inter-arrival times (vLLM's --burstiness): 1 is Poisson, < 1 burstier.
  double burstiness = 1.0;
  int64_t max_concurrency = 0;  // requests in flight at most (closed loop); 0: no limit
  int64_t num_requests = 0;     // completed requests of the run; 0: not stated (a CSV export)
};

struct Measurement {
  SourceLocation where;     // file, 1-based line (CSV/JSONL) or record index, key = column
  std::string format;       // reader that produced it ("vidur", "canonical", ...)
  std::string model_id;     // catalogue id; "" for operator rows given by shape only
  std::string hardware_id;  // catalogue id (or the id of a measured CPU spec)
  std::string engine;       // serving engine / kernel library, free text, may be ""
  Workload workload;        // precisions, parallelism, batch as the log states them
  Step step;                // the one step the interval covers (batch, new and past tokens)
  std::vector<OpCost> ops;  // per-device operators of the interval (CountOps or explicit)
  MetricKind metric = MetricKind::kStepTime;
  double value = 0.0;            // as measured, SI: seconds or tokens per second; > 0, finite
  double interval_time_s = 0.0;  // wall time of `ops`, derived from metric and value; > 0
  // Per-device rate metrics (training): value = work_per_interval / (interval_time_s x
  // devices_per_interval). Tokens or FLOPs per step, > 0; the devices the rate is divided by, >= 1.
  double work_per_interval = 0.0;
  double devices_per_interval = 1.0;
  // Micro-batches per training step through the pipeline (they set the pipeline bubble,
  // ResolveRates); 0 = from the workload's batch and micro-batch.
  int64_t pipeline_microbatches = 0;
  std::string label;  // short human description ("mlp_up_proj tokens=512 tp=2")
  // What the row belongs to for leave-one-group-out validation: the model (or, for shape-only
  // operator rows, the model the shapes came from, or the harness stage). Never empty.
  std::string series;
  // Set for a serving run's figure that queueing and batching shape (kTtft or kTpot, the run's
  // median, or kTokensPerS, its output throughput): predicted by simulating the run, not by
  // `ops` (which describe its mean step).
  std::optional<ServingLoad> serving_load;

  // "hardware_id/engine": the default calibration group (parameters fitted per device x engine).
  std::string Group() const;
  // What the metric would read had `ops` taken interval_s: the interval itself for time
  // metrics, the rate of the interval's work for rate metrics.
  double MetricAt(double interval_s) const;
};

// Why a row was skipped, for counting: the catalogue lacks its model or device, or anything else.
enum class SkipKind { kOther, kUnknownModel, kUnknownHardware };

struct SkippedRow {
  SourceLocation where;
  std::string reason;  // why it could not be mapped, with what to pass to make it map
  SkipKind kind = SkipKind::kOther;
  std::string category;  // the reason without row-specific names or numbers, for tallies
};

struct LogReadResult {
  std::vector<Measurement> measurements;
  std::vector<SkippedRow> skipped;
  // Models a log defines by their shapes instead of naming a catalogue entry (Megatron-LM's GPT
  // rows), by id; measurements name them in model_id.
  std::map<std::string, ModelSpec> log_models;

  void Append(LogReadResult other);
};

// What a reader may need beyond the file. Overrides win over what the log says; formats that do
// not name a model or a device (llama-bench, vLLM benchmark_serving, MLPerf) need them.
struct LogReadOptions {
  // The catalogue the log's names are mapped onto; the caller owns it and keeps it alive.
  explicit LogReadOptions(const Catalog& catalog_used) : catalog(&catalog_used) {}

  const Catalog* catalog;   // never null
  std::string model_id;     // force every row to this model
  std::string hardware_id;  // force every row to this device
  std::string engine;       // force the engine name
  // true: an unmappable row is an InputError (file:row) instead of a SkippedRow.
  bool strict = false;
  // Devices known besides the catalogue, by id (e.g. the CPU spec `rightsize measure` wrote).
  std::map<std::string, HardwareSpec> extra_hardware;
  // Workload facts a log may not record (MLPerf summaries state neither the prompt length nor
  // how the system was split); read only by the readers whose comment says so.
  int64_t prompt_tokens = 0;  // mean prompt tokens per request; 0: unknown
  int64_t gen_tokens = 0;     // mean generated tokens per request; 0: from the log
  int tensor_parallel = 1;    // TP degree of one replica, >= 1
  int replicas = 1;           // data-parallel replicas sharing the measured load, >= 1
  std::string weights;        // weight / activation / KV-cache precision names; "" = bf16
  std::string activations;
  std::string kv_cache;

  const Catalog& GetCatalog() const;
  // The device with this id from extra_hardware or the catalogue; nullptr if neither has it.
  const HardwareSpec* FindHardware(const std::string& id) const;
  // Maps a device name from a log: hardware_id override first, then extra_hardware ids, then
  // Catalog::MatchHardware. nullopt when nothing matches. Throws InputError if the override is
  // unknown.
  std::optional<std::string> MapHardware(const std::string& name_in_log) const;
  // The same for models: model_id override, then Catalog::MatchModel.
  std::optional<std::string> MapModel(const std::string& name_in_log) const;
};

// Converts a measured metric of a step with `step.batch * step.new_tokens` tokens into the wall
// time of the step: tokens/s -> tokens / rate; TTFT, TPOT and times are already times.
double IntervalTimeFromMetric(MetricKind metric, double value, const Step& step);

// Builds a step measurement (ops = CountOps(model, workload, step)). Throws InputError at
// `where` if the value is not finite and positive or the workload is invalid.
Measurement MakeStepMeasurement(const ModelSpec& model, const std::string& hardware_id,
                                const Workload& workload, const Step& step, MetricKind metric,
                                double value, const SourceLocation& where);

// Builds an operator-level measurement from explicit operator costs.
Measurement MakeOpMeasurement(std::vector<OpCost> ops, const std::string& hardware_id,
                              const Workload& workload, double time_s, const SourceLocation& where);

// A dense GEMM C[m x n] = A[m x k] * B[k x n] with operands and result of `bytes_per_value`:
// 2mkn FLOPs, reads A and B once, writes C once (the minimum traffic; kernels that re-read
// tiles are what the fitted memory efficiency absorbs).
OpCost GemmOp(const char* name, double m, double k, double n, double bytes_per_value);

// Throws InputError at `where` unless value is finite and > 0 ("what" names the quantity).
void RequirePositive(double value, const SourceLocation& where, const std::string& what);

// "; " + hint, or "" when the hint is empty (for DidYouMean in messages).
std::string Hint(const std::string& hint);

// The catalogue id of a model (or device) a log names, through LogReadOptions::MapModel
// (MapHardware); nullopt after recording the row as skipped (SkipKind::kUnknownModel,
// kUnknownHardware) with the closest catalogue id and what to pass.
std::optional<std::string> MapModelOrSkip(const LogReadOptions& options,
                                          const std::string& name_in_log,
                                          const SourceLocation& where, LogReadResult* result);
std::optional<std::string> MapHardwareOrSkip(const LogReadOptions& options,
                                             const std::string& name_in_log,
                                             const SourceLocation& where, LogReadResult* result);

// Records an unmappable row: appends to result.skipped, or throws InputError when strict.
// `category` ("" = the reason itself) is what tallies of skipped rows count it under.
void SkipRow(const LogReadOptions& options, LogReadResult* result, const SourceLocation& where,
             const std::string& reason, SkipKind kind = SkipKind::kOther,
             const std::string& category = "");

}  // namespace rightsize
