#include "sim/validate/validation.h"

#include <cmath>
#include <filesystem>
#include <limits>

#include <fmt/format.h>

#include "sim/cost/latency.h"
#include "sim/fit/calibrator.h"
#include "sim/logs/readers.h"
#include "sim/util/data_paths.h"
#include "sim/util/error.h"
#include "sim/util/stats.h"

namespace rightsize {
namespace {

namespace fs = std::filesystem;

// Shared bookkeeping of one dataset.
class DatasetRun {
 public:
  DatasetRun(std::string name, std::string metric, const Catalog& catalog, ValidationResult* out)
      : catalog_(catalog), out_(out) {
    summary_.dataset = std::move(name);
    summary_.metric = std::move(metric);
  }
  ~DatasetRun() = default;

  // Looks up model and hardware, counting misses; nullptrs when either is missing.
  bool Resolve(const std::string& model_name, const std::string& hw_name, const ModelSpec** m,
               const HardwareSpec** hw) {
    *m = catalog_.MatchModel(model_name);
    *hw = catalog_.MatchHardware(hw_name);
    if (!*m) {
      ++summary_.unknown_model;
      return false;
    }
    if (!*hw) {
      ++summary_.unknown_hardware;
      return false;
    }
    return true;
  }
  void Skip(const std::string& reason) { ++summary_.skipped[reason]; }
  // A row a log reader could not map: unknown model / device, or skipped under its category.
  void SkipUnmapped(const SkippedRow& skipped) {
    switch (skipped.kind) {
      case SkipKind::kUnknownModel:
        ++summary_.unknown_model;
        break;
      case SkipKind::kUnknownHardware:
        ++summary_.unknown_hardware;
        break;
      case SkipKind::kOther:
        Skip(skipped.category);
        break;
    }
  }
  void Row() { ++summary_.rows; }
  // Checks feasibility (memory, link) before timing; counts the reason when infeasible.
  bool Feasible(const ModelSpec& m, const HardwareSpec& hw, const Workload& w) {
    const std::string why = InfeasibleReason(m, hw, w);
    if (why.empty()) return true;
    Skip(why.find("out of memory") != std::string::npos ? "rightsize predicts out of memory"
         : why.find("link") != std::string::npos        ? "device has no link in the catalogue"
                                                        : "layout not supported: " + why);
    return false;
  }
  void Add(const std::string& file, int line, const ModelSpec& m, const HardwareSpec& hw,
           const std::string& metric, const std::string& setup, double measured, double predicted) {
    ValidationPoint p{summary_.dataset, file,  line,     m.id,     hw.id,
                      metric,           setup, measured, predicted};
    out_->points.push_back(p);
    apes_.push_back(p.Ape());
    ++summary_.used;
  }
  void Finish() {
    const double none = std::numeric_limits<double>::quiet_NaN();
    summary_.median_ape = apes_.empty() ? none : Quantile(apes_, 0.5);
    summary_.p90_ape = apes_.empty() ? none : Quantile(apes_, 0.9);
    out_->datasets.push_back(summary_);
  }

 private:
  const Catalog& catalog_;
  ValidationResult* out_;
  DatasetSummary summary_;
  std::vector<double> apes_;
};

// A dataset a log reader maps (sim/logs/readers.h), scored on exactly the points `rightsize
// calibrate` fits: ML.ENERGY (the mean decode step at the running batch, per-task assumed
// prompts), optimum-benchmark and llama.cpp (a prefill and a mean decode step per row), and the
// Megatron training steps (scored in the log's own per-device rate). Rows the reader
// cannot map count as unknown model / hardware or as skipped with the reader's reason; a row
// whose configuration rightsize predicts out of memory is skipped once, with all its points.
using LogReaderFn = LogReadResult (*)(const std::string&, const LogReadOptions&);

void ValidateWithReader(const std::string& dataset, const std::string& metric,
                        const std::string& dir, const std::vector<std::string>& files,
                        LogReaderFn read_log, const Catalog& catalog,
                        const DeviceEfficiencyParams& params, ValidationResult* out) {
  DatasetRun run(dataset, metric, catalog, out);
  const LogReadOptions options(catalog);
  for (const std::string& file : files) {
    const LogReadResult read = read_log(dir + "/" + file, options);
    for (const SkippedRow& skipped : read.skipped) {
      run.Row();
      run.SkipUnmapped(skipped);
    }
    int row_line = -1;
    bool row_feasible = false;
    for (const Measurement& m : read.measurements) {
      const auto log_model = read.log_models.find(m.model_id);
      const ModelSpec& model =
          log_model != read.log_models.end() ? log_model->second : catalog.Model(m.model_id);
      const HardwareSpec& hw = catalog.Hardware(m.hardware_id);
      if (m.where.line != row_line) {  // the first point of a source row
        row_line = m.where.line;
        run.Row();
        row_feasible = run.Feasible(model, hw, m.workload);
      }
      if (!row_feasible) continue;
      const double predicted_s = PredictStepTime_s(
          m.ops, ResolveRates(hw, m.workload, m.pipeline_microbatches), params.For(hw.id).data());
      const std::string file_label = dataset + "/" + file;
      if (m.step.phase == Phase::kTrainStep) {  // scored in the log's own unit, per device
        run.Add(file_label, m.where.line, model, hw, ToString(m.metric), m.label, m.value,
                m.MetricAt(predicted_s));
        continue;
      }
      run.Add(file_label, m.where.line, model, hw,
              m.step.phase == Phase::kPrefill ? "prefill_s" : "decode_step_s",
              fmt::format("batch {} tp {} {}", m.step.batch, m.workload.parallel.tensor,
                          ToString(m.workload.weights)),
              m.interval_time_s, predicted_s);
    }
  }
  run.Finish();
}

}  // namespace

double ValidationPoint::Ape() const { return std::abs(predicted - measured) / measured; }

std::vector<std::string> ValidationDatasets() {
  return {"ml-energy-leaderboard-v2",         "ml-energy-leaderboard-v3",
          "optimum-benchmark-running-llamas", "llamacpp-gpu-benchmarks-xiongjiedai",
          "megatron-bridge-training-perf",    "megatron-lm-training-mfu"};
}

std::string DefaultRunsDir() { return DataRoot() + "/data/runs"; }

ValidationResult Validate(const std::string& runs_dir, const Catalog& catalog,
                          const DeviceEfficiencyParams& params,
                          const std::vector<std::string>& datasets) {
  ValidationResult result;
  for (const auto& name : datasets) {
    const std::string dir = runs_dir + "/" + name;
    std::error_code error;
    if (!fs::is_directory(dir, error)) {
      throw InputError({dir, 0, "dataset"}, "no such dataset folder");
    }
    if (name == "ml-energy-leaderboard-v2") {
      ValidateWithReader(name, "decode_step_s", dir, {"llm_runs.csv"}, ReadMlEnergyCsv, catalog,
                         params, &result);
    } else if (name == "ml-energy-leaderboard-v3") {
      ValidateWithReader(name, "decode_step_s", dir, {"llm_configurations.csv"}, ReadMlEnergyCsv,
                         catalog, params, &result);
    } else if (name == "optimum-benchmark-running-llamas") {
      ValidateWithReader(
          name, "prefill_s+decode_step_s", dir,
          {"Llama-7b/short_report.csv", "Llama-13b/short_report.csv", "Llama-65b/short_report.csv"},
          ReadOptimumCsv, catalog, params, &result);
    } else if (name == "llamacpp-gpu-benchmarks-xiongjiedai") {
      ValidateWithReader(name, "prefill_s+decode_step_s", dir, {"llama3_llamacpp_bench.csv"},
                         ReadLlamaCppTable, catalog, params, &result);
    } else if (name == "megatron-bridge-training-perf") {
      ValidateWithReader(name, ToString(MetricKind::kTrainTokensPerSPerDevice), dir,
                         {"training_perf.csv"}, ReadMegatronBridgeCsv, catalog, params, &result);
    } else if (name == "megatron-lm-training-mfu") {
      ValidateWithReader(name, ToString(MetricKind::kTrainModelFlopsPerSPerDevice), dir,
                         {"h100_weak_scaling_mcore_r0.8.csv"}, ReadMegatronLmCsv, catalog, params,
                         &result);
    } else {
      throw InputError({"", 0, "--dataset"}, "unknown validation dataset '" + name + "'");
    }
  }
  return result;
}

nlohmann::json ToJson(const DatasetSummary& s) {
  auto num = [](double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
  };
  std::string skipped;
  int skipped_total = 0;
  for (const auto& [reason, n] : s.skipped) {
    skipped += (skipped.empty() ? "" : "; ") + fmt::format("{} x {}", n, reason);
    skipped_total += n;
  }
  return {{"dataset", s.dataset},
          {"metric", s.metric},
          {"rows", s.rows},
          {"used", s.used},
          {"unknown_model", s.unknown_model},
          {"unknown_hardware", s.unknown_hardware},
          {"skipped", skipped_total},
          {"median_ape", num(s.median_ape)},
          {"p90_ape", num(s.p90_ape)},
          {"skipped_reasons", skipped}};
}

nlohmann::json ToJson(const ValidationPoint& p) {
  return {{"dataset", p.dataset},
          {"file", p.file},
          {"line", p.line},
          {"model", p.model_id},
          {"hardware", p.hardware_id},
          {"metric", p.metric},
          {"setup", p.setup},
          {"measured", p.measured},
          {"predicted", p.predicted},
          {"ape", p.Ape()}};
}

}  // namespace rightsize
