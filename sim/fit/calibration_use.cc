#include "sim/fit/calibration_use.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

namespace rightsize {
namespace {

// 1 / Phi^-1(0.75): sd of a normal from the median of its absolute value.
constexpr double kMadToSd = 1.4826;

std::string GroupNames(const CalibrationFile& file) {
  std::string names;
  for (const auto& name : file.group_names) names += (names.empty() ? "" : ", ") + name;
  return names;
}

// What a command takes from the whole file: the interval level and the 1-sigma relative error
// from the held-out error (`label` names the group(s) in rel_sd_source).
void ReadFileLevel(const CalibrationFile& file, const std::string& label, UsedCalibration* used) {
  if (file.interval_level) used->interval_level = *file.interval_level;
  if (file.held_out) {
    used->rel_sd = kMadToSd * file.held_out->median_ape;
    used->rel_sd_source = fmt::format("calibration {} ({}): 1.4826 x held-out {} median APE {:.1f}%",
                                      file.path, label, file.held_out->scheme,
                                      100 * file.held_out->median_ape);
    return;
  }
  // No cross-validation: the largest in-sample scale of the groups used.
  double sigma = used->fit.sigma_log;
  for (const auto& [hardware, fit] : used->by_hardware) sigma = std::max(sigma, fit.sigma_log);
  used->rel_sd = sigma;
  used->rel_sd_source = fmt::format("calibration {} ({}): in-sample sigma_log {:.3f} (the file has no "
                                    "cross-validation; held-out error is usually larger)",
                                    file.path, label, sigma);
}

bool HasCovariance(const GroupCalibration& fit) {
  for (double c : fit.covariance) {
    if (c != 0.0) return true;
  }
  return false;
}

// UseCalibration on a document already read.
UsedCalibration UseGroup(const CalibrationFile& file, const std::string& group,
                         const std::string& hardware_id) {
  std::string chosen = group;
  if (chosen.empty() && !hardware_id.empty()) {
    int on_device = 0;
    for (const auto& name : file.group_names) {
      if (GroupOnHardware(name, hardware_id)) ++on_device;
    }
    if (on_device == 1) chosen = hardware_id;
  }
  if (chosen.empty() && file.group_names.size() > 1) {
    throw InputError({file.path, 0, "groups"},
                     "the file holds several groups; name one with --calibration-group (" + GroupNames(file) + ")");
  }
  UsedCalibration used;
  used.fit = GroupOf(file, chosen);
  used.file = file.path;
  used.group = used.fit.group;
  used.has_covariance = HasCovariance(used.fit);
  ReadFileLevel(file, used.group, &used);
  return used;
}

}  // namespace

UsedCalibration UseCalibration(const std::string& path, const std::string& group,
                               const std::string& hardware_id) {
  return UseGroup(ReadCalibrationFile(path), group, hardware_id);  // schema checked
}

UsedCalibration UseCalibrationPerDevice(const std::string& path, const std::string& group) {
  const CalibrationFile file = ReadCalibrationFile(path);
  bool names_group_or_device = false;
  for (const auto& name : file.group_names) {
    names_group_or_device |= !group.empty() && (name == group || GroupOnHardware(name, group));
  }
  if (names_group_or_device || file.group_names.size() == 1) return UseGroup(file, group, "");

  // Per device: the usable groups fitted on it (with engine `group` when one is named).
  std::map<std::string, std::vector<std::string>> names_by_hardware;
  for (size_t i = 0; i < file.group_names.size(); ++i) {
    const std::string& name = file.group_names[i];
    const std::optional<GroupKey> key = GroupKey::Parse(name);
    if (!key || !file.group_usable[i]) continue;
    if (!group.empty() && key->engine != group) continue;
    names_by_hardware[key->hardware_id].push_back(name);
  }
  UsedCalibration used;
  used.file = path;
  std::string label;
  for (const auto& [hardware, names] : names_by_hardware) {
    if (names.size() != 1) continue;
    used.by_hardware[hardware] = GroupOf(file, names.front());
    used.has_covariance = used.has_covariance || HasCovariance(used.by_hardware[hardware]);
    label += (label.empty() ? "" : ", ") + names.front();
  }
  if (used.by_hardware.empty()) {
    if (!group.empty()) GroupOf(file, group);  // throws: no such group
    throw InputError({path, 0, "groups"},
                     "no device has exactly one group; name one with --calibration-group (a group, a "
                     "hardware id or an engine of: " + GroupNames(file) + ")");
  }
  ReadFileLevel(file, "per device: " + label, &used);
  return used;
}

bool FittedOn(const UsedCalibration& calibration, const std::string& hardware_id) {
  return calibration.by_hardware.count(hardware_id) > 0 ||
         GroupOnHardware(calibration.group, hardware_id);
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
      per[hardware] = {{"group", fit.group}, {"fitted_points", fit.n_points}, {"fit_median_ape", fit.median_ape}};
    }
    j["groups_by_hardware"] = per;
    j["other_devices"] = c.group.empty() ? "uncalibrated defaults" : c.group;
  }
  return j;
}

}  // namespace rightsize
