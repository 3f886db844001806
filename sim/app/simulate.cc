#include "sim/app/simulate.h"

#include <cmath>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/util/error.h"
#include "sim/util/strings.h"
#include "sim/util/yaml_reader.h"

namespace rightsize::app {
namespace {

nlohmann::json FiniteOrNull(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

// The summary keys of a grid row, in print order (those a run lacks are left out of its row).
const std::vector<std::string> kSummaryColumns = {"model",
                                                  "hardware",
                                                  "tp",
                                                  "pp",
                                                  "ep",
                                                  "dp",
                                                  "weights",
                                                  "engine",
                                                  "arrival",
                                                  "offered_requests_per_s",
                                                  "concurrency",
                                                  "feasible",
                                                  "overloaded",
                                                  "requests_per_s",
                                                  "output_tokens_per_s",
                                                  "ttft_p50_s",
                                                  "ttft_p99_s",
                                                  "tpot_p50_s",
                                                  "tpot_p99_s",
                                                  "e2e_p50_s",
                                                  "e2e_p99_s",
                                                  "preemptions",
                                                  "goodput_fraction",
                                                  "slo_met",
                                                  "max_rate_requests_per_s",
                                                  "note",
                                                  "params_source"};

// One run's summary. Latencies are left out (null) where the single run prints none: an
// infeasible layout, or generated traffic the engine cannot keep up with (its latencies grow
// with the length of the run).
nlohmann::json SummaryRow(const SimulationRun& run) {
  const SimulationSpec& s = run.spec;
  const ServingSimResult& r = run.result;
  nlohmann::json row;
  row["model"] = s.model;
  row["hardware"] = s.hardware;
  row["tp"] = s.layout.parallel.tensor;
  row["pp"] = s.layout.parallel.pipeline;
  row["ep"] = s.layout.parallel.expert;
  row["dp"] = s.layout.parallel.data;
  row["weights"] = ToString(s.layout.weights);
  row["engine"] = run.engine.engine_id;
  row["arrival"] = ToString(s.traffic.arrival);
  const ArrivalKind a = s.traffic.arrival;
  if (a == ArrivalKind::kPoisson || a == ArrivalKind::kGamma)
    row["offered_requests_per_s"] = s.traffic.requests_per_s;
  if (a == ArrivalKind::kClosedLoop) row["concurrency"] = s.traffic.concurrency;
  row["feasible"] = r.feasible;
  row["params_source"] = run.params_source;
  if (!r.feasible) {
    row["note"] = "infeasible: " + r.reason;
    return row;
  }
  row["overloaded"] = r.overloaded;
  row["requests_per_s"] = r.requests_per_s;
  row["output_tokens_per_s"] = r.output_tokens_per_s;
  row["preemptions"] = r.preemptions;
  const bool latencies = !(r.overloaded && a != ArrivalKind::kTrace);
  if (r.overloaded) row["note"] = r.overload_reason;
  const std::pair<const char*, const LatencyStats*> stats[] = {
      {"ttft", &r.ttft}, {"tpot", &r.tpot}, {"e2e", &r.e2e}};
  for (const auto& [name, st] : stats) {
    row[fmt::format("{}_p50_s", name)] = latencies ? FiniteOrNull(st->p50_s) : nullptr;
    row[fmt::format("{}_p99_s", name)] = latencies ? FiniteOrNull(st->p99_s) : nullptr;
  }
  if (s.goodput.Any()) row["goodput_fraction"] = run.goodput.fraction;
  if (!s.slo.empty()) row["slo_met"] = run.slo_met;
  if (run.max_rate) {
    row["max_rate_requests_per_s"] =
        run.max_rate->feasible ? nlohmann::json(run.max_rate->max_requests_per_s) : nullptr;
  }
  return row;
}

}  // namespace

EfficiencyParams WithParamOverrides(EfficiencyParams p, const std::vector<std::string>& flags) {
  for (const std::string& flag : flags) {
    const std::size_t eq = flag.find('=');
    const std::string name = Trim(flag.substr(0, eq));
    bool found = false;
    for (int i = 0; i < EfficiencyParams::kNumParams; ++i) {
      if (name != EfficiencyParams::kParamNames[static_cast<std::size_t>(i)]) continue;
      found = true;
      try {
        if (eq == std::string::npos) throw 0;
        p.values[static_cast<std::size_t>(i)] = std::stod(flag.substr(eq + 1));
      } catch (...) {
        throw InputError({"", 0, "--param"}, "expected NAME=VALUE, got '" + flag + "'");
      }
    }
    if (!found) {
      const std::vector<std::string> names(EfficiencyParams::kParamNames.begin(),
                                           EfficiencyParams::kParamNames.end());
      throw InputError({"", 0, "--param"},
                       "unknown parameter '" + name + "' (" + DidYouMean(name, names) + ")");
    }
  }
  std::string why;
  if (!Validate(p, &why)) throw InputError({"", 0, "--param"}, why);
  return p;
}

SimulationRun Simulate(const SimulationSpec& spec, const CalibrationChoice& calibration,
                       const std::vector<std::string>& param_flags, const Catalog& catalog) {
  const auto used = LoadCalibration(calibration, spec.hardware);
  const EfficiencyParams params = ParamsOf(used).For(spec.hardware);
  std::string source = ParamsSource(used ? calibration.file : "", used ? used->group : "");
  SimulationRun run = RunSimulation(spec, catalog, params, !used, source);
  if (param_flags.empty()) return run;
  // Re-run with the what-if parameters over the ones the run resolved.
  source += " with " + fmt::format("{}", fmt::join(param_flags, ", "));
  return RunSimulation(spec, catalog, WithParamOverrides(run.params, param_flags), false, source);
}

SimulateGridResult RunSimulateGrid(const SimulateGridOptions& options, const Catalog& catalog) {
  if (options.sets.empty())
    throw InputError({"", 0, "--set"}, "give at least one --set PATH=VALUES");
  if (options.spec_path.empty()) {
    throw InputError({"", 0, "--set"}, "a grid (--set) varies fields of a simulation YAML FILE");
  }
  SimulateGridResult result;
  for (const std::string& set : options.sets) result.axes.push_back(ParseStudyAxis(set));
  const std::vector<AxisCombination> combinations =
      ExpandAxes(LoadYamlFile(options.spec_path), options.spec_path, result.axes);
  // One unit per combination: its simulation (and max-rate search), as its summary row in CBOR,
  // which keeps every double's bits.
  const auto row_of = [&](size_t i) {
    SimulationSpec spec = LoadSimulationSpec(combinations[i].document, combinations[i].label);
    if (options.overrides) spec = options.overrides(std::move(spec));
    nlohmann::json row;
    for (size_t a = 0; a < result.axes.size(); ++a)
      row[result.axes[a].path] = combinations[i].values[a];
    const nlohmann::json summary =
        SummaryRow(Simulate(spec, options.calibration, options.param_flags, catalog));
    for (const auto& [key, value] : summary.items()) {
      if (!row.contains(key)) row[key] = value;
    }
    return row;
  };
  const LocalUnitRunner local(options.threads);
  const std::vector<std::string> bytes =
      (options.runner ? *options.runner : static_cast<const UnitRunner&>(local))
          .Run(
              combinations.size(), 1,
              [&](size_t begin, size_t end) {
                ByteWriter out;
                for (size_t i = begin; i < end; ++i) {
                  const std::vector<std::uint8_t> cbor = nlohmann::json::to_cbor(row_of(i));
                  out.PutString(std::string(cbor.begin(), cbor.end()));
                }
                return std::move(out.Bytes());
              },
              nullptr);
  for (const std::string& chunk : bytes) {
    ByteReader in(chunk);
    while (!in.AtEnd()) result.rows.push_back(nlohmann::json::from_cbor(in.String()));
  }
  return result;
}

std::vector<std::string> SimulateGridColumns(const SimulateGridResult& result) {
  std::vector<std::string> columns;
  for (const StudyAxis& axis : result.axes) columns.push_back(axis.path);
  for (const std::string& key : kSummaryColumns) {
    if (std::find(columns.begin(), columns.end(), key) != columns.end()) continue;
    for (const nlohmann::json& row : result.rows) {
      if (row.contains(key)) {
        columns.push_back(key);
        break;
      }
    }
  }
  return columns;
}

}  // namespace rightsize::app
