// One reader per benchmark-log format, each in its own .cc, all returning LogReadResult.
// Formats and what they map to (the column meanings are in each .cc and in docs/calibration.md):
//
//  canonical   rightsize's own CSV (below); what `rightsize measure` writes.
//  vidur       Vidur operator profiles (mlp.csv / mlp_medians_all.csv): per-layer GEMM times.
//  ml-energy   ML.ENERGY leaderboard v2 (llm_runs.csv) and v3 (llm_configurations.csv) rows:
//              decode inter-token latency at a measured running batch.
//  optimum     optimum-benchmark short_report.csv: prefill and decode latency vs batch.
//  llama-bench llama.cpp's llama-bench output, -o csv / json / jsonl, old (2024, no n_depth) and
//              new (n_depth, backends) schemas: pp (prefill) and tg (decode) tokens per second.
//  llamacpp-table  a published table of llama-bench results, one test per row (section, gpu,
//              num_gpus, model, quant, test, n_tokens, tokens_per_s, oom): pp and tg tokens/s.
//  vllm        vLLM benchmarks/benchmark_serving.py --save-result JSON: median TTFT and TPOT.
//  sglang      SGLang bench_serving --output-file JSONL, one run per line: median TTFT and TPOT.
//  llmperf     Ray llmperf token_benchmark_ray.py <name>_summary.json: p50 TTFT, mean TPOT.
//  genai-perf  NVIDIA GenAI-Perf profile_export_genai_perf.json, or AIPerf's
//              profile_export_aiperf.json: p50 TTFT and inter-token latency.
//  vllm-throughput  vllm bench throughput --output-json: read, reported as skipped (an offline
//              batch's whole-run tokens/s is not one step).
//  (the serving formats share one mapping to rows: ServingRunRows, sim/logs/serving_run.h)
//  mlperf      MLPerf Inference LoadGen mlperf_log_summary.txt (LLM, Server scenario): p50 TPOT at
//              the running batch from Little's law, p50 TTFT when one request is in flight.
//  megatron-bridge  the Megatron-Bridge performance summary: training tokens/s per GPU of a
//              step (model, System, #-GPUs, TP, PP, GBS, MBS, ...), dense models.
//  megatron-lm the Megatron-LM scaling table: training model TFLOP/s per GPU of GPT models given
//              by their shapes (the models are returned in LogReadResult::log_models).
#pragma once

#include <string>
#include <vector>

#include "sim/logs/measurement.h"

namespace rightsize {

// Canonical CSV, one measurement per row. Columns (header required, order free, unknown columns
// are an error so a typo is not ignored):
//   model        catalogue id or a path to a model YAML / HF config.json; empty for op rows
//   hardware     catalogue id (or the id of the hardware YAML passed with the log)
//   engine       free text ("eigen", "vllm-0.6.3"), may be empty
//   phase        prefill | decode | op
//   batch        sequences in the step, >= 1
//   past_tokens  tokens already in each sequence's KV cache, >= 0
//   new_tokens   tokens each sequence adds in this step, >= 1
//   weights, activations, kv_cache   precision names (bf16, fp16, fp32, int4, q4_k_m, ...)
//   tensor_parallel   TP degree >= 1
//   metric       step_time_s | ttft_s | tpot_s | tokens_per_s | op_time_s
//   value        the measurement in SI units (seconds or tokens per second), finite, > 0
//   op_kind      op rows only: matmul | attention | elementwise
//   op_flops, op_bytes_read, op_bytes_written   op rows only: FLOPs and bytes of the op, >= 0
//   label        free text (may be empty)
extern const std::vector<std::string> kCanonicalColumns;
LogReadResult ReadCanonicalCsv(const std::string& path, const LogReadOptions& options);
LogReadResult ParseCanonicalCsv(const std::string& text, const std::string& file_label,
                                const LogReadOptions& options);
// One CSV line (with its newline) per measurement, header first; round-trips through
// ReadCanonicalCsv.
std::string CanonicalCsvHeader();
std::string CanonicalCsvRow(const Measurement& m);

LogReadResult ReadVidurCsv(const std::string& path, const LogReadOptions& options);
LogReadResult ReadMlEnergyCsv(const std::string& path, const LogReadOptions& options);
LogReadResult ReadOptimumCsv(const std::string& path, const LogReadOptions& options);
LogReadResult ReadLlamaBench(const std::string& path, const LogReadOptions& options);
LogReadResult ReadLlamaCppTable(const std::string& path, const LogReadOptions& options);
LogReadResult ReadMegatronBridgeCsv(const std::string& path, const LogReadOptions& options);
LogReadResult ReadMegatronLmCsv(const std::string& path, const LogReadOptions& options);
LogReadResult ReadVllmServingJson(const std::string& path, const LogReadOptions& options);
// Need options.model_id and hardware_id (the results name neither).
LogReadResult ReadSglangBenchServing(const std::string& path, const LogReadOptions& options);
// Need options.hardware_id (the summary and the export do not name the GPU).
LogReadResult ReadLlmperfSummary(const std::string& path, const LogReadOptions& options);
LogReadResult ReadGenaiPerfJson(const std::string& path, const LogReadOptions& options);
// GenAI-Perf's and AIPerf's CSV exports (profile_export_genai_perf.csv, profile_export_aiperf.csv);
// the model and the load come from the artifact folder's name (ParseGenaiPerfArtifactName).
LogReadResult ReadGenaiPerfCsv(const std::string& path, const LogReadOptions& options);
// What GenAI-Perf and AIPerf write into an artifact folder's name,
// `{model}-{service kind}-{endpoint type or backend}-{stimulus}`: the model (its '/' written as
// '_'), the Triton backend (for `triton-{backend}`), `concurrency{N}` and `request_rate{R}`.
struct GenaiPerfArtifactName {
  bool matched = false;  // the name has a service kind (openai, triton, tensorrtllm_engine, dynamo)
  std::string model;
  std::string engine;         // the Triton backend; "" otherwise
  int64_t concurrency = 0;    // 0: none in the name
  double requests_per_s = 0;  // 0: none in the name
};
GenaiPerfArtifactName ParseGenaiPerfArtifactName(const std::string& folder);
LogReadResult ReadVllmThroughputJson(const std::string& path, const LogReadOptions& options);
// Needs options.model_id, hardware_id and prompt_tokens (the summary states none of them).
LogReadResult ReadMlperfSummary(const std::string& path, const LogReadOptions& options);

// Format names accepted by --format.
std::vector<std::string> LogFormatNames();
// Guesses the format from the file's first bytes (header columns, JSON keys, MLPerf banner).
// Throws InputError naming the file when no reader recognises it.
std::string DetectLogFormat(const std::string& path);
// Reads a log with the named format ("" = DetectLogFormat).
LogReadResult ReadLog(const std::string& path, const std::string& format,
                      const LogReadOptions& options);

}  // namespace rightsize
