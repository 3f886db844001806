// Format detection and dispatch: the header or first key of a file tells its format, so
// `rightsize calibrate` can take a mixed list of logs without --format.
#include <filesystem>
#include <fstream>

#include "sim/logs/readers.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

std::string Head(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError({path, 0, ""}, "is a folder; expected a log file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError({path, 0, ""}, "cannot open the log file");
  std::string head(8192, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return head;
}

bool Contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

}  // namespace

std::vector<std::string> LogFormatNames() {
  return {"canonical",   "vidur",           "ml-energy",      "optimum",
          "llama-bench", "llamacpp-table",  "vllm",           "sglang",
          "llmperf",     "genai-perf",      "genai-perf-csv", "vllm-throughput",
          "mlperf",      "megatron-bridge", "megatron-lm"};
}

namespace {

// One format's content test: the format's name, whether the file's head matches, and, when it
// does not, what was looked for (for the error that lists every format tried).
struct FormatTest {
  const char* name;
  bool (*matches)(const std::string& head, const std::string& first_line, bool json);
  const char* looked_for;
};

// JSON logs (llama-bench -o json / jsonl, vLLM --save-result, SGLang JSONL, llmperf and
// GenAI-Perf summaries) are told apart from CSV and text first: vLLM writes one line, which a
// header test would read as a CSV header, and its `median_itl_ms` key is also an ML.ENERGY v3
// column. SGLang's result has every key vLLM's test looks for, so it is tested first, by a key
// only SGLang writes.
const FormatTest kFormatTests[] = {
    {"canonical",
     [](const std::string&, const std::string& line, bool json) {
       return !json && Contains(line, "metric") && Contains(line, "op_kind");
     },
     "a CSV header with `metric` and `op_kind` columns"},
    {"vidur",
     [](const std::string&, const std::string& line, bool json) {
       return !json && Contains(line, "num_tensor_parallel_workers");
     },
     "a CSV header with a `num_tensor_parallel_workers` column"},
    {"ml-energy",
     [](const std::string&, const std::string& line, bool json) {
       return !json && (Contains(line, "Avg TPOT (s)") || Contains(line, "median_itl_ms"));
     },
     "a CSV header with `Avg TPOT (s)` (v2) or `median_itl_ms` (v3)"},
    {"optimum",
     [](const std::string&, const std::string& line, bool json) {
       return !json && Contains(line, "Prefill Latency (s)");
     },
     "a CSV header with `Prefill Latency (s)`"},
    {"llama-bench",
     [](const std::string& head, const std::string&, bool) {
       return Contains(head, "avg_ts") && Contains(head, "n_prompt");
     },
     "`avg_ts` and `n_prompt` (llama-bench -o csv, json or jsonl)"},
    {"llamacpp-table",
     [](const std::string&, const std::string& line, bool json) {
       return !json && Contains(line, "tokens_per_s") && Contains(line, "quant") &&
              Contains(line, "n_tokens");
     },
     "a CSV header with `quant`, `n_tokens` and `tokens_per_s` (a table of llama-bench results)"},
    {"sglang",
     [](const std::string& head, const std::string&, bool json) {
       return json && Contains(head, "\"total_output_tokens_retokenized\"");
     },
     "a JSON line with `total_output_tokens_retokenized` (sglang.bench_serving --output-file)"},
    {"llmperf",
     [](const std::string& head, const std::string&, bool json) {
       return json && Contains(head, "\"results_ttft_s_") &&
              Contains(head, "\"num_concurrent_requests\"");
     },
     "a JSON object with `results_ttft_s_*` and `num_concurrent_requests` (llmperf "
     "_summary.json)"},
    {"genai-perf",
     [](const std::string& head, const std::string&, bool json) {
       return json && Contains(head, "\"inter_token_latency\"") &&
              Contains(head, "\"output_token_throughput\"");
     },
     "a JSON object with `inter_token_latency` and `output_token_throughput` statistics "
     "(profile_export_genai_perf.json, or AIPerf's profile_export_aiperf.json)"},
    {"genai-perf-csv",
     [](const std::string& head, const std::string& line, bool json) {
       return !json && line.rfind("Metric,", 0) == 0 && Contains(line, "p50") &&
              (Contains(head, "Inter Token Latency") || Contains(head, "Time To First Token") ||
               Contains(head, "Time to First Token"));
     },
     "a CSV whose first row is `Metric,avg,...,p50,...` with `Inter Token Latency` or `Time To "
     "First Token` rows (GenAI-Perf's profile_export_genai_perf.csv, AIPerf's "
     "profile_export_aiperf.csv)"},
    {"vllm-throughput",
     [](const std::string& head, const std::string&, bool json) {
       return json && Contains(head, "\"elapsed_time\"") &&
              Contains(head, "\"total_num_tokens\"") && Contains(head, "\"requests_per_second\"");
     },
     "a JSON object with `elapsed_time`, `total_num_tokens` and `requests_per_second` (vllm bench "
     "throughput --output-json)"},
    {"vllm",
     [](const std::string& head, const std::string&, bool json) {
       return json &&
              (Contains(head, "\"median_tpot_ms\"") || Contains(head, "\"median_ttft_ms\"") ||
               (Contains(head, "\"backend\"") && Contains(head, "\"completed\"")));
     },
     "a JSON object with `median_ttft_ms` / `median_tpot_ms`, or `backend` and `completed` "
     "(vllm bench serve --save-result)"},
    {"llama-bench",
     [](const std::string& head, const std::string& line, bool json) {
       return !json && Trim(line).rfind('|', 0) == 0 && Contains(line, " test ") &&
              Contains(line, " t/s ") && Contains(head, "---");
     },
     "a markdown table with `test` and `t/s` columns (llama-bench's default output)"},
    {"mlperf",
     [](const std::string& head, const std::string&, bool) {
       return Contains(head, "MLPerf Results Summary");
     },
     "an `MLPerf Results Summary` banner (mlperf_log_summary.txt)"},
    {"megatron-bridge",
     [](const std::string&, const std::string& line, bool json) {
       return !json && Contains(line, "tokens_per_sec_per_gpu_primary");
     },
     "a CSV header with `tokens_per_sec_per_gpu_primary` (the Megatron-Bridge performance "
     "summary)"},
    {"megatron-lm",
     [](const std::string&, const std::string& line, bool json) {
       return !json && Contains(line, "per_gpu_tflops") && Contains(line, "tensor_mp_size");
     },
     "a CSV header with `per_gpu_tflops` and `tensor_mp_size` (a Megatron-LM scaling table)"},
};

}  // namespace

std::string DetectLogFormat(const std::string& path) {
  const std::string head = Head(path);
  const std::string first_line = head.substr(0, head.find('\n'));
  const size_t start = head.find_first_not_of(" \t\r\n");
  const bool json = start != std::string::npos && (head[start] == '{' || head[start] == '[');
  std::string tried;
  for (const FormatTest& test : kFormatTests) {
    if (test.matches(head, first_line, json)) return test.name;
    tried += std::string(tried.empty() ? "" : "; ") + test.name + ": no " + test.looked_for;
  }
  throw InputError({path, 1, ""}, std::string("unrecognised log format (the file starts as ") +
                                      (json ? "JSON" : "text") + "); tried " + tried +
                                      ". Pass --input-format NAME to force one");
}

LogReadResult ReadLog(const std::string& path, const std::string& format,
                      const LogReadOptions& options) {
  const std::string f = format.empty() ? DetectLogFormat(path) : format;
  if (f == "canonical") return ReadCanonicalCsv(path, options);
  if (f == "vidur") return ReadVidurCsv(path, options);
  if (f == "ml-energy") return ReadMlEnergyCsv(path, options);
  if (f == "optimum") return ReadOptimumCsv(path, options);
  if (f == "llama-bench") return ReadLlamaBench(path, options);
  if (f == "llamacpp-table") return ReadLlamaCppTable(path, options);
  if (f == "vllm") return ReadVllmServingJson(path, options);
  if (f == "sglang") return ReadSglangBenchServing(path, options);
  if (f == "llmperf") return ReadLlmperfSummary(path, options);
  if (f == "genai-perf") return ReadGenaiPerfJson(path, options);
  if (f == "genai-perf-csv") return ReadGenaiPerfCsv(path, options);
  if (f == "vllm-throughput") return ReadVllmThroughputJson(path, options);
  if (f == "mlperf") return ReadMlperfSummary(path, options);
  if (f == "megatron-bridge") return ReadMegatronBridgeCsv(path, options);
  if (f == "megatron-lm") return ReadMegatronLmCsv(path, options);
  throw InputError({"", 0, "--input-format"},
                   "unknown log format '" + f + "'; " + DidYouMean(f, LogFormatNames()));
}

}  // namespace rightsize
