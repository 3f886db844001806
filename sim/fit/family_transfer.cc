#include "sim/fit/family_transfer.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "sim/util/stats.h"

namespace rightsize {
namespace {

using P = EfficiencyParams;
constexpr int kN = P::kNumParams;

// Variance of log(param i) of a fit (0 for a held parameter).
double LogVariance(const GroupCalibration& g, int i) {
  const double v = g.params.values[static_cast<size_t>(i)];
  return v > 0 ? g.Covariance(i, i) / (v * v) : 0.0;
}

void AddLogVariance(int i, double add_log_var, GroupCalibration* g) {
  const size_t k = static_cast<size_t>(i);
  const double v = g->params.values[k];
  g->covariance[k * kN + k] += v * v * add_log_var;
  g->std_error[k] = std::sqrt(std::max(0.0, g->covariance[k * kN + k]));
}

std::string Joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Stage 2: the family's device spread per parameter from its devices' own fits.
void EstimateSpread(const std::vector<const GroupCalibration*>& devices,
                    const CalibratorOptions& options, FamilyCalibration* f) {
  const auto cited = CrossDeviceSpreadLog(options.prior_sd_scale);
  for (int i = 0; i < kN; ++i) {
    const size_t k = static_cast<size_t>(i);
    std::vector<double> logs, se2;
    for (const GroupCalibration* d : devices) {
      if (d->source[k] != ParamSource::kData) continue;
      logs.push_back(std::log(d->params.values[k]));
      se2.push_back(LogVariance(*d, i));
    }
    const bool fixed =
        std::find(options.fixed.begin(), options.fixed.end(), i) != options.fixed.end();
    f->tau_measured[k] = !fixed && logs.size() >= static_cast<size_t>(kMinFamilyDevices);
    if (fixed) {
      f->tau_log[k] = 0.0;
    } else if (!f->tau_measured[k]) {
      f->tau_log[k] = cited[k];
    } else {
      double mean = 0.0, mean_se2 = 0.0;
      for (size_t j = 0; j < logs.size(); ++j) {
        mean += logs[j] / static_cast<double>(logs.size());
        mean_se2 += se2[j] / static_cast<double>(logs.size());
      }
      double s2 = 0.0;
      for (double l : logs) s2 += (l - mean) * (l - mean) / static_cast<double>(logs.size() - 1);
      f->tau_log[k] = std::sqrt(std::max(0.0, s2 - mean_se2));
    }
  }
}

// The transfer fit: the level with the device spread in its covariance (file comment).
GroupCalibration TransferFit(const GroupCalibration& level, const FamilyCalibration& f,
                             const std::vector<const GroupCalibration*>& devices) {
  GroupCalibration t = level;
  t.group = "family " + f.name;
  const double n = static_cast<double>(std::max<size_t>(1, devices.size()));
  for (int i = 0; i < kN; ++i) {
    const size_t k = static_cast<size_t>(i);
    const double tau2 = f.tau_log[k] * f.tau_log[k];
    const double add =
        f.tau_measured[k] ? (1.0 + 1.0 / n) * tau2 : std::max(0.0, tau2 - LogVariance(t, i));
    AddLogVariance(i, add, &t);
  }
  std::vector<double> sigmas, interval_sigmas;
  for (const GroupCalibration* d : devices) {
    sigmas.push_back(d->sigma_log);
    interval_sigmas.push_back(d->interval_sigma_log > 0 ? d->interval_sigma_log : d->sigma_log);
  }
  if (!sigmas.empty()) {
    t.sigma_log = Quantile(sigmas, 0.5);
    t.interval_sigma_log = Quantile(interval_sigmas, 0.5);
  }
  std::vector<std::string> measured, cited;
  for (int i = 0; i < kN; ++i) {
    if (f.tau_log[static_cast<size_t>(i)] == 0.0 && !f.tau_measured[static_cast<size_t>(i)])
      continue;
    const std::string item =
        fmt::format("{} {:.3f}", P::Name(i), f.tau_log[static_cast<size_t>(i)]);
    (f.tau_measured[static_cast<size_t>(i)] ? measured : cited).push_back(item);
  }
  t.report = fmt::format(
      "family {}: level fitted on {} points of {} device(s) ({}), pooled median APE {:.1f}%; "
      "transferred to a device without its own group with the device spread (sd of "
      "log(param)) measured across its devices: {}; not measured (fewer than {} devices' data "
      "moved them), the cited cross-device prior spread: {}; residual scale {:.3f} (median of "
      "its devices').",
      f.name, level.n_points, f.devices.size(), Joined(f.devices), 100 * level.median_ape,
      measured.empty() ? "none" : Joined(measured), kMinFamilyDevices,
      cited.empty() ? "none" : Joined(cited), t.sigma_log);
  return t;
}

// Stage 3: a device's group refitted with its prior centred on the family level.
GroupCalibration ShrinkTowardFamily(const std::vector<CalibrationPoint>& device_points,
                                    const CalibratorOptions& options, const FamilyCalibration& f,
                                    const GroupCalibration& level) {
  CalibratorOptions o = options;
  o.families = false;
  std::array<double, kN> sd{};
  for (int i = 0; i < kN; ++i) {
    const size_t k = static_cast<size_t>(i);
    const bool fixed =
        std::find(options.fixed.begin(), options.fixed.end(), i) != options.fixed.end();
    if (!fixed) o.prior.values[k] = level.params.values[k];
    const double tau = f.tau_log[k];
    sd[k] = std::sqrt(tau * tau + LogVariance(level, i));
    if (!(sd[k] > 0)) sd[k] = options.prior_sd_scale * P::kPriorSdLog[k];
  }
  o.prior_sd_log = sd;
  CalibrationResult r = Calibrator(o).Fit(device_points);
  GroupCalibration g = std::move(r.groups.front());
  g.report += fmt::format(
      " Shrunk toward family {}: prior centred on the family level, sd sqrt(tau^2 + the "
      "level's variance).",
      f.name);
  return g;
}

}  // namespace

std::array<double, P::kNumParams> CrossDeviceSpreadLog(double prior_sd_scale) {
  std::array<double, kN> s{};
  for (size_t k = 0; k < static_cast<size_t>(kN); ++k) s[k] = prior_sd_scale * P::kPriorSdLog[k];
  return s;
}

GroupCalibration WithCrossDeviceSpread(const GroupCalibration& fit,
                                       const std::array<double, P::kNumParams>& spread_log,
                                       const std::string& said) {
  GroupCalibration g = fit;
  for (int i = 0; i < kN; ++i) {
    const size_t k = static_cast<size_t>(i);
    AddLogVariance(i, std::max(0.0, spread_log[k] * spread_log[k] - LogVariance(g, i)), &g);
  }
  g.report += " " + said;
  return g;
}

const GroupCalibration* TransferFitFor(const CalibrationResult& fit,
                                       const CalibrationPoint& point) {
  if (point.family.empty()) return nullptr;
  const FamilyCalibration* f = fit.FindFamily(point.family);
  return f ? &f->transfer : nullptr;
}

CalibrationResult FitWithFamilies(const std::vector<CalibrationPoint>& points,
                                  const CalibratorOptions& options) {
  CalibratorOptions plain = options;
  plain.families = false;
  CalibrationResult result = Calibrator(plain).Fit(points);  // stage 1

  std::map<std::string, std::vector<size_t>> family_points;
  std::map<std::string, std::set<std::string>> family_groups;
  for (size_t i = 0; i < points.size(); ++i) {
    if (points[i].family.empty()) continue;
    family_points[points[i].family].push_back(i);
    family_groups[points[i].family].insert(points[i].group);
  }
  bool refitted = false;
  CalibratorOptions pooled_options = plain;
  pooled_options.shared.clear();
  for (const auto& [name, members] : family_points) {
    FamilyCalibration f;
    f.name = name;
    const size_t slash = name.find('/');
    f.architecture = name.substr(0, slash);
    f.engine = slash == std::string::npos ? "" : name.substr(slash + 1);
    std::vector<CalibrationPoint> pooled;
    for (size_t i : members) {
      pooled.push_back(points[i]);
      pooled.back().group = "family " + name;
    }
    // Stage 2. A family of one group pools exactly that group's points under the same options
    // (nothing shared), so its level is that group's fit, not a second fit of the same points.
    const GroupCalibration* only_group = family_groups[name].size() == 1 && plain.shared.empty()
                                             ? result.Find(*family_groups[name].begin())
                                             : nullptr;
    const bool same_points =
        only_group != nullptr && static_cast<size_t>(only_group->n_points) == members.size();
    const GroupCalibration level =
        same_points ? *only_group : Calibrator(pooled_options).Fit(pooled).groups.front();
    std::vector<const GroupCalibration*> devices;
    for (const std::string& group : family_groups[name]) {
      const GroupCalibration* g = result.Find(group);
      if (g == nullptr || !g->usable) continue;
      devices.push_back(g);
      f.devices.push_back(g->group.substr(0, g->group.find('/')));
    }
    EstimateSpread(devices, plain, &f);
    f.pooled_sigma_log = level.sigma_log;
    f.transfer = TransferFit(level, f, devices);
    f.transfer.usable = level.usable && !devices.empty();
    f.report = f.transfer.report;

    const bool shrink = options.use_priors && options.shared.empty() &&
                        static_cast<int>(devices.size()) >= kMinFamilyDevices && level.usable;
    if (shrink) {  // stage 3
      refitted = true;
      for (GroupCalibration& g : result.groups) {
        if (family_groups[name].count(g.group) == 0) continue;
        std::vector<CalibrationPoint> own;
        for (size_t i : members) {
          if (points[i].group == g.group) own.push_back(points[i]);
        }
        g = ShrinkTowardFamily(own, plain, f, level);
      }
    } else if (static_cast<int>(devices.size()) < kMinFamilyDevices) {
      f.report +=
          fmt::format(" Fewer than {} usable devices: the devices are not shrunk toward it.",
                      kMinFamilyDevices);
    }
    result.families.push_back(std::move(f));
  }
  if (refitted) {  // the totals again (nothing was shared, so no pooled line to keep)
    double sum_sq = 0.0;
    result.n_points = 0;
    result.usable = !result.groups.empty();
    result.report.clear();
    for (const GroupCalibration& g : result.groups) {
      result.n_points += g.n_points;
      sum_sq += g.rel_rms * g.rel_rms * g.n_points;
      result.usable = result.usable && g.usable;
      result.report += g.report + "\n";
    }
    result.rel_rms = result.n_points > 0 ? std::sqrt(sum_sq / result.n_points) : 0.0;
  }
  for (const FamilyCalibration& f : result.families) result.report += f.report + "\n";
  return result;
}

}  // namespace rightsize
