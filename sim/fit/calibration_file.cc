#include "sim/fit/calibration_file.h"

#include <cmath>

#include <fmt/format.h>

#include "sim/util/error.h"
#include "sim/util/file_io.h"

namespace rightsize {
namespace {

using P = EfficiencyParams;
constexpr int kN = P::kNumParams;

const char* Name(int i) { return P::kParamNames[static_cast<size_t>(i)]; }

// The parsed document with its schema_version and groups checked.
nlohmann::json ReadCalibrationDocument(const std::string& path) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(ReadTextFile(path));
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError({path, 0, ""}, std::string("malformed or truncated calibration JSON: ") + e.what());
  }
  if (!doc.is_object() || !doc.contains("schema_version") ||
      doc["schema_version"] != kCalibrationSchemaVersion) {
    throw InputError({path, 0, "schema_version"},
                     fmt::format("expected schema_version {} (a file written by `rightsize calibrate`)",
                                 kCalibrationSchemaVersion));
  }
  if (!doc.contains("groups") || !doc["groups"].is_array() || doc["groups"].empty()) {
    throw InputError({path, 0, "groups"}, "no fitted groups");
  }
  return doc;
}

// options.interval_level, when the file records it.
std::optional<double> ReadIntervalLevel(const nlohmann::json& doc, const std::string& path) {
  const nlohmann::json* options = doc.contains("options") ? &doc["options"] : nullptr;
  if (!options || !options->contains("interval_level") || !(*options)["interval_level"].is_number()) {
    return std::nullopt;
  }
  const double level = (*options)["interval_level"].get<double>();
  if (!(level > 0.0 && level < 1.0)) {
    throw InputError({path, 0, "options.interval_level"}, fmt::format("must be in (0, 1), got {}", level));
  }
  return level;
}

// The first scheme, leave-one-group-out before k-fold, that predicted any point.
std::optional<HeldOutError> ReadHeldOutError(const nlohmann::json& doc, const std::string& path) {
  const nlohmann::json cv = doc.value("cross_validation", nlohmann::json::object());
  for (const char* scheme : {"leave_one_group_out", "kfold"}) {
    if (!cv.contains(scheme) || !cv[scheme].is_object()) continue;
    const nlohmann::json& r = cv[scheme];
    const bool predicted = r.contains("n_predicted") && r["n_predicted"].is_number() && r["n_predicted"].get<double>() > 0;
    if (!predicted || !r.contains("median_ape") || !r["median_ape"].is_number()) continue;
    const double ape = r["median_ape"].get<double>();
    if (!(ape >= 0.0) || !std::isfinite(ape)) {
      throw InputError({path, 0, std::string("cross_validation.") + scheme + ".median_ape"},
                       "must be a finite number >= 0");
    }
    HeldOutError held_out;
    held_out.scheme = r.contains("scheme") && r["scheme"].is_string() ? r["scheme"].get<std::string>()
                                                                      : std::string(scheme);
    held_out.median_ape = ape;
    return held_out;
  }
  return std::nullopt;
}

}  // namespace

std::optional<GroupKey> GroupKey::Parse(const std::string& name) {
  const size_t slash = name.find('/');
  if (slash == std::string::npos) return std::nullopt;
  return GroupKey{name.substr(0, slash), name.substr(slash + 1)};
}

bool GroupOnHardware(const std::string& name, const std::string& hardware_id) {
  const std::optional<GroupKey> key = GroupKey::Parse(name);
  return key && key->hardware_id == hardware_id;
}

nlohmann::json GroupToJson(const GroupCalibration& g) {
  nlohmann::json j;
  j["group"] = g.group;
  j["usable"] = g.usable;
  j["converged"] = g.converged;
  nlohmann::json params, errors, free;
  nlohmann::json covariance = nlohmann::json::array();
  for (int a = 0; a < kN; ++a) {
    params[Name(a)] = g.params.values[static_cast<size_t>(a)];
    errors[Name(a)] = g.std_error[static_cast<size_t>(a)];
    free[Name(a)] = static_cast<bool>(g.free[static_cast<size_t>(a)]);
    nlohmann::json row = nlohmann::json::array();
    for (int b = 0; b < kN; ++b) row.push_back(g.Covariance(a, b));
    covariance.push_back(row);
  }
  j["params"] = params;
  j["std_error"] = errors;
  j["free"] = free;
  j["covariance"] = covariance;
  j["param_order"] = P::kParamNames;
  j["unidentified"] = g.unidentified;
  j["at_bound"] = g.at_bound;
  j["shared"] = g.shared;
  j["n_points"] = g.n_points;
  j["sigma_log"] = g.sigma_log;
  j["rel_rms"] = g.rel_rms;
  j["median_ape"] = g.median_ape;
  j["report"] = g.report;
  return j;
}

GroupCalibration GroupFromJson(const nlohmann::json& j, const std::string& file) {
  GroupCalibration g;
  auto number = [&](const nlohmann::json& parent, const std::string& key, const std::string& path) {
    if (!parent.contains(key) || !parent[key].is_number()) {
      throw InputError({file, 0, path + key}, "missing or not a number");
    }
    return parent[key].get<double>();
  };
  try {
    g.group = j.at("group").get<std::string>();
    g.usable = j.at("usable").get<bool>();
    g.converged = j.value("converged", g.usable);
    g.report = j.value("report", std::string());
    g.n_points = j.value("n_points", 0);
    g.sigma_log = number(j, "sigma_log", "");
    g.rel_rms = j.value("rel_rms", 0.0);
    g.median_ape = j.value("median_ape", 0.0);
    const auto& cov = j.at("covariance");
    for (int a = 0; a < kN; ++a) {
      g.params.values[static_cast<size_t>(a)] = number(j.at("params"), Name(a), "params.");
      g.std_error[static_cast<size_t>(a)] = number(j.at("std_error"), Name(a), "std_error.");
      g.free[static_cast<size_t>(a)] = j.at("free").at(Name(a)).get<bool>();
      for (int b = 0; b < kN; ++b) {
        g.covariance[static_cast<size_t>(a * kN + b)] = cov.at(static_cast<size_t>(a)).at(static_cast<size_t>(b)).get<double>();
      }
    }
    g.unidentified = j.value("unidentified", std::vector<std::string>{});
    g.at_bound = j.value("at_bound", std::vector<std::string>{});
    g.shared = j.value("shared", std::vector<std::string>{});
  } catch (const nlohmann::json::exception& e) {
    throw InputError({file, 0, "groups"}, std::string("malformed calibration group: ") + e.what());
  }
  std::string why;
  if (!Validate(g.params, &why)) throw InputError({file, 0, "params"}, why);
  return g;
}

nlohmann::json CrossValidationToJson(const CrossValidationReport& r) {
  return {{"scheme", r.scheme},          {"folds", r.folds},
          {"n_predicted", r.n_predicted}, {"n_unpredicted", r.n_unpredicted},
          {"median_ape", r.median_ape},   {"p90_ape", r.p90_ape},
          {"coverage", r.coverage},       {"nominal_coverage", r.nominal}};
}

nlohmann::json CalibrationFileJson(const CalibrationRecord& record) {
  nlohmann::json doc;
  doc["schema_version"] = kCalibrationSchemaVersion;
  doc["tool"] = "rightsize calibrate";
  doc["inputs"] = record.inputs;
  doc["options"] = record.options;
  if (!record.sharing.empty()) doc["sharing"] = record.sharing;
  doc["n_points"] = record.fit.n_points;
  doc["usable"] = record.fit.usable;
  doc["fit_seconds"] = record.fit_seconds;
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : record.fit.groups) groups.push_back(GroupToJson(g));
  doc["groups"] = groups;
  doc["skipped_rows"] = {{"count", record.skipped_count}, {"listed", record.skipped_listed}};
  nlohmann::json cv = nlohmann::json::object();
  if (record.kfold) cv["kfold"] = CrossValidationToJson(*record.kfold);
  if (record.leave_one_group_out) {
    cv["leave_one_group_out"] = CrossValidationToJson(*record.leave_one_group_out);
  }
  doc["cross_validation"] = cv;
  return doc;
}

CalibrationFile ReadCalibrationFile(const std::string& path) {
  CalibrationFile file;
  file.path = path;
  file.document = ReadCalibrationDocument(path);
  for (const auto& g : file.document["groups"]) {
    const bool named = g.is_object() && g.contains("group") && g["group"].is_string();
    file.group_names.push_back(named ? g["group"].get<std::string>() : "");
    file.group_usable.push_back(g.is_object() && g.value("usable", false));
  }
  file.interval_level = ReadIntervalLevel(file.document, path);
  file.held_out = ReadHeldOutError(file.document, path);
  return file;
}

GroupCalibration GroupOf(const CalibrationFile& file, const std::string& group) {
  const nlohmann::json& doc = file.document;
  const std::string& path = file.path;
  std::vector<std::string> names;
  std::vector<const nlohmann::json*> matches;
  for (const auto& entry : doc["groups"]) {
    const std::string name = entry.value("group", std::string());
    names.push_back(name);
    const bool exact = name == group;
    const bool hardware = !group.empty() && GroupOnHardware(name, group);
    if (group.empty() || exact || hardware) matches.push_back(&entry);
    if (exact) {
      matches = {&entry};
      break;
    }
  }
  std::string listed;
  for (const auto& n : names) listed += (listed.empty() ? "" : ", ") + n;
  if (matches.empty()) {
    throw InputError({path, 0, "groups"}, "no group '" + group + "' (groups: " + listed + ")");
  }
  if (matches.size() > 1) {
    throw InputError({path, 0, "groups"},
                     "'" + group + "' matches several groups; name one of: " + listed);
  }
  GroupCalibration g = GroupFromJson(*matches.front(), path);
  if (!g.usable) {
    throw InputError({path, 0, "groups." + g.group}, "this group's fit is not usable: " + g.report);
  }
  return g;
}

GroupCalibration LoadCalibrationGroup(const std::string& path, const std::string& group) {
  return GroupOf(ReadCalibrationFile(path), group);
}

EfficiencyParams LoadCalibration(const std::string& path, const std::string& group) {
  return LoadCalibrationGroup(path, group).params;
}

}  // namespace rightsize
