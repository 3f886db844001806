#include "sim/fit/calibration_use.h"

#include <cmath>

#include <fmt/format.h>


namespace rightsize {
namespace {

// 1 / Phi^-1(0.75): sd of a normal from the median of its absolute value.
constexpr double kMadToSd = 1.4826;

std::string GroupName(const nlohmann::json& g) {
  return g.is_object() && g.contains("group") && g["group"].is_string() ? g["group"].get<std::string>() : "";
}

}  // namespace

UsedCalibration UseCalibration(const std::string& path, const std::string& group,
                               const std::string& hardware_id) {
  const nlohmann::json doc = ReadCalibrationDocument(path);  // schema and groups checked
  std::string chosen = group;
  if (chosen.empty() && !hardware_id.empty()) {
    int on_device = 0;
    for (const auto& g : doc["groups"]) {
      if (GroupName(g).rfind(hardware_id + "/", 0) == 0) ++on_device;
    }
    if (on_device == 1) chosen = hardware_id;
  }
  if (chosen.empty() && doc["groups"].size() > 1) {
    std::string names;
    for (const auto& g : doc["groups"]) {
      names += (names.empty() ? "" : ", ") + GroupName(g);
    }
    throw InputError({path, 0, "groups"},
                     "the file holds several groups; name one with --calibration-group (" + names + ")");
  }
  UsedCalibration used;
  used.fit = CalibrationGroupOf(doc, path, chosen);
  used.file = path;
  used.group = used.fit.group;
  for (double c : used.fit.covariance) used.has_covariance = used.has_covariance || c != 0.0;
  const nlohmann::json* options = doc.contains("options") ? &doc["options"] : nullptr;
  if (options && options->contains("interval_level") && (*options)["interval_level"].is_number()) {
    const double level = (*options)["interval_level"].get<double>();
    if (!(level > 0.0 && level < 1.0)) {
      throw InputError({path, 0, "options.interval_level"}, fmt::format("must be in (0, 1), got {}", level));
    }
    used.interval_level = level;
  }
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
    used.rel_sd = kMadToSd * ape;
    used.rel_sd_source = fmt::format("calibration {} ({}): 1.4826 x held-out {} median APE {:.1f}%", path,
                                     used.group, (r.contains("scheme") && r["scheme"].is_string() ? r["scheme"].get<std::string>() : std::string(scheme)), 100 * ape);
    return used;
  }
  used.rel_sd = used.fit.sigma_log;
  used.rel_sd_source = fmt::format("calibration {} ({}): in-sample sigma_log {:.3f} (the file has no "
                                   "cross-validation; held-out error is usually larger)",
                                   path, used.group, used.fit.sigma_log);
  return used;
}

bool FittedOn(const UsedCalibration& calibration, const std::string& hardware_id) {
  return calibration.group.rfind(hardware_id + "/", 0) == 0;
}

nlohmann::json ToJson(const UsedCalibration& c) {
  return {{"file", c.file},
          {"group", c.group},
          {"fitted_points", c.fit.n_points},
          {"fit_median_ape", c.fit.median_ape},
          {"rel_sd", c.rel_sd},
          {"rel_sd_source", c.rel_sd_source}};
}

}  // namespace rightsize
