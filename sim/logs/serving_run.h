// One serving-benchmark run (vLLM benchmark_serving, SGLang bench_serving, Ray llmperf, NVIDIA
// GenAI-Perf) as the readers of those formats see it once they have pulled its numbers out: the
// model, the mean request shape, the running batch and the median latencies. ServingRunRows
// turns it into measurement rows the same way for every format, so the formats differ only in
// where their numbers sit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sim/logs/measurement.h"
#include "sim/util/json_reader.h"

namespace rightsize {

struct ServingRun {
  std::string format;      // reader name ("sglang", "llmperf", ...), stored in Measurement::format
  std::string engine;      // serving engine as the log names it; LogReadOptions::engine overrides
  std::string model_name;  // as the log names it ("" when it names none: --model is needed)
  SourceLocation model_where;
  double mean_input_tokens = 0;  // prompt tokens per completed request, > 0
  SourceLocation input_where;
  double mean_output_tokens = 0;  // generated tokens per completed request, > 0
  SourceLocation output_where;
  // Sequences decoding together: the closed-loop concurrency of the run, or a measured mean of
  // requests in flight; 0 = unknown (an open-loop request rate), with the reason in
  // `no_batch_reason` ("no max_concurrency: ...").
  int64_t running_batch = 0;
  std::string no_batch_reason;
  // The arrival process and concurrency limit, when the log states them (vLLM and SGLang do):
  // its rows are then predicted by simulating the run (Measurement::serving_load).
  std::optional<ServingLoad> load;
  // Median time per output token after the first and median time to first token, seconds;
  // nullopt when the log lacks them (with the reason in *_missing). 0 means the run did not
  // stream tokens (the tools write 0 then) and is skipped with that reason.
  std::optional<double> tpot_s;
  SourceLocation tpot_where;
  std::string tpot_missing;
  std::optional<double> ttft_s;
  SourceLocation ttft_where;
  std::string ttft_missing;
  // Generated tokens per second over the run (vLLM and SGLang `output_throughput`); read only as
  // a serving-level row of a run whose load sets its pace (clients, or every request at t = 0).
  std::optional<double> output_tokens_per_s;
  SourceLocation output_rate_where;
};

// The request totals vLLM's benchmark_serving.py result writes, and SGLang's bench_serving copies:
// completed (> 0), total_input_tokens and total_output_tokens, as the run's mean request shape,
// and output_throughput when present.
void ReadRequestTotals(const JsonValue& run_json, ServingRun* run);

// The load of a vLLM benchmark_serving or SGLang bench_serving run from the keys both write:
// request_rate (a number, "inf", or null for Python's Infinity), burstiness (vLLM; 1 when
// absent), max_concurrency (null: none) and completed. nullopt when the run names no
// request_rate, or both a finite rate and a concurrency limit (the simulator takes one or the
// other: an open-loop rate, or closed-loop clients).
std::optional<ServingLoad> ReadServingLoad(const JsonValue& run_json);

// Appends the run's rows to `result`:
//  - TPOT -> one decode step of running_batch sequences at the mean context (mean input + half
//    the mean output); skipped with no_batch_reason when the batch is unknown and the run
//    states no load.
//  - TTFT -> one prefill of the mean input when one request was in flight at a time. With more,
//    TTFT includes queueing and batching that one step does not describe: the row is kept only
//    when the run states its load, as a serving-level row.
//  - output throughput -> a serving-level row (metric tokens_per_s over the decode step of the
//    running batch) of a closed-loop run or one with every request at t = 0; an open-loop run
//    below saturation paces its throughput by its arrival rate, which says nothing of the
//    device.
// A run with a load and more than one request in flight gives serving-level rows
// (Measurement::serving_load set): the simulator, not the step, predicts them.
// The precision is the model's bf16 (none of these formats states it); the device is
// LogReadOptions::hardware_id, required (InputError naming `path`: these tools do not record
// the GPU). A model the catalogue lacks is a skipped row (SkipKind::kUnknownModel).
void ServingRunRows(const ServingRun& run, const std::string& path, const LogReadOptions& options,
                    LogReadResult* result);

// Python's json module writes NaN, Infinity and -Infinity for non-finite floats (SGLang's
// request_rate of inf, llmperf's stddev of one sample); strict JSON has no such tokens. Returns
// `text` with each of them outside strings replaced by null (same lines, so file:line holds).
std::string NullForPythonNonFinite(const std::string& text);

}  // namespace rightsize
