#include "sim/plan/study_sweep.h"

#include <algorithm>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "sim/plan/crossover_runner.h"
#include "sim/plan/study.h"
#include "sim/util/error.h"
#include "sim/util/strings.h"
#include "sim/util/work_units.h"
#include "sim/util/yaml_reader.h"

namespace rightsize {
namespace {

// The candidate entry a path segment names: by `name`, else by index.
YAML::Node CandidateEntry(YAML::Node candidates, const std::string& segment,
                          const std::string& path) {
  for (YAML::Node entry : candidates) {
    if (entry["name"] && entry["name"].as<std::string>() == segment) return entry;
  }
  if (!segment.empty() && std::all_of(segment.begin(), segment.end(), ::isdigit)) {
    const size_t index = std::stoul(segment);
    if (index < candidates.size()) return candidates[index];
  }
  throw InputError({"", 0, "--set"}, fmt::format("{}: no candidate named '{}'", path, segment));
}

double TotalAtPlan(const CrossoverResult& r, const std::string& name) {
  for (const auto& c : r.candidates) {
    if (c.spec.name == name) return c.usd_at_plan;
  }
  return 0.0;
}

// A row as bytes (the axis values are the combination's, known to every process).
void EncodeStudySweepRow(const StudySweepRow& row, ByteWriter& out) {
  out.PutString(row.small);
  out.PutString(row.large);
  out.PutBool(row.quality_ok);
  out.PutBool(row.small_wins_at_plan);
  out.PutDouble(row.p_small_wins_at_plan);
  out.PutDouble(row.break_even_requests_per_month);
  out.PutDouble(row.small_total_usd);
  out.PutDouble(row.large_total_usd);
  out.PutString(row.verdict);
}

StudySweepRow DecodeStudySweepRow(ByteReader& in) {
  StudySweepRow row;
  row.small = in.String();
  row.large = in.String();
  row.quality_ok = in.Bool();
  row.small_wins_at_plan = in.Bool();
  row.p_small_wins_at_plan = in.Double();
  row.break_even_requests_per_month = in.Double();
  row.small_total_usd = in.Double();
  row.large_total_usd = in.Double();
  row.verdict = in.String();
  return row;
}

}  // namespace

void SetYamlPath(YAML::Node root, const std::string& path, const std::string& value_text) {
  const auto parts = Split(path, '.');
  if (std::find(parts.begin(), parts.end(), "") != parts.end()) {
    throw InputError({"", 0, "--set"}, "'" + path + "' has an empty key");
  }
  // yaml-cpp: `node = other` would overwrite the node's value; reset() rebinds the handle.
  YAML::Node node;
  node.reset(root);
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (node.IsSequence()) {
      if (i == 0 || parts[i - 1] != "candidates") {
        throw InputError({"", 0, "--set"}, path + ": only candidates are selected inside a list");
      }
      node.reset(CandidateEntry(node, parts[i], path));
    } else {
      node.reset(node[parts[i]]);
    }
  }
  YAML::Node value;
  try {
    value = YAML::Load(value_text);
  } catch (const YAML::Exception& e) {
    throw InputError({"", 0, "--set"},
                     fmt::format("{}={}: not a YAML value ({})", path, value_text, e.msg));
  }
  if (node.IsSequence()) throw InputError({"", 0, "--set"}, path + ": names a list, not a field");
  node[parts.back()] = value;
}

StudyAxis ParseStudyAxis(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    throw InputError({"", 0, "--set"}, "expected PATH=VALUE[,VALUE...], got '" + text + "'");
  }
  StudyAxis axis;
  axis.path = text.substr(0, eq);
  int depth = 0;
  std::string current;
  for (const char ch : text.substr(eq + 1)) {
    if (ch == '[' || ch == '{') ++depth;
    if (ch == ']' || ch == '}') --depth;
    if (ch == ',' && depth == 0) {
      axis.values.push_back(current);
      current.clear();
    } else {
      current += ch;
    }
  }
  axis.values.push_back(current);
  for (const auto& v : axis.values) {
    if (v.empty()) throw InputError({"", 0, "--set"}, "an empty value in '" + text + "'");
  }
  return axis;
}

std::vector<AxisCombination> ExpandAxes(const YAML::Node& root, const std::string& file,
                                        const std::vector<StudyAxis>& axes) {
  std::vector<std::vector<std::string>> value_sets = {{}};
  for (const auto& axis : axes) {
    std::vector<std::vector<std::string>> next;
    for (const auto& prefix : value_sets) {
      for (const auto& v : axis.values) {
        next.push_back(prefix);
        next.back().push_back(v);
      }
    }
    value_sets = std::move(next);
  }
  std::vector<AxisCombination> out;
  for (auto& values : value_sets) {
    AxisCombination c;
    c.document = YAML::Clone(root);
    c.label = file + " [";
    for (size_t a = 0; a < axes.size(); ++a) {
      SetYamlPath(c.document, axes[a].path, values[a]);
      c.label += fmt::format("{}{}={}", a ? " " : "", axes[a].path, values[a]);
    }
    c.label += "]";
    c.values = std::move(values);
    out.push_back(std::move(c));
  }
  return out;
}

StudySweepResult SweepStudy(const std::string& study_path, const std::vector<StudyAxis>& axes,
                            const Catalog& catalog, const DeviceEfficiencyParams& params,
                            int threads, const StudySweepProgress& progress,
                            const UnitRunner* runner) {
  if (axes.empty()) throw InputError({"", 0, "--set"}, "give at least one --set PATH=VALUES");
  const YAML::Node root = LoadYamlFile(study_path);
  const std::vector<AxisCombination> combinations = ExpandAxes(root, study_path, axes);

  // One unit per combination: its crossover study, summarised as one row per pair.
  auto rows_of = [&](size_t i) {
    const StudySpec study = LoadStudy(combinations[i].document, combinations[i].label, catalog);
    const CrossoverResult result = RunCrossover(study, catalog, params);
    std::vector<StudySweepRow> rows;
    for (const auto& pair : result.pairs) {
      StudySweepRow row;
      row.values = combinations[i].values;
      row.small = pair.small;
      row.large = pair.large;
      row.quality_ok = pair.quality_ok;
      row.small_wins_at_plan = pair.small_wins_at_plan;
      row.p_small_wins_at_plan = pair.p_small_wins_at_plan;
      row.break_even_requests_per_month = pair.break_even_requests_per_month.empty()
                                              ? 0.0
                                              : pair.break_even_requests_per_month.front();
      row.small_total_usd = TotalAtPlan(result, pair.small);
      row.large_total_usd = TotalAtPlan(result, pair.large);
      row.verdict = pair.verdict;
      rows.push_back(std::move(row));
    }
    return rows;
  };
  const LocalUnitRunner local(threads);
  const auto bytes = (runner ? *runner : static_cast<const UnitRunner&>(local))
                         .Run(
                             combinations.size(), 1,
                             [&](size_t begin, size_t end) {
                               ByteWriter out;
                               for (size_t i = begin; i < end; ++i) {
                                 const auto rows = rows_of(i);
                                 out.PutInt(static_cast<int64_t>(i));
                                 out.PutInt(static_cast<int64_t>(rows.size()));
                                 for (const auto& row : rows) EncodeStudySweepRow(row, out);
                               }
                               return std::move(out.Bytes());
                             },
                             progress);
  StudySweepResult out;
  out.axes = axes;
  for (const auto& chunk : bytes) {
    ByteReader in(chunk);
    while (!in.AtEnd()) {
      const auto i = static_cast<size_t>(in.Int());
      for (int64_t n = in.Int(); n > 0; --n) {
        out.rows.push_back(DecodeStudySweepRow(in));
        out.rows.back().values = combinations[i].values;
      }
    }
  }
  return out;
}

std::vector<nlohmann::json> ToJsonRows(const StudySweepResult& result) {
  std::vector<nlohmann::json> rows;
  for (const auto& r : result.rows) {
    nlohmann::json j = nlohmann::json::object();
    for (size_t a = 0; a < result.axes.size(); ++a) j[result.axes[a].path] = r.values[a];
    j["small"] = r.small;
    j["large"] = r.large;
    j["quality_ok"] = r.quality_ok;
    j["small_wins_at_plan"] = r.small_wins_at_plan;
    j["p_small_wins_at_plan"] = r.p_small_wins_at_plan;
    j["break_even_requests_per_month"] = r.break_even_requests_per_month;
    j["small_total_usd"] = r.small_total_usd;
    j["large_total_usd"] = r.large_total_usd;
    j["verdict"] = r.verdict;
    rows.push_back(std::move(j));
  }
  return rows;
}

}  // namespace rightsize
