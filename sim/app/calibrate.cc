#include "sim/app/calibrate.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "sim/app/serving_calibration.h"
#include "sim/fit/family_transfer.h"
#include "sim/spec/yaml_loaders.h"
#include "sim/util/csv.h"
#include "sim/util/file_io.h"
#include "sim/util/output_path.h"
#include "sim/util/strings.h"

namespace rightsize::app {
namespace {

// At most this many skipped rows are listed in the JSON (all are counted).
constexpr size_t kMaxListedSkips = 200;
constexpr size_t kWorstGroupsListed = 5;  // leave-one-group-out groups named in the text

std::string Where(const SourceLocation& where) { return where.ToString(); }

std::string CvLine(const CrossValidationReport& r) {
  return fmt::format(
      "{:>20}: held-out median APE {:5.1f}%, p90 {:5.1f}%, {:.0f}% interval coverage "
      "{:5.1f}% ({} points predicted, {} not)\n",
      r.scheme, 100 * r.median_ape, 100 * r.p90_ape, 100 * r.nominal, 100 * r.coverage,
      r.n_predicted, r.n_unpredicted);
}

// The held-out groups predicted worst (median APE), so a user sees which series transfer least.
std::string WorstGroupsLine(const CrossValidationReport& r) {
  std::vector<std::pair<double, std::string>> worst;
  for (const auto& [group, median] : r.group_median_ape) worst.emplace_back(median, group);
  if (worst.empty()) return "";
  std::sort(worst.rbegin(), worst.rend());
  std::string text = "    worst held out (median APE):";
  for (size_t i = 0; i < worst.size() && i < kWorstGroupsListed; ++i) {
    text += fmt::format("{} {} {:.1f}%", i == 0 ? "" : ",", worst[i].second, 100 * worst[i].first);
  }
  return text + "\n";
}

}  // namespace

LogReadOptions MakeLogReadOptions(const CalibrateOptions& o, const Catalog& catalog) {
  LogReadOptions read(catalog);
  read.engine = o.engine;
  read.model_id = o.model;
  read.strict = o.strict;
  read.prompt_tokens = o.prompt_tokens;
  read.gen_tokens = o.gen_tokens;
  read.tensor_parallel = o.tensor_parallel;
  read.replicas = o.replicas;
  read.weights = o.weights;
  read.activations = o.activations;
  read.kv_cache = o.kv_cache;
  if (!o.hardware.empty()) {
    const std::filesystem::path path(o.hardware);
    if (path.extension() == ".yaml" || path.extension() == ".yml") {
      HardwareSpec spec = LoadHardwareSpecYaml(o.hardware);
      read.hardware_id = spec.id;
      read.extra_hardware.emplace(spec.id, std::move(spec));
    } else {
      read.hardware_id = o.hardware;
    }
  }
  return read;
}

std::vector<CalibrationPoint> ToCalibrationPoints(const std::vector<Measurement>& measurements,
                                                  const LogReadOptions& options) {
  std::vector<CalibrationPoint> points;
  points.reserve(measurements.size());
  ServingRunSimulations serving_runs;
  for (const Measurement& m : measurements) {
    const HardwareSpec* hw = options.FindHardware(m.hardware_id);
    if (hw == nullptr) throw InputError(m.where, "unknown hardware '" + m.hardware_id + "'");
    CalibrationPoint p;
    p.ops = m.ops;
    p.rates = ResolveRates(*hw, m.workload, m.pipeline_microbatches);
    p.measured_s = m.interval_time_s;
    p.group = GroupKey{m.hardware_id, m.engine}.Name();
    p.fold_key = p.group + "|" + m.series;
    p.where = Where(m.where);
    p.device = m.hardware_id;
    if (const std::string family = TransferFamily(*hw); !family.empty())
      p.family = family + "/" + m.engine;
    if (m.serving_load) {
      p.simulated = serving_runs.For(m, options.GetCatalog().Model(m.model_id), *hw);
    }
    points.push_back(std::move(p));
  }
  return points;
}

namespace {

// Rows predicted by simulating their run (Measurement::serving_load).
size_t ServingLevelRows(const std::vector<Measurement>& measurements) {
  return static_cast<size_t>(std::count_if(measurements.begin(), measurements.end(),
                                           [](const Measurement& m) { return m.serving_load; }));
}

// Every log, with its format, hash and counts in `inputs`; InputError when no row is usable.
LogReadResult ReadLogs(const CalibrateOptions& o, const LogReadOptions& read,
                       nlohmann::json* inputs) {
  LogReadResult all;
  for (const std::string& path : o.logs) {
    const std::string format = o.format.empty() ? DetectLogFormat(path) : o.format;
    LogReadResult r = ReadLog(path, format, read);
    inputs->push_back({{"path", path},
                       {"format", format},
                       {"hash_fnv1a64", HashFileContents(path)},
                       {"measurements", r.measurements.size()},
                       {"serving_level_rows", ServingLevelRows(r.measurements)},
                       {"skipped_rows", r.skipped.size()}});
    all.Append(std::move(r));
  }
  if (all.measurements.empty()) {
    std::string why = all.skipped.empty()
                          ? "the logs hold no rows"
                          : "every row was skipped; first: " + Where(all.skipped.front().where) +
                                ": " + all.skipped.front().reason;
    throw InputError({o.logs.front(), 0, ""}, "nothing to calibrate: " + why);
  }
  return all;
}

// --share: "auto" keeps each parameter the held-out error allows to share (the trials go to
// `sharing` and `text`), a list names them; "" shares nothing.
void ChooseSharedParameters(const CalibrateOptions& o, const std::vector<CalibrationPoint>& points,
                            CalibratorOptions* calibrator, nlohmann::json* sharing_json,
                            std::string* text) {
  CalibratorOptions& co = *calibrator;
  nlohmann::json& sharing = *sharing_json;
  std::string& sharing_text = *text;
  if (o.share == "auto") {
    const SharingSelection s = SelectSharedParameters(points, co, 5, o.seed, o.runner);
    if (s.trials.empty()) {
      sharing_text = "--share auto: one group only, nothing to share\n";
    } else {
      co.shared = s.shared;
      sharing_text = fmt::format(
          "--share auto: 5-fold held-out median / p90 with nothing shared {:.1f}% / {:.1f}%\n",
          100 * s.baseline_median_ape, 100 * s.baseline_p90_ape);
      nlohmann::json trials = nlohmann::json::array();
      for (const SharingTrial& t : s.trials) {
        const char* name = EfficiencyParams::kParamNames[static_cast<size_t>(t.parameter)];
        sharing_text +=
            fmt::format("  share {:<22} {:5.1f}% / {:5.1f}%  {}\n", name, 100 * t.median_ape,
                        100 * t.p90_ape, t.kept ? "kept" : "not supported by the held-out error");
        trials.push_back({{"parameter", name},
                          {"median_ape", t.median_ape},
                          {"p90_ape", t.p90_ape},
                          {"kept", t.kept}});
      }
      sharing = {
          {"rule",
           fmt::format("kept when the 5-fold held-out median APE rises by at most {:.0f}% and the "
                       "p90 by at most {:.0f}% (relative)",
                       100 * kSharingMedianTolerance, 100 * kSharingP90Tolerance)},
          {"baseline_median_ape", s.baseline_median_ape},
          {"baseline_p90_ape", s.baseline_p90_ape},
          {"trials", trials}};
    }
  } else if (!o.share.empty()) {
    for (const std::string& name : Split(o.share, ',')) {
      const auto& names = EfficiencyParams::kParamNames;
      const auto it = std::find(names.begin(), names.end(), Trim(name));
      if (it == names.end()) {
        throw InputError({"", 0, "--share"},
                         "unknown parameter '" + Trim(name) + "'" +
                             Hint(DidYouMean(Trim(name), {names.begin(), names.end()})));
      }
      co.shared.push_back(static_cast<int>(it - names.begin()));
    }
  }
}

// Each group's parameter table (what moved it: data, prior or held) and report, then each
// transfer family's level and spread.
std::string GroupsText(const CalibrationResult& fit) {
  std::string text;
  for (const auto& g : fit.groups) {
    text += fmt::format("{} [{}]\n", g.group, g.usable ? "usable" : "NOT USABLE");
    text += ParameterTable(g);
    text += "  " + g.report + "\n";
  }
  for (const auto& f : fit.families) {
    text += fmt::format("{} [{}; prices a device of the family without its own group]\n",
                        f.transfer.group, f.transfer.usable ? "usable" : "NOT USABLE");
    // A family of one device is that device's fit with the cited spread: its report says so,
    // the table would repeat the group's.
    if (f.devices.size() >= static_cast<size_t>(kMinFamilyDevices))
      text += ParameterTable(f.transfer);
    text += "  " + f.report + "\n";
  }
  return text;
}

// Leave one GPU out: overall, then per family with its devices.
std::string DeviceHoldOutText(const DeviceHoldOutReport& r) {
  if (r.by_family.empty())
    return "leave-one-device-out: no family has two or more devices in the logs\n";
  std::string text = CvLine(r.overall);
  for (const auto& [family, report] : r.by_family) {
    std::string devices;
    for (const auto& d : r.devices.at(family)) {
      const auto it = r.device_median_ape.find(d);
      devices += (devices.empty() ? "" : ", ") + d +
                 (it == r.device_median_ape.end() ? "" : fmt::format(" {:.1f}%", 100 * it->second));
    }
    text += "  " + CvLine(report) + "    held out in turn (median APE): " + devices + "\n";
  }
  return text;
}

// CSV of measured vs fitted time per point.
void WriteResiduals(const std::string& path, const std::vector<CalibrationPoint>& points,
                    const LogReadResult& all, const CalibrationResult& fit) {
  std::string csv =
      CsvLine({"where", "group", "series", "label", "measured_s", "predicted_s", "ape"});
  for (size_t i = 0; i < points.size(); ++i) {
    const GroupCalibration* g = fit.Find(points[i].group);
    const double predicted = PredictPointS(points[i], g->params.values.data());
    csv += CsvLine({points[i].where, points[i].group, all.measurements[i].series,
                    all.measurements[i].label, fmt::format("{:.6g}", points[i].measured_s),
                    fmt::format("{:.6g}", predicted),
                    fmt::format("{:.4f}", std::fabs(predicted / points[i].measured_s - 1))});
  }
  WriteFileAtomically(path, csv);
}

}  // namespace

CalibrateResult RunCalibrate(const CalibrateOptions& o, const Catalog& catalog) {
  if (o.logs.empty()) throw InputError({"", 0, "LOGS"}, "no log files given");
  if (o.folds == 1 || o.folds < 0) throw InputError({"", 0, "--folds"}, "use 0 (off) or k >= 2");
  if (!o.output_path.empty()) CheckOutputFile(o.output_path);  // before the fit, not after
  if (!o.residuals_path.empty()) CheckOutputFile(o.residuals_path);
  const LogReadOptions read = MakeLogReadOptions(o, catalog);
  nlohmann::json inputs = nlohmann::json::array();
  const LogReadResult all = ReadLogs(o, read, &inputs);
  const std::vector<CalibrationPoint> points = ToCalibrationPoints(all.measurements, read);

  CalibratorOptions co;
  co.loss = ParseRobustLoss(o.loss);
  co.loss_scale = o.loss_scale;
  co.use_priors = o.priors;
  co.prior_sd_scale = o.prior_sd_scale;
  co.interval_level = o.interval_level;
  co.num_threads = o.num_threads;
  co.families = o.families;
  nlohmann::json sharing = nlohmann::json::object();
  std::string sharing_text;
  ChooseSharedParameters(o, points, &co, &sharing, &sharing_text);
  const auto start = std::chrono::steady_clock::now();
  const CalibrationResult fit = Calibrator(co).Fit(points);
  const double fit_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string unusable = NoUsableGroupReason(fit);
  if (!unusable.empty()) throw InputError({o.logs.front(), 0, ""}, unusable + "; nothing written");
  // The cross-validations are the last work split over MPI ranks; the rest (the text, the files)
  // is the writing process's alone.
  std::optional<CrossValidationReport> kfold, leave_one_group_out;
  if (o.folds >= 2) kfold = KFoldCrossValidate(points, co, o.folds, o.seed, o.runner);
  if (o.leave_one_group_out) leave_one_group_out = LeaveOneGroupOut(points, co, o.runner);
  std::optional<DeviceHoldOutReport> leave_one_device_out;
  if (o.leave_one_device_out) leave_one_device_out = LeaveOneDeviceOut(points, co, o.runner);
  if (o.runner != nullptr) o.runner->EndWorkers();

  CalibrationRecord record;
  record.inputs = inputs;
  record.options = {{"loss", ToString(co.loss)},
                    {"loss_scale", co.loss_scale},
                    {"priors", co.use_priors},
                    {"prior_sd_scale", co.prior_sd_scale},
                    {"interval_level", co.interval_level},
                    {"families", co.families},
                    {"hardware", o.hardware},
                    {"engine", o.engine},
                    {"model", o.model},
                    {"prompt_tokens", o.prompt_tokens},
                    {"gen_tokens", o.gen_tokens},
                    {"tensor_parallel", o.tensor_parallel},
                    {"replicas", o.replicas},
                    {"weights", o.weights},
                    {"activations", o.activations},
                    {"kv_cache", o.kv_cache}};
  nlohmann::json shared_names = nlohmann::json::array();
  for (int i : co.shared)
    shared_names.push_back(EfficiencyParams::kParamNames[static_cast<size_t>(i)]);
  record.options["shared"] = shared_names;
  record.sharing = sharing;
  record.fit = fit;
  record.fit_seconds = fit_s;
  record.skipped_count = all.skipped.size();
  for (size_t i = 0; i < all.skipped.size() && i < kMaxListedSkips; ++i) {
    record.skipped_listed.push_back(
        {{"where", Where(all.skipped[i].where)}, {"reason", all.skipped[i].reason}});
  }

  std::string text = fmt::format("read {} measurements from {} file(s); {} rows skipped\n",
                                 all.measurements.size(), o.logs.size(), all.skipped.size());
  for (size_t i = 0; i < all.skipped.size() && i < 5; ++i) {
    text += fmt::format("  skipped {}: {}\n", Where(all.skipped[i].where), all.skipped[i].reason);
  }
  if (const size_t serving = ServingLevelRows(all.measurements); serving > 0) {
    text += fmt::format(
        "  {} serving-level rows (a run's median TTFT / TPOT at its request rate or "
        "concurrency): predicted by simulating each run\n",
        serving);
  }
  text += sharing_text;
  text += fmt::format("fit {} points in {:.2f} s\n", fit.n_points, fit_s);
  text += GroupsText(fit);
  if (!o.residuals_path.empty()) WriteResiduals(o.residuals_path, points, all, fit);
  record.kfold = kfold;
  if (kfold) text += CvLine(*kfold);
  record.leave_one_group_out = leave_one_group_out;
  if (leave_one_group_out)
    text += CvLine(*leave_one_group_out) + WorstGroupsLine(*leave_one_group_out);
  record.leave_one_device_out = leave_one_device_out;
  if (leave_one_device_out) text += DeviceHoldOutText(*leave_one_device_out);
  nlohmann::json doc = CalibrationFileJson(record);
  if (!o.output_path.empty()) {
    WriteFileAtomically(o.output_path, doc.dump(2) + "\n");
    text += "wrote " + o.output_path + "\n";
  }
  CalibrateResult result;
  result.usable = doc["usable"].get<bool>();
  result.document = std::move(doc);
  result.summary = std::move(text);
  return result;
}

std::vector<nlohmann::json> ParameterRows(const nlohmann::json& calibration_document) {
  std::vector<nlohmann::json> rows;
  for (const nlohmann::json& g : calibration_document.value("groups", nlohmann::json::array())) {
    const nlohmann::json at_bound = g.value("at_bound", nlohmann::json::array());
    for (const nlohmann::json& name_json : g.value("param_order", nlohmann::json::array())) {
      const std::string name = name_json.get<std::string>();
      nlohmann::json row = {{"group", g.value("group", "")}, {"parameter", name}};
      row["value"] = g["params"].value(name, nlohmann::json());
      row["std_error"] =
          g.value("std_error", nlohmann::json::object()).value(name, nlohmann::json());
      const nlohmann::json prior =
          g.value("prior", nlohmann::json::object()).value(name, nlohmann::json());
      row["prior_value"] =
          prior.is_object() ? prior.value("value", nlohmann::json()) : nlohmann::json();
      row["prior_sd_log"] =
          prior.is_object() ? prior.value("sd_log", nlohmann::json()) : nlohmann::json();
      row["determined_by"] =
          g.value("determined_by", nlohmann::json::object()).value(name, nlohmann::json());
      row["at_bound"] = std::find(at_bound.begin(), at_bound.end(), name_json) != at_bound.end();
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

}  // namespace rightsize::app
