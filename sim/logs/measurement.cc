#include "sim/logs/measurement.h"

#include <cmath>
#include <map>
#include <utility>

#include "sim/util/strings.h"

namespace rightsize {

std::string ToString(MetricKind metric) {
  switch (metric) {
    case MetricKind::kStepTime:
      return "step_time_s";
    case MetricKind::kTtft:
      return "ttft_s";
    case MetricKind::kTpot:
      return "tpot_s";
    case MetricKind::kTokensPerS:
      return "tokens_per_s";
    case MetricKind::kOpTime:
      return "op_time_s";
    case MetricKind::kTrainTokensPerSPerDevice:
      return "train_tokens_per_s_per_device";
    case MetricKind::kTrainModelFlopsPerSPerDevice:
      return "train_model_flops_per_s_per_device";
  }
  return "?";
}

MetricKind ParseMetricKind(const std::string& text, const SourceLocation& where) {
  for (MetricKind m : {MetricKind::kStepTime, MetricKind::kTtft, MetricKind::kTpot,
                       MetricKind::kTokensPerS, MetricKind::kOpTime}) {
    if (ToString(m) == Trim(text)) return m;
  }
  throw InputError(where, "unknown metric '" + text +
                              "' (step_time_s, ttft_s, tpot_s, tokens_per_s, op_time_s)");
}

std::string Measurement::Group() const { return hardware_id + "/" + engine; }

double Measurement::MetricAt(double interval_s) const {
  switch (metric) {
    case MetricKind::kTokensPerS:
      return static_cast<double>(step.batch * step.new_tokens) / interval_s;
    case MetricKind::kTrainTokensPerSPerDevice:
    case MetricKind::kTrainModelFlopsPerSPerDevice:
      return work_per_interval / (interval_s * devices_per_interval);
    default:
      return interval_s;
  }
}

void LogReadResult::Append(LogReadResult other) {
  for (auto& m : other.measurements) measurements.push_back(std::move(m));
  for (auto& s : other.skipped) skipped.push_back(std::move(s));
  log_models.merge(other.log_models);
}

const Catalog& LogReadOptions::GetCatalog() const { return *catalog; }

const HardwareSpec* LogReadOptions::FindHardware(const std::string& id) const {
  if (auto it = extra_hardware.find(id); it != extra_hardware.end()) return &it->second;
  const auto& known = GetCatalog().hardware();
  if (auto it = known.find(id); it != known.end()) return &it->second;
  return nullptr;
}

std::optional<std::string> LogReadOptions::MapHardware(const std::string& name_in_log) const {
  if (!hardware_id.empty()) {
    if (FindHardware(hardware_id) == nullptr) {
      GetCatalog().Hardware(hardware_id);  // throws UnknownIdError with close matches
    }
    return hardware_id;
  }
  if (extra_hardware.count(Trim(name_in_log))) return Trim(name_in_log);
  const HardwareSpec* match = GetCatalog().MatchHardware(name_in_log);
  return match ? std::optional<std::string>(match->id) : std::nullopt;
}

std::optional<std::string> LogReadOptions::MapModel(const std::string& name_in_log) const {
  if (!model_id.empty()) {
    GetCatalog().Model(model_id);  // throws UnknownIdError with close matches
    return model_id;
  }
  const ModelSpec* match = GetCatalog().MatchModel(name_in_log);
  return match ? std::optional<std::string>(match->id) : std::nullopt;
}

void RequirePositive(double value, const SourceLocation& where, const std::string& what) {
  if (!std::isfinite(value)) throw InputError(where, what + " is not a finite number");
  if (value <= 0.0) {
    throw InputError(where, what + " must be > 0, got " + std::to_string(value));
  }
}

double IntervalTimeFromMetric(MetricKind metric, double value, const Step& step) {
  if (metric == MetricKind::kTokensPerS) {
    return static_cast<double>(step.batch * step.new_tokens) / value;
  }
  return value;
}

Measurement MakeStepMeasurement(const ModelSpec& model, const std::string& hardware_id,
                                const Workload& workload, const Step& step, MetricKind metric,
                                double value, const SourceLocation& where) {
  RequirePositive(value, where, ToString(metric));
  std::string why;
  if (!Validate(workload, &why)) throw InputError(where, "workload: " + why);
  Measurement m;
  m.where = where;
  m.model_id = model.id;
  m.hardware_id = hardware_id;
  m.engine = workload.engine;
  m.workload = workload;
  m.step = step;
  m.ops = CountOps(model, workload, step);
  m.metric = metric;
  m.value = value;
  m.interval_time_s = IntervalTimeFromMetric(metric, value, step);
  m.series = model.id;
  m.label = model.id + (step.phase == Phase::kPrefill ? " prefill" : " decode") +
            " batch=" + std::to_string(step.batch) + " new=" + std::to_string(step.new_tokens) +
            " past=" + std::to_string(step.past_tokens);
  return m;
}

Measurement MakeOpMeasurement(std::vector<OpCost> ops, const std::string& hardware_id,
                              const Workload& workload, double time_s,
                              const SourceLocation& where) {
  RequirePositive(time_s, where, "op_time_s");
  Measurement m;
  m.where = where;
  m.hardware_id = hardware_id;
  m.engine = workload.engine;
  m.workload = workload;
  m.ops = std::move(ops);
  m.metric = MetricKind::kOpTime;
  m.value = time_s;
  m.interval_time_s = time_s;
  for (const auto& op : m.ops) m.label += (m.label.empty() ? "" : "+") + std::string(op.name);
  m.series = m.label;
  return m;
}

OpCost GemmOp(const char* name, double m, double k, double n, double bytes_per_value) {
  OpCost op{name, OpKind::kMatmul};
  op.flops = 2.0 * m * k * n;
  op.bytes_read = (m * k + k * n) * bytes_per_value;
  op.bytes_written = m * n * bytes_per_value;
  op.launches = 1.0;
  return op;
}

std::string Hint(const std::string& hint) { return hint.empty() ? "" : "; " + hint; }

void SkipRow(const LogReadOptions& options, LogReadResult* result, const SourceLocation& where,
             const std::string& reason, SkipKind kind, const std::string& category) {
  if (options.strict) throw InputError(where, reason);
  result->skipped.push_back({where, reason, kind, category.empty() ? reason : category});
}

std::optional<std::string> MapModelOrSkip(const LogReadOptions& options,
                                          const std::string& name_in_log,
                                          const SourceLocation& where, LogReadResult* result) {
  std::optional<std::string> id = options.MapModel(name_in_log);
  if (!id) {
    SkipRow(options, result, where,
            "model '" + name_in_log + "' is not in the catalogue" +
                Hint(DidYouMean(name_in_log, options.GetCatalog().ModelIds())) +
                " (or pass --model)",
            SkipKind::kUnknownModel);
  }
  return id;
}

std::optional<std::string> MapHardwareOrSkip(const LogReadOptions& options,
                                             const std::string& name_in_log,
                                             const SourceLocation& where, LogReadResult* result) {
  std::optional<std::string> id = options.MapHardware(name_in_log);
  if (!id) {
    SkipRow(options, result, where,
            "unknown GPU '" + name_in_log + "'" +
                Hint(DidYouMean(name_in_log, options.GetCatalog().HardwareIds())) +
                " (add a models/hardware YAML or pass --hardware)",
            SkipKind::kUnknownHardware);
  }
  return id;
}

}  // namespace rightsize
