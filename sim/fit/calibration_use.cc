#include "sim/fit/calibration_use.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "sim/fit/family_transfer.h"

namespace rightsize {
namespace {

// 1 / Phi^-1(0.75): sd of a normal from the median of its absolute value.
constexpr double kMadToSd = 1.4826;

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

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

// The file's prior_sd_scale (1 when absent), which scales the cited cross-device spread.
double PriorSdScale(const JsonDocument& doc) {
  const auto options = doc.Root().MaybeChild("options");
  if (!options || !options->Has("prior_sd_scale")) return 1.0;
  return options->RequiredDouble("prior_sd_scale", 1e-9, 1e9);
}

std::string ArchitectureOf(const ArchitectureMap& architecture_of, const std::string& hardware) {
  const auto it = architecture_of.find(hardware);
  return it == architecture_of.end() ? "" : it->second;
}

// The one family of `architecture` (with `engine` when not ""), or nullptr when none or several.
const FamilyCalibration* FamilyFor(const std::vector<FamilyCalibration>& families,
                                   const std::string& architecture, const std::string& engine) {
  if (architecture.empty()) return nullptr;
  const FamilyCalibration* found = nullptr;
  for (const FamilyCalibration& f : families) {
    if (f.architecture != architecture || (!engine.empty() && f.engine != engine)) continue;
    if (!f.transfer.usable) continue;
    if (found != nullptr) return nullptr;
    found = &f;
  }
  return found;
}

// A group fitted on another device pricing `hardware_id`: its covariance widened to the family's
// measured device spread (same architecture and engine) or the cited cross-device spread.
void WidenForTransfer(const JsonDocument& doc, const std::string& hardware_id,
                      const ArchitectureMap& architecture_of, UsedCalibration* used) {
  const std::optional<GroupKey> key = GroupKey::Parse(used->group);
  if (!key) return;
  const std::string arch = ArchitectureOf(architecture_of, hardware_id);
  const bool same = !arch.empty() && arch == ArchitectureOf(architecture_of, key->hardware_id);
  const FamilyCalibration* f = same ? FamilyFor(used->families, arch, key->engine) : nullptr;
  std::array<double, EfficiencyParams::kNumParams> spread = CrossDeviceSpreadLog(PriorSdScale(doc));
  bool measured = false;
  if (f != nullptr) {
    for (size_t k = 0; k < spread.size(); ++k) {
      if (f->tau_measured[k]) spread[k] = f->tau_log[k];
      measured = measured || f->tau_measured[k];
    }
  }
  const std::string why = arch.empty() ? hardware_id + " names no architecture"
                          : !same      ? "fitted on another transfer family than " + arch
                                       : "the file measured no device spread for " + arch;
  used->transfer_spread =
      measured ? "the device spread of family " + f->name + " (" + Join(f->devices) + ")"
               : "the cited cross-device prior spread (" + why + ")";
  used->fit = WithCrossDeviceSpread(used->fit, spread,
                                    "Priced on " + hardware_id +
                                        " by transfer; the interval "
                                        "carries " +
                                        used->transfer_spread + ".");
  used->has_covariance = true;
}

// UseCalibration on a document already read.
UsedCalibration UseGroup(const JsonDocument& doc, const std::string& group,
                         const std::string& hardware_id, const ArchitectureMap& architecture_of) {
  const std::vector<std::string> names = CalibrationGroupNames(doc);
  std::string chosen = group;
  const auto on_device = std::count_if(names.begin(), names.end(), [&](const std::string& name) {
    return !hardware_id.empty() && GroupOnHardware(name, hardware_id);
  });
  if (chosen.empty() && on_device == 1) chosen = hardware_id;
  UsedCalibration used;
  used.file = doc.file();
  used.families = CalibrationFamiliesOf(doc);
  if (chosen.empty() && !hardware_id.empty() && on_device == 0) {
    // No group of its own: its architecture's family, when the file has one.
    const FamilyCalibration* f =
        FamilyFor(used.families, ArchitectureOf(architecture_of, hardware_id), "");
    if (f != nullptr) {
      used.fit = f->transfer;
      used.group = f->transfer.group;
      used.transferred[hardware_id] = f->transfer;
      used.has_covariance = HasCovariance(used.fit);
      ReadFileLevel(doc, used.group, &used);
      return used;
    }
  }
  if (chosen.empty() && names.size() > 1) {
    throw InputError(doc.Root().Where("groups"),
                     "the file holds several groups; name one with --calibration-group (" +
                         GroupNames(doc) + ")");
  }
  used.fit = CalibrationGroupOf(doc, chosen);
  used.group = used.fit.group;
  used.has_covariance = HasCovariance(used.fit);
  if (!hardware_id.empty() && !GroupOnHardware(used.group, hardware_id))
    WidenForTransfer(doc, hardware_id, architecture_of, &used);
  ReadFileLevel(doc, used.group, &used);
  return used;
}

}  // namespace

UsedCalibration UseCalibration(const std::string& path, const std::string& group,
                               const std::string& hardware_id,
                               const ArchitectureMap& architecture_of) {
  return UseGroup(ReadCalibrationDocument(path), group, hardware_id,
                  architecture_of);  // schema checked
}

UsedCalibration UseCalibrationPerDevice(const std::string& path, const std::string& group,
                                        const ArchitectureMap& architecture_of) {
  const JsonDocument doc = ReadCalibrationDocument(path);
  const std::vector<JsonValue> groups = doc.Root().Child("groups").Elements();
  bool names_group_or_device = false;
  for (const JsonValue& g : groups) {
    const std::string name = g.RequiredString("group");
    names_group_or_device |= !group.empty() && (name == group || GroupOnHardware(name, group));
  }
  if (names_group_or_device || groups.size() == 1) return UseGroup(doc, group, "", {});

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
  used.families = CalibrationFamiliesOf(doc);
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
  // Devices with no group of their own: their family's transfer fit, where the file has one.
  const std::string engine = GroupKey::Parse(group) ? "" : group;
  for (const auto& [hardware, architecture] : architecture_of) {
    if (used.by_hardware.count(hardware) > 0) continue;
    const FamilyCalibration* f = FamilyFor(used.families, architecture, engine);
    if (f != nullptr) used.transferred[hardware] = f->transfer;
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
  if (const auto t = c->transferred.find(hardware_id); t != c->transferred.end()) {
    std::string devices;
    for (const FamilyCalibration& f : c->families) {
      if (f.transfer.group == t->second.group) devices = Join(f.devices);
    }
    return "transferred from " + t->second.group + " (devices " + devices +
           "; the family's device spread is in the interval) (" + c->file + ")";
  }
  const auto it = c->by_hardware.find(hardware_id);
  const GroupCalibration* fit = it != c->by_hardware.end() ? &it->second
                                : c->group.empty()         ? nullptr
                                                           : &c->fit;
  if (fit == nullptr) {
    return "uncalibrated (" + c->file + " has no group for " + hardware_id +
           " and no family of its architecture and board class)";
  }
  const bool on_device = fit->group.rfind(hardware_id + "/", 0) == 0;
  if (on_device) return "calibrated: " + fit->group + " (" + c->file + ")";
  return "transferred from " + fit->group + " (" + c->file + ")" +
         (c->transfer_spread.empty() ? "" : "; the interval carries " + c->transfer_spread);
}

std::string UnmatchedCalibrationWarning(const UsedCalibration& c,
                                        const std::vector<std::string>& hardware_ids) {
  std::string devices;
  for (const std::string& id : hardware_ids) {
    if (FittedOn(c, id)) return "";
    devices += (devices.empty() ? "" : ", ") + id;
  }
  std::string used = c.group.empty() ? "uncalibrated defaults" : "transferred from " + c.group;
  if (c.group.empty() && !c.transferred.empty()) {
    used = "transferred from their architecture's family where the file has one (";
    for (const auto& [hardware, fit] : c.transferred)
      used += hardware + ": " + fit.group + (hardware == c.transferred.rbegin()->first ? "" : ", ");
    used += "), else uncalibrated defaults";
  }
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
  if (!c.transferred.empty()) {
    nlohmann::json per = nlohmann::json::object();
    for (const auto& [hardware, fit] : c.transferred) {
      per[hardware] = {
          {"family", fit.group}, {"fitted_points", fit.n_points}, {"sigma_log", fit.sigma_log}};
    }
    j["transferred_by_hardware"] = per;
  }
  if (!c.transfer_spread.empty()) j["transfer_spread"] = c.transfer_spread;
  return j;
}

}  // namespace rightsize
