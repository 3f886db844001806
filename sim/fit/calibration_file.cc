#include "sim/fit/calibration_file.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "sim/util/error.h"
#include "sim/util/file_io.h"

namespace rightsize {

using P = EfficiencyParams;

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
  for (int a = 0; a < P::kNumParams; ++a) {
    params[P::Name(a)] = g.params.values[static_cast<size_t>(a)];
    errors[P::Name(a)] = g.std_error[static_cast<size_t>(a)];
    free[P::Name(a)] = static_cast<bool>(g.free[static_cast<size_t>(a)]);
    nlohmann::json row = nlohmann::json::array();
    for (int b = 0; b < P::kNumParams; ++b) row.push_back(g.Covariance(a, b));
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
  nlohmann::json priors, sources;
  for (int a = 0; a < P::kNumParams; ++a) {
    priors[P::Name(a)] = {{"value", g.prior_value[static_cast<size_t>(a)]},
                          {"sd_log", g.prior_sd_log[static_cast<size_t>(a)]}};
    sources[P::Name(a)] = ToString(g.source[static_cast<size_t>(a)]);
  }
  j["prior"] = priors;
  j["determined_by"] = sources;
  j["bound_notes"] = g.bound_notes;
  j["n_points"] = g.n_points;
  j["sigma_log"] = g.sigma_log;
  j["interval_sigma_log"] = g.interval_sigma_log;
  j["rel_rms"] = g.rel_rms;
  j["median_ape"] = g.median_ape;
  j["report"] = g.report;
  return j;
}

nlohmann::json CrossValidationToJson(const CrossValidationReport& r) {
  nlohmann::json j = {{"scheme", r.scheme},           {"folds", r.folds},
                      {"n_predicted", r.n_predicted}, {"n_unpredicted", r.n_unpredicted},
                      {"median_ape", r.median_ape},   {"p90_ape", r.p90_ape},
                      {"coverage", r.coverage},       {"nominal_coverage", r.nominal}};
  if (!r.group_median_ape.empty()) j["group_median_ape"] = r.group_median_ape;
  return j;
}

nlohmann::json FamilyToJson(const FamilyCalibration& f) {
  nlohmann::json tau, measured;
  for (int a = 0; a < P::kNumParams; ++a) {
    tau[P::Name(a)] = f.tau_log[static_cast<size_t>(a)];
    measured[P::Name(a)] = static_cast<bool>(f.tau_measured[static_cast<size_t>(a)]);
  }
  return {{"family", f.name},
          {"architecture", f.architecture},
          {"engine", f.engine},
          {"devices", f.devices},
          {"tau_log", tau},
          {"tau_measured", measured},
          {"pooled_sigma_log", f.pooled_sigma_log},
          {"transfer", GroupToJson(f.transfer)},
          {"report", f.report}};
}

nlohmann::json DeviceHoldOutToJson(const DeviceHoldOutReport& r) {
  nlohmann::json j = CrossValidationToJson(r.overall);
  nlohmann::json families = nlohmann::json::object();
  for (const auto& [name, report] : r.by_family) {
    families[name] = CrossValidationToJson(report);
    families[name]["devices"] = r.devices.at(name);
    nlohmann::json per_device = nlohmann::json::object();
    for (const std::string& d : r.devices.at(name)) {
      if (const auto it = r.device_median_ape.find(d); it != r.device_median_ape.end())
        per_device[d] = it->second;
    }
    families[name]["device_median_ape"] = per_device;
  }
  j["families"] = families;
  return j;
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
  if (!record.fit.families.empty()) {
    nlohmann::json families = nlohmann::json::array();
    for (const auto& f : record.fit.families) families.push_back(FamilyToJson(f));
    doc["families"] = families;
  }
  doc["skipped_rows"] = {{"count", record.skipped_count}, {"listed", record.skipped_listed}};
  nlohmann::json cv = nlohmann::json::object();
  if (record.kfold) cv["kfold"] = CrossValidationToJson(*record.kfold);
  if (record.leave_one_group_out) {
    cv["leave_one_group_out"] = CrossValidationToJson(*record.leave_one_group_out);
  }
  if (record.leave_one_device_out) {
    cv["leave_one_device_out"] = DeviceHoldOutToJson(*record.leave_one_device_out);
  }
  doc["cross_validation"] = cv;
  return doc;
}

GroupCalibration GroupFromJson(const JsonValue& j) {
  const double kHuge = std::numeric_limits<double>::max();
  GroupCalibration g;
  g.group = j.RequiredString("group");
  g.usable = j.RequiredBool("usable");
  g.converged = j.OptionalBool("converged", g.usable);
  g.report = j.OptionalString("report", "");
  g.n_points = static_cast<int>(j.OptionalInt("n_points", 0, 0, std::numeric_limits<int>::max()));
  g.sigma_log = j.RequiredDouble("sigma_log", 0.0, kHuge);
  g.interval_sigma_log = j.OptionalDouble("interval_sigma_log", 0.0, 0.0, kHuge);
  g.rel_rms = j.OptionalDouble("rel_rms", 0.0, 0.0, kHuge);
  g.median_ape = j.OptionalDouble("median_ape", 0.0, 0.0, kHuge);
  const JsonValue params = j.Child("params");
  const JsonValue std_error = j.Child("std_error");
  const JsonValue free = j.Child("free");
  const std::vector<JsonValue> covariance = j.Child("covariance").Elements();
  if (covariance.size() != static_cast<size_t>(P::kNumParams)) {
    j.Child("covariance")
        .Fail(fmt::format("expected {} rows, got {}", P::kNumParams, covariance.size()));
  }
  for (int a = 0; a < P::kNumParams; ++a) {
    const auto ia = static_cast<size_t>(a);
    g.params.values[ia] = params.RequiredDouble(P::Name(a), -kHuge, kHuge);
    g.std_error[ia] = std_error.RequiredDouble(P::Name(a), 0.0, kHuge);
    g.free[ia] = free.RequiredBool(P::Name(a));
    const std::vector<JsonValue> row = covariance[ia].Elements();
    if (row.size() != static_cast<size_t>(P::kNumParams)) {
      covariance[ia].Fail(fmt::format("expected {} entries, got {}", P::kNumParams, row.size()));
    }
    for (int b = 0; b < P::kNumParams; ++b)
      g.covariance[static_cast<size_t>(a * P::kNumParams + b)] =
          row[static_cast<size_t>(b)].AsDouble(-kHuge, kHuge);
  }
  g.unidentified = j.OptionalStringList("unidentified");
  g.at_bound = j.OptionalStringList("at_bound");
  g.shared = j.OptionalStringList("shared");
  g.bound_notes = j.OptionalStringList("bound_notes");
  const std::optional<JsonValue> determined_by = j.MaybeChild("determined_by");
  const std::optional<JsonValue> prior = j.MaybeChild("prior");
  for (int a = 0; a < P::kNumParams; ++a) {
    const auto k = static_cast<size_t>(a);
    g.source[k] = g.free[k] ? ParamSource::kData : ParamSource::kHeld;
    if (determined_by && determined_by->Has(P::Name(a))) {
      const std::string said = determined_by->RequiredString(P::Name(a));
      bool known = false;
      for (ParamSource source : {ParamSource::kData, ParamSource::kPrior, ParamSource::kHeld}) {
        if (ToString(source) == said) {
          g.source[k] = source;
          known = true;
        }
      }
      if (!known) {
        throw InputError(determined_by->Where(P::Name(a)),
                         "unknown source '" + said + "' (data, prior, held)");
      }
    }
    if (prior && prior->Has(P::Name(a))) {
      const JsonValue one = prior->Child(P::Name(a));
      g.prior_value[k] = one.RequiredDouble("value", 0.0, kHuge);
      g.prior_sd_log[k] = one.RequiredDouble("sd_log", 0.0, kHuge);
    }
  }
  std::string why;
  if (!Validate(g.params, &why)) throw InputError(params.Where(), why);
  return g;
}

JsonDocument ReadCalibrationDocument(const std::string& path) {
  JsonDocument doc = JsonDocument::Load(path);
  const JsonValue root = doc.Root();
  if (!root.IsObject())
    root.Fail("expected a JSON object (a file written by `rightsize calibrate`)");
  if (!root.Has("schema_version") || !root.Child("schema_version").IsNumber() ||
      root.Child("schema_version").json() != kCalibrationSchemaVersion) {
    throw InputError(
        root.Where("schema_version"),
        fmt::format("expected schema_version {} (a file written by `rightsize calibrate`)",
                    kCalibrationSchemaVersion));
  }
  const std::vector<JsonValue> groups = root.Child("groups").Elements();
  if (groups.empty()) throw InputError(root.Where("groups"), "no fitted groups");
  for (const JsonValue& g : groups) {
    if (!g.IsObject()) g.Fail("expected a calibration group object, got " + g.Preview());
    g.RequiredString("group");
  }
  return doc;
}

std::vector<FamilyCalibration> CalibrationFamiliesOf(const JsonDocument& doc) {
  std::vector<FamilyCalibration> out;
  const std::optional<JsonValue> families = doc.Root().MaybeChild("families");
  if (!families) return out;
  const double kHuge = std::numeric_limits<double>::max();
  for (const JsonValue& j : families->Elements()) {
    if (!j.IsObject()) j.Fail("expected a family object, got " + j.Preview());
    FamilyCalibration f;
    f.name = j.RequiredString("family");
    f.architecture = j.RequiredString("architecture");
    f.engine = j.RequiredString("engine");
    f.devices = j.OptionalStringList("devices");
    f.pooled_sigma_log = j.OptionalDouble("pooled_sigma_log", 0.0, 0.0, kHuge);
    const JsonValue tau = j.Child("tau_log");
    const JsonValue measured = j.Child("tau_measured");
    for (int a = 0; a < P::kNumParams; ++a) {
      f.tau_log[static_cast<size_t>(a)] = tau.RequiredDouble(P::Name(a), 0.0, kHuge);
      f.tau_measured[static_cast<size_t>(a)] = measured.RequiredBool(P::Name(a));
    }
    f.transfer = GroupFromJson(j.Child("transfer"));
    f.report = j.OptionalString("report", "");
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<std::string> CalibrationGroupNames(const JsonDocument& doc) {
  std::vector<std::string> names;
  for (const JsonValue& g : doc.Root().Child("groups").Elements())
    names.push_back(g.RequiredString("group"));
  return names;
}

GroupCalibration CalibrationGroupOf(const JsonDocument& doc, const std::string& group) {
  const JsonValue root = doc.Root();
  std::vector<std::string> names;
  std::vector<JsonValue> matches;
  for (const JsonValue& entry : root.Child("groups").Elements()) {
    const std::string name = entry.RequiredString("group");
    names.push_back(name);
    const bool exact = name == group;
    const bool hardware = !group.empty() && GroupOnHardware(name, group);
    if (group.empty() || exact || hardware) matches.push_back(entry);
    if (exact) {
      matches = {entry};
      break;
    }
  }
  std::string listed;
  for (const auto& n : names) listed += (listed.empty() ? "" : ", ") + n;
  if (matches.empty()) {
    throw InputError(root.Where("groups"), "no group '" + group + "' (groups: " + listed + ")");
  }
  if (matches.size() > 1) {
    throw InputError(root.Where("groups"),
                     "'" + group + "' matches several groups; name one of: " + listed);
  }
  GroupCalibration g = GroupFromJson(matches.front());
  if (!g.usable) {
    throw InputError({doc.file(), matches.front().Where().line, "groups." + g.group},
                     "this group's fit is not usable: " + g.report);
  }
  return g;
}

GroupCalibration LoadCalibrationGroup(const std::string& path, const std::string& group) {
  return CalibrationGroupOf(ReadCalibrationDocument(path), group);
}

EfficiencyParams LoadCalibration(const std::string& path, const std::string& group) {
  return LoadCalibrationGroup(path, group).params;
}

}  // namespace rightsize
