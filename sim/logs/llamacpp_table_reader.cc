// A published table of llama.cpp llama-bench results, one test per row (the XiongjieDai
// "GPU-Benchmarks-on-LLM-Inference" tables, data/runs/llamacpp-gpu-benchmarks-xiongjiedai/):
//   section, gpu ("3070 8GB", "M2 Ultra"), num_gpus, model ("LLaMA 3 8B"), quant (Q4_K_M, F16),
//   test (tg | pp), n_tokens, tokens_per_s (empty when the run failed), oom (True | False).
// A tg row is n_tokens decode steps at batch 1 after a 1-token prompt, priced at the mean
// position n_tokens / 2; a pp row is one prefill of n_tokens. llama.cpp runs one sequence, so
// batch = 1; activations and the KV cache are f16 (llama-bench's defaults on GPU backends).
// Skipped, each with its reason: out-of-memory rows, multi-GPU rows (llama.cpp's layer split
// over PCIe is not modelled), rows without a measurement, weight formats rightsize does not
// model, and the rows the dataset's PROVENANCE.md flags as a source measurement problem.
#include "sim/logs/readers.h"
#include "sim/util/csv.h"
#include "sim/util/strings.h"

namespace rightsize {

LogReadResult ReadLlamaCppTable(const std::string& path, const LogReadOptions& options) {
  const CsvTable t = CsvTable::Load(path);
  LogReadResult result;
  const Catalog& catalog = options.GetCatalog();
  for (const CsvRow& row : t.rows()) {
    if (ToLower(Trim(t.Cell(row, "oom"))) == "true") {
      SkipRow(options, &result, t.Where(row, "oom"),
              "out of memory in the benchmark (no measurement)");
      continue;
    }
    const std::string model_name = t.Cell(row, "model");
    const auto model_id = MapModelOrSkip(options, model_name, t.Where(row, "model"), &result);
    if (!model_id) continue;
    const std::string gpu = t.Cell(row, "gpu");
    const auto hardware = MapHardwareOrSkip(options, gpu, t.Where(row, "gpu"), &result);
    if (!hardware) continue;
    if (t.Integer(row, "num_gpus", 1, kMaxLogParallel) != 1) {
      SkipRow(options, &result, t.Where(row, "num_gpus"),
              "multi-GPU llama.cpp layer split over PCIe (not modelled)");
      continue;
    }
    const auto tokens_per_s = t.MaybeNumber(row, "tokens_per_s");
    if (!tokens_per_s || !(*tokens_per_s > 0)) {
      SkipRow(options, &result, t.Where(row, "tokens_per_s"), "no measurement");
      continue;
    }
    const std::string quant = t.Cell(row, "quant");
    const auto weights = PrecisionFromLogName(quant);
    if (!weights) {
      SkipRow(options, &result, t.Where(row, "quant"), "weight format " + quant + " not modelled");
      continue;
    }
    const std::string test = ToLower(Trim(t.Cell(row, "test")));
    // PROVENANCE.md of the dataset: F16 prompt processing on the A100 SXM and the L40S runs far
    // below the same GPU's Q4_K_M (unlike every other GPU), 600-1,300 tokens/s on an A100.
    const std::string gpu_lower = ToLower(Trim(gpu));
    if (test == "pp" && *weights == Precision::kFp16 &&
        (gpu_lower == "a100 sxm 80gb" || gpu_lower == "l40s 48gb")) {
      SkipRow(
          options, &result, t.Where(row, "tokens_per_s"),
          "A100 SXM / L40S F16 pp rows flagged in PROVENANCE.md as a source measurement problem");
      continue;
    }
    if (test != "tg" && test != "pp") {
      SkipRow(options, &result, t.Where(row, "test"), "unknown test " + test);
      continue;
    }
    const int64_t n = t.Integer(row, "n_tokens", 1, kMaxContextTokens - 1);
    Workload w;
    w.engine = options.engine.empty() ? "llama.cpp" : options.engine;
    w.weights = *weights;
    w.activations = Precision::kFp16;
    w.kv_cache = Precision::kFp16;
    w.batch = 1;
    Step step;
    if (test == "pp") {
      w.prompt_tokens = n;
      w.gen_tokens = 1;
      step = {Phase::kPrefill, 1, n, 0};
    } else {
      w.prompt_tokens = 1;
      w.gen_tokens = n;
      step = DecodeStep(w, n / 2);
    }
    Measurement m =
        MakeStepMeasurement(catalog.Model(*model_id), *hardware, w, step, MetricKind::kTokensPerS,
                            *tokens_per_s, t.Where(row, "tokens_per_s"));
    m.format = "llamacpp-table";
    m.label += " " + test + std::to_string(n) + " " + quant;
    result.measurements.push_back(std::move(m));
  }
  return result;
}

}  // namespace rightsize
