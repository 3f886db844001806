#include "sim/serve/replay.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/util/data_paths.h"
#include "sim/util/error.h"
#include "sim/util/file_io.h"
#include "sim/util/json_reader.h"
#include "sim/util/stats.h"
#include "sim/util/strings.h"
#include "sim/util/yaml_reader.h"

namespace rightsize {
namespace {

const char* const kMetricNames[] = {"TTFT Mean", "TTFT P90", "TPOT Mean", "Latency Mean"};

// Parsed by the strict reader (a syntax error or an out-of-range number names file:line).
nlohmann::json ReadJson(const std::string& path) { return JsonDocument::Load(path).Root().json(); }

const nlohmann::json& Key(const nlohmann::json& object, const std::string& key,
                          const std::string& file, const std::string& prefix) {
  if (!object.is_object() || !object.contains(key)) {
    throw InputError({file, 0, prefix + key}, "missing required key");
  }
  return object.at(key);
}

int64_t IntKey(const nlohmann::json& object, const std::string& key, const std::string& file,
               const std::string& prefix) {
  const nlohmann::json& v = Key(object, key, file, prefix);
  if (!v.is_number_integer() || v.get<int64_t>() < 0) {
    throw InputError({file, 0, prefix + key}, "expected a whole number >= 0, got " + v.dump());
  }
  return v.get<int64_t>();
}

// validation/summary.txt: "TTFT Mean   65456.6   65820.2   +0.6%" -> "TTFT Mean" -> 0.006 (the
// simulator's error) and 65.4566 s (the measured value).
void ReadSummary(const std::string& path, std::map<std::string, double>* errors,
                 std::map<std::string, double>* measured_s) {
  std::istringstream in(ReadTextFile(path));
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string word; words >> word;) w.push_back(word);
    if (w.size() != 5 || w[4].empty() || w[4].back() != '%') continue;
    const std::string name = w[0] + " " + w[1];
    try {
      (*errors)[name] = std::stod(w[4].substr(0, w[4].size() - 1)) / 100.0;
      (*measured_s)[name] = std::stod(w[2]) / 1000.0;  // milliseconds in the file
    } catch (...) {
      throw InputError({path, number, name}, "expected a number of ms and a signed percentage");
    }
  }
}

std::string StringKey(const nlohmann::json& object, const std::string& key, const std::string& file,
                      const std::string& prefix) {
  const nlohmann::json& v = Key(object, key, file, prefix);
  if (!v.is_string())
    throw InputError({file, 0, prefix + key}, "expected a string, got " + v.dump());
  return v.get<std::string>();
}

bool BoolKey(const nlohmann::json& object, const std::string& key, const std::string& file,
             const std::string& prefix) {
  const nlohmann::json& v = Key(object, key, file, prefix);
  if (!v.is_boolean())
    throw InputError({file, 0, prefix + key}, "expected true or false, got " + v.dump());
  return v.get<bool>();
}

Precision PrecisionOf(const std::string& dtype, const SourceLocation& where) {
  if (dtype == "bfloat16" || dtype == "auto") return Precision::kBf16;
  if (dtype == "float16") return Precision::kFp16;
  throw InputError(where, "unsupported dtype '" + dtype + "' (bfloat16, float16, auto)");
}

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? std::nan("") : s / static_cast<double>(v.size());
}

}  // namespace

std::string DefaultReplayDir() { return DataRoot() + "/data/runs/llmservingsim-vllm-validation"; }

std::vector<ReplayRun> LoadReplayRuns(const std::string& dataset_dir, const Catalog& catalog) {
  const std::string index = dataset_dir + "/runs.yaml";
  YamlReader root(LoadYamlFile(index), index);
  const YAML::Node list = root.Raw("runs");
  if (!list.IsSequence()) throw InputError(root.Where("runs"), "expected a list");
  root.RejectUnknownKeys();
  std::vector<ReplayRun> runs;
  for (std::size_t i = 0; i < list.size(); ++i) {
    YamlReader r(list[i], index, fmt::format("runs[{}]", i));
    ReplayRun run;
    run.name = r.RequiredString("dir");
    run.model_id = r.RequiredString("model");
    run.hardware_id = r.RequiredString("hardware");
    r.RejectUnknownKeys();
    run.dir = dataset_dir + "/" + run.name;

    const std::string meta_path = run.dir + "/vllm/meta.json";
    const nlohmann::json meta = ReadJson(meta_path);
    const nlohmann::json& kwargs = Key(meta, "engine_kwargs", meta_path, "");
    const std::string p = "engine_kwargs.";
    run.layout.parallel.tensor =
        static_cast<int>(IntKey(kwargs, "tensor_parallel_size", meta_path, p));
    run.layout.parallel.data = static_cast<int>(IntKey(kwargs, "data_parallel_size", meta_path, p));
    // vLLM's expert-parallel group is the DP x TP ranks; with TP inside each rank the experts
    // are split over the dp ranks here.
    const bool ep = BoolKey(kwargs, "enable_expert_parallel", meta_path, p);
    run.layout.parallel.expert = ep ? run.layout.parallel.data : 1;
    const std::string dtype = StringKey(kwargs, "dtype", meta_path, p);
    run.layout.weights = PrecisionOf(dtype, {meta_path, 0, p + "dtype"});
    run.layout.activations = run.layout.weights;
    run.layout.kv_cache = PrecisionOf(StringKey(kwargs, "kv_cache_dtype", meta_path, p),
                                      {meta_path, 0, p + "kv_cache_dtype"});

    run.engine =
        ResolveEngineConfig(FindEngineProfile("vllm-v1"), catalog.Hardware(run.hardware_id));
    run.engine.max_num_seqs = IntKey(kwargs, "max_num_seqs", meta_path, p);
    run.engine.max_num_batched_tokens = IntKey(kwargs, "max_num_batched_tokens", meta_path, p);
    if (meta.contains("kv_cache")) {
      const nlohmann::json& kv = meta.at("kv_cache");
      run.engine.block_size_tokens = IntKey(kv, "block_size", meta_path, "kv_cache.");
      run.engine.kv_cache_blocks = IntKey(kv, "num_gpu_blocks", meta_path, "kv_cache.");
      const nlohmann::json& util = Key(kv, "gpu_memory_utilization", meta_path, "kv_cache.");
      if (!util.is_number()) {
        throw InputError({meta_path, 0, "kv_cache.gpu_memory_utilization"}, "expected a number");
      }
      run.engine.memory_utilization = util.get<double>();
      run.engine.prefix_caching = BoolKey(kv, "enable_prefix_caching", meta_path, "kv_cache.");
    }
    run.requests = ReadRequestTrace(run.dir + "/vllm/requests.jsonl");
    run.measured = ReadMeasuredRequests(run.dir + "/vllm/requests.jsonl");
    ReadSummary(run.dir + "/validation/summary.txt", &run.llmservingsim_error,
                &run.published_measured_s);
    runs.push_back(std::move(run));
  }
  return runs;
}

ReplayComparison CompareReplay(const ReplayRun& run, const Catalog& catalog,
                               const EfficiencyParams& params) {
  ReplayComparison c;
  c.run = run.name;
  const ModelSpec& model = catalog.Model(run.model_id);
  const HardwareSpec& hw = catalog.Hardware(run.hardware_id);
  SimulationOptions options;
  options.source_file = run.dir + "/vllm/requests.jsonl";
  c.result = SimulateRequests(model, hw, run.layout, run.engine, SpeculativeConfig{}, run.requests,
                              params, options);
  std::vector<double> ttft, tpot, e2e;
  for (const MeasuredRequest& m : run.measured) {
    ttft.push_back(m.TtftS());
    tpot.push_back(m.TpotS());
    e2e.push_back(m.E2eS());
  }
  const double measured[] = {Mean(ttft), Quantile(ttft, 0.9), Mean(tpot), Mean(e2e)};
  const double simulated[] = {c.result.ttft.mean_s, c.result.ttft.p90_s, c.result.tpot.mean_s,
                              c.result.e2e.mean_s};
  for (int i = 0; i < 4; ++i) {
    ReplayMetric m;
    m.name = kMetricNames[i];
    m.measured_s = measured[i];
    m.simulated_s = c.result.feasible ? simulated[i] : std::nan("");
    m.error = m.simulated_s / m.measured_s - 1.0;
    const auto it = run.llmservingsim_error.find(m.name);
    m.llmservingsim_error = it == run.llmservingsim_error.end() ? std::nan("") : it->second;
    c.metrics.push_back(m);
  }
  return c;
}

EfficiencyParams FitHostOverheads(const std::vector<const ReplayRun*>& runs, const Catalog& catalog,
                                  const EfficiencyParams& params) {
  using P = EfficiencyParams;
  auto loss = [&](double step_s, double seq_s) {
    EfficiencyParams p = params;
    p[P::kStepOverhead_s] = step_s;
    p[P::kSequenceOverhead_s] = seq_s;
    double sum = 0.0;
    for (const ReplayRun* run : runs) {
      const ReplayComparison c = CompareReplay(*run, catalog, p);
      for (const ReplayMetric& m : c.metrics) {
        if (m.name == "TTFT Mean") continue;  // the fit uses TTFT P90, TPOT Mean, Latency Mean
        const double e = std::log(m.simulated_s / m.measured_s);
        sum += std::isfinite(e) ? e * e : 1e6;
      }
    }
    return sum;
  };
  // Coarse grid over the parameters' plausible ranges, then a finer one around the best point.
  std::vector<double> steps = {0.0, 2e-4, 5e-4, 1e-3, 2e-3, 4e-3, 8e-3};
  std::vector<double> seqs = {0.0, 1e-5, 2e-5, 4e-5, 6e-5, 9e-5, 1.3e-4, 2e-4, 3e-4};
  double best = std::numeric_limits<double>::infinity(), best_step = 0, best_seq = 0;
  auto search = [&](const std::vector<double>& a, const std::vector<double>& b) {
    for (double step_s : a) {
      for (double seq_s : b) {
        if (step_s < 0 || seq_s < 0 || seq_s > P::kUpperBounds[P::kSequenceOverhead_s]) continue;
        const double l = loss(step_s, seq_s);
        if (l < best) {
          best = l;
          best_step = step_s;
          best_seq = seq_s;
        }
      }
    }
  };
  search(steps, seqs);
  std::vector<double> fine_steps, fine_seqs;
  for (double f : {0.6, 0.8, 1.0, 1.25, 1.6}) {
    fine_steps.push_back(best_step > 0 ? best_step * f : (f - 0.6) * 2.5e-4);
    fine_seqs.push_back(best_seq > 0 ? best_seq * f : (f - 0.6) * 1.25e-5);
  }
  search(fine_steps, fine_seqs);
  EfficiencyParams out = params;
  out[P::kStepOverhead_s] = best_step;
  out[P::kSequenceOverhead_s] = best_seq;
  return out;
}

}  // namespace rightsize
