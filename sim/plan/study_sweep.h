// Sweeps over any study field: every combination of replacement values for fields of a study file
// (`traffic.requests_per_month`, `horizon_months`, `candidates.<name>.hardware`, ...) is run as its
// own crossover study, in parallel, and summarised one row per (combination, small vs large pair).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "sim/cost/efficiency_params.h"
#include "sim/spec/catalog.h"
#include "sim/util/work_units.h"

namespace rightsize {

// One swept field: a dotted path into the study document and the YAML values it takes. A path
// segment under `candidates` is a candidate's name (or its index): `candidates.phi-3-mini.weights`.
struct StudyAxis {
  std::string path;
  std::vector<std::string> values;  // each parsed as YAML: 1e6, bf16, [bf16, fp8]
};

// Parses "PATH=V1,V2,..." (commas inside [...] or {...} belong to the value). InputError names
// the --set argument when it is malformed.
StudyAxis ParseStudyAxis(const std::string& text);

// Replaces the value at a dotted path of a document with `value_text` parsed as YAML (maps are
// created on the way; the document's loader rejects keys it does not know). InputError (naming
// --set) for an empty key, a list where a field is expected, or text that is not YAML.
void SetYamlPath(YAML::Node root, const std::string& path, const std::string& value_text);

// One combination of the axes' values: the values (one per axis, as given), `root` with them set
// (SetYamlPath), and a label for errors, "FILE [path=value ...]".
struct AxisCombination {
  std::vector<std::string> values;
  YAML::Node document;
  std::string label;
};
// Every combination, the first axis varying slowest. Built serially: yaml-cpp nodes are not
// shared across threads, so each unit then reads only its own document.
std::vector<AxisCombination> ExpandAxes(const YAML::Node& root, const std::string& file,
                                        const std::vector<StudyAxis>& axes);

struct StudySweepRow {
  std::vector<std::string> values;  // one per axis, as given
  std::string small, large;
  bool quality_ok = false;
  bool small_wins_at_plan = false;
  double p_small_wins_at_plan = 0.0;
  double break_even_requests_per_month = 0.0;  // first nominal crossing, 0 when none in range
  double small_total_usd = 0.0;                // over the horizon at the planning traffic
  double large_total_usd = 0.0;
  std::string verdict;
};

struct StudySweepResult {
  std::vector<StudyAxis> axes;
  std::vector<StudySweepRow> rows;
};

using StudySweepProgress = std::function<void(size_t done, size_t total)>;

// Runs every combination of the axes' values (the first axis varies slowest), on `threads`
// threads, or through `runner` (MPI ranks) when given. A value that makes the study invalid is an
// InputError naming the study, the path and the value.
StudySweepResult SweepStudy(const std::string& study_path, const std::vector<StudyAxis>& axes,
                            const Catalog& catalog, const DeviceEfficiencyParams& params,
                            int threads, const StudySweepProgress& progress = nullptr,
                            const UnitRunner* runner = nullptr);

// One JSON object per row: the axis paths as keys, then the verdict columns.
std::vector<nlohmann::json> ToJsonRows(const StudySweepResult& result);

}  // namespace rightsize
