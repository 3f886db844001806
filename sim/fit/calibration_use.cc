#include "sim/fit/calibration_use.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <fmt/format.h>

namespace rightsize {
namespace {

// 1 / Phi^-1(0.75): sd of a normal from the median of its absolute value.
constexpr double kMadToSd = 1.4826;

std::string GroupNames(const JsonDocument& doc) {
  std::string names;
  for (const auto& name : CalibrationGroupNames(doc)) names += (names.empty() ? "" : ", ") + name;
  return names;
}

// What a command takes from the whole file: the interval level and the 1-sigma relative error
// from the held-out error (`label` names the group(s) in rel_sd_source).
void ReadFileLevel(const JsonDocument& doc, const std::string& label, UsedCalibration* used) {
  const JsonValue root = doc.Root();
  const std::string& path = doc.file();
  const double kHuge = std::numeric_limits<double>::max();
  if (const auto options = root.MaybeChild("options"); options && options->Has("interval_level")) {
    const JsonValue level = options->Child("interval_level");
    const double value = level.AsDouble(0.0, 1.0);
    if (!(value > 0.0 && value < 1.0)) level.Fail(fmt::format("must be in (0, 1), got {}", value));
    used->interval_level = value;
  }
  const auto cv = root.MaybeChild("cross_validation");
  for (const char* scheme : {"leave_one_group_out", "kfold"}) {
    if (!cv || !cv->Has(scheme)) continue;
    const JsonValue r = cv->Child(scheme);
    if (!(r.OptionalDouble("n_predicted", 0.0, 0.0, kHuge) > 0) || !r.Has("median_ape")) continue;
    const double ape = r.RequiredDouble("median_ape", 0.0, kHuge);
    used->rel_sd = kMadToSd * ape;
    used->rel_sd_source =
        fmt::format("calibration {} ({}): 1.4826 x held-out {} median APE {:.1f}%", path, label,
                    r.OptionalString("scheme", scheme), 100 * ape);
    return;
  }
  // No cross-validation: the largest in-sample scale of the groups used.
  double sigma = used->fit.sigma_log;
  for (const auto& [hardware, fit] : used->by_hardware) sigma = std::max(sigma, fit.sigma_log);
  used->rel_sd = sigma;
  used->rel_sd_source = fmt::format(
      "calibration {} ({}): in-sample sigma_log {:.3f} (the file has no "
      "cross-validation; held-out error is usually larger)",
      path, label, sigma);
}

bool HasCovariance(const GroupCalibration& fit) {
  for (double c : fit.covariance) {
    if (c != 0.0) return true;
  }
  return false;
}

// UseCalibration on a document already read.
UsedCalibration UseGroup(const JsonDocument& doc, const std::string& group,
                         const std::string& hardware_id) {
  const std::vector<std::string> names = CalibrationGroupNames(doc);
  std::string chosen = group;
  if (chosen.empty() && !hardware_id.empty()) {
    const auto on_device = std::count_if(names.begin(), names.end(), [&](const std::string& name) {
      return GroupOnHardware(name, hardware_id);
    });
    if (on_device == 1) chosen = hardware_id;
  }
  if (chosen.empty() && names.size() > 1) {
    throw InputError(doc.Root().Where("groups"),
                     "the file holds several groups; name one with --calibration-group (" +
                         GroupNames(doc) + ")");
  }
  UsedCalibration used;
  used.fit = CalibrationGroupOf(doc, chosen);
  used.file = doc.file();
  used.group = used.fit.group;
  used.has_covariance = HasCovariance(used.fit);
  ReadFileLevel(doc, used.group, &used);
  return used;
}

}  // namespace

UsedCalibration UseCalibration(const std::string& path, const std::string& group,
                               const std::string& hardware_id) {
  return UseGroup(ReadCalibrationDocument(path), group, hardware_id);  // schema checked
}

UsedCalibration UseCalibrationPerDevice(const std::string& path, const std::string& group) {
  const JsonDocument doc = ReadCalibrationDocument(path);
  const std::vector<JsonValue> groups = doc.Root().Child("groups").Elements();
  bool names_group_or_device = false;
  for (const JsonValue& g : groups) {
    const std::string name = g.RequiredString("group");
    names_group_or_device |= !group.empty() && (name == group || GroupOnHardware(name, group));
  }
  if (names_group_or_device || groups.size() == 1) return UseGroup(doc, group, "");

  // Per device: the usable groups fitted on it (with engine `group` when one is named).
  std::map<std::string, std::vector<std::string>> names_by_hardware;
  for (const JsonValue& g : groups) {
    const std::string name = g.RequiredString("group");
    const std::optional<GroupKey> key = GroupKey::Parse(name);
    if (!key || !g.OptionalBool("usable", false)) continue;
    if (!group.empty() && key->engine != group) continue;
    names_by_hardware[key->hardware_id].push_back(name);
  }
  UsedCalibration used;
  used.file = path;
  std::string label;
  for (const auto& [hardware, names] : names_by_hardware) {
    if (names.size() != 1) continue;
    used.by_hardware[hardware] = CalibrationGroupOf(doc, names.front());
    used.has_covariance = used.has_covariance || HasCovariance(used.by_hardware[hardware]);
    label += (label.empty() ? "" : ", ") + names.front();
  }
  if (used.by_hardware.empty()) {
    if (!group.empty()) CalibrationGroupOf(doc, group);  // throws: no such group
    throw InputError(
        doc.Root().Where("groups"),
        "no device has exactly one group; name one with --calibration-group (a group, a "
        "hardware id or an engine of: " +
            GroupNames(doc) + ")");
  }
  ReadFileLevel(doc, "per device: " + label, &used);
  return used;
}

bool FittedOn(const UsedCalibration& calibration, const std::string& hardware_id) {
  return calibration.by_hardware.count(hardware_id) > 0 ||
         GroupOnHardware(calibration.group, hardware_id);
}

std::string PricedBy(const std::optional<UsedCalibration>& c, const std::string& hardware_id) {
  if (!c) return "uncalibrated";
  const auto it = c->by_hardware.find(hardware_id);
  const GroupCalibration* fit = it != c->by_hardware.end() ? &it->second
                                : c->group.empty()         ? nullptr
                                                           : &c->fit;
  if (fit == nullptr) return "uncalibrated (" + c->file + " has no group for " + hardware_id + ")";
  const bool on_device = fit->group.rfind(hardware_id + "/", 0) == 0;
  return (on_device ? "calibrated: " : "transferred from ") + fit->group + " (" + c->file + ")";
}

std::string UnmatchedCalibrationWarning(const UsedCalibration& c,
                                        const std::vector<std::string>& hardware_ids) {
  std::string devices;
  for (const std::string& id : hardware_ids) {
    if (FittedOn(c, id)) return "";
    devices += (devices.empty() ? "" : ", ") + id;
  }
  const std::string used =
      c.group.empty() ? "uncalibrated defaults" : "transferred from " + c.group;
  return "warning: calibration " + c.file + " has no group fitted on " + devices +
         "; those numbers are " + used;
}

nlohmann::json ToJson(const UsedCalibration& c) {
  nlohmann::json j = {{"file", c.file},
                      {"group", c.group},
                      {"fitted_points", c.fit.n_points},
                      {"fit_median_ape", c.fit.median_ape},
                      {"rel_sd", c.rel_sd},
                      {"rel_sd_source", c.rel_sd_source}};
  if (!c.by_hardware.empty()) {
    nlohmann::json per = nlohmann::json::object();
    for (const auto& [hardware, fit] : c.by_hardware) {
      per[hardware] = {{"group", fit.group},
                       {"fitted_points", fit.n_points},
                       {"fit_median_ape", fit.median_ape}};
    }
    j["groups_by_hardware"] = per;
    j["other_devices"] = c.group.empty() ? "uncalibrated defaults" : c.group;
  }
  return j;
}

}  // namespace rightsize
