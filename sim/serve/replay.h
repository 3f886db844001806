// Replay of measured serving runs: the same requests at the same arrival times through the
// simulator with the run's engine settings, compared per metric with what the engine measured.
// The runs are LLMServingSim's vLLM validation runs (data/runs/llmservingsim-vllm-validation:
// runs.yaml maps each run folder to catalogue ids; vllm/requests.jsonl, vllm/meta.json and
// validation/summary.txt are read as published).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sim/serve/simulator.h"
#include "sim/serve/trace_reader.h"
#include "sim/spec/catalog.h"

namespace rightsize {

struct ReplayRun {
  std::string name;  // the run's folder, e.g. "RTX4090/Llama-3.1-8B"
  std::string dir;   // absolute path
  std::string model_id;
  std::string hardware_id;
  Workload layout;      // precisions and parallelism from meta.json
  EngineConfig engine;  // vllm-v1 resolved for the device, then meta.json's settings
  std::vector<ServeRequest> requests;
  std::vector<MeasuredRequest> measured;
  // LLMServingSim's published signed error per metric ("TTFT Mean" -> +0.006), from the Diff%
  // column of validation/summary.txt.
  std::map<std::string, double> llmservingsim_error;
  // The measured value summary.txt publishes per metric (its "vLLM" column), seconds.
  std::map<std::string, double> published_measured_s;
};

// dataset_dir: the folder holding runs.yaml. Every file is read strictly (file:line: key errors);
// the runs' devices are looked up in `catalog` (their engine limits come from the device).
std::vector<ReplayRun> LoadReplayRuns(const std::string& dataset_dir, const Catalog& catalog);
std::string DefaultReplayDir();  // <data folder>/data/runs/llmservingsim-vllm-validation

struct ReplayMetric {
  std::string name;         // "TTFT Mean", "TTFT P90", "TPOT Mean", "Latency Mean" (summary.txt)
  double measured_s = 0.0;  // from requests.jsonl, the repository's definitions
  double simulated_s = 0.0;
  double error = 0.0;                // simulated / measured - 1
  double llmservingsim_error = 0.0;  // their simulator's signed error (NaN if not published)
};

struct ReplayComparison {
  std::string run;
  ServingSimResult result;
  std::vector<ReplayMetric> metrics;
};

// Simulates one run with `params` (the engine's host overheads are NOT applied here: pass
// WithEngineOverheads(params, run.engine) for the profile's priors, or fitted values).
ReplayComparison CompareReplay(const ReplayRun& run, const Catalog& catalog,
                               const EfficiencyParams& params);

// The host-overhead parameters (step_overhead_s, sequence_overhead_s) that minimise the summed
// squared log error of TPOT mean, latency mean and TTFT p90 over `runs`, the other parameters
// held at `params` (a grid, then a finer grid around its best point). For a leave-one-run-out
// estimate pass every run but the one predicted.
EfficiencyParams FitHostOverheads(const std::vector<const ReplayRun*>& runs, const Catalog& catalog,
                                  const EfficiencyParams& params);

}  // namespace rightsize
