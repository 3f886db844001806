#include "sim/cli/calibrate_command.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/cli/numeric_flags.h"
#include "sim/spec/yaml_loaders.h"
#include "sim/util/csv.h"
#include "sim/util/file_io.h"
#include "sim/util/output_path.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

// At most this many skipped rows are listed in the JSON (all are counted).
constexpr size_t kMaxListedSkips = 200;
// Robust-loss scale and prior sd are in log units: e^100 is already beyond any ratio of times.
constexpr double kMaxLogUnits = 100;
constexpr double kMaxFolds = 1000;

std::string Where(const SourceLocation& where) { return where.ToString(); }

nlohmann::json CvToJson(const CrossValidationReport& r) {
  return {{"scheme", r.scheme},          {"folds", r.folds},
          {"n_predicted", r.n_predicted}, {"n_unpredicted", r.n_unpredicted},
          {"median_ape", r.median_ape},   {"p90_ape", r.p90_ape},
          {"coverage", r.coverage},       {"nominal_coverage", r.nominal}};
}

std::string CvLine(const CrossValidationReport& r) {
  return fmt::format("{:>20}: held-out median APE {:5.1f}%, p90 {:5.1f}%, {:.0f}% interval coverage "
                     "{:5.1f}% ({} points predicted, {} not)\n",
                     r.scheme, 100 * r.median_ape, 100 * r.p90_ape, 100 * r.nominal,
                     100 * r.coverage, r.n_predicted, r.n_unpredicted);
}

}  // namespace

LogReadOptions MakeLogReadOptions(const CalibrateCommandOptions& o) {
  LogReadOptions read;
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
  for (const Measurement& m : measurements) {
    const HardwareSpec* hw = options.FindHardware(m.hardware_id);
    if (hw == nullptr) throw InputError(m.where, "unknown hardware '" + m.hardware_id + "'");
    CalibrationPoint p;
    p.ops = m.ops;
    p.rates = ResolveRates(*hw, m.workload);
    p.measured_s = m.interval_time_s;
    p.group = m.Group();
    p.fold_key = m.Group() + "|" + m.series;
    p.where = Where(m.where);
    points.push_back(std::move(p));
  }
  return points;
}

nlohmann::json RunCalibrate(const CalibrateCommandOptions& o, std::string* summary) {
  if (o.logs.empty()) throw InputError({"", 0, "LOGS"}, "no log files given");
  if (o.folds == 1 || o.folds < 0) throw InputError({"", 0, "--folds"}, "use 0 (off) or k >= 2");
  if (!o.output_path.empty()) CheckOutputFile(o.output_path);  // before the fit, not after
  if (!o.residuals_path.empty()) CheckOutputFile(o.residuals_path);
  const LogReadOptions read = MakeLogReadOptions(o);
  LogReadResult all;
  nlohmann::json inputs = nlohmann::json::array();
  for (const std::string& path : o.logs) {
    const std::string format = o.format.empty() ? DetectLogFormat(path) : o.format;
    LogReadResult r = ReadLog(path, format, read);
    inputs.push_back({{"path", path},
                      {"format", format},
                      {"hash_fnv1a64", HashFileContents(path)},
                      {"measurements", r.measurements.size()},
                      {"skipped_rows", r.skipped.size()}});
    all.Append(std::move(r));
  }
  if (all.measurements.empty()) {
    std::string why = all.skipped.empty() ? "the logs hold no rows"
                                          : "every row was skipped; first: " +
                                                Where(all.skipped.front().where) + ": " +
                                                all.skipped.front().reason;
    throw InputError({o.logs.front(), 0, ""}, "nothing to calibrate: " + why);
  }
  const std::vector<CalibrationPoint> points = ToCalibrationPoints(all.measurements, read);

  CalibratorOptions co;
  co.loss = ParseRobustLoss(o.loss);
  co.loss_scale = o.loss_scale;
  co.use_priors = o.priors;
  co.prior_sd_scale = o.prior_sd_scale;
  co.interval_level = o.interval_level;
  co.num_threads = o.num_threads;
  nlohmann::json sharing = nlohmann::json::object();
  std::string sharing_text;
  if (o.share == "auto") {
    const SharingSelection s = SelectSharedParameters(points, co, 5, o.seed);
    if (s.trials.empty()) {
      sharing_text = "--share auto: one group only, nothing to share\n";
    } else {
      co.shared = s.shared;
      sharing_text = fmt::format("--share auto: 5-fold held-out median / p90 with nothing shared {:.1f}% / {:.1f}%\n",
                                 100 * s.baseline_median_ape, 100 * s.baseline_p90_ape);
      nlohmann::json trials = nlohmann::json::array();
      for (const SharingTrial& t : s.trials) {
        const char* name = EfficiencyParams::kParamNames[static_cast<size_t>(t.parameter)];
        sharing_text += fmt::format("  share {:<22} {:5.1f}% / {:5.1f}%  {}\n", name, 100 * t.median_ape,
                                    100 * t.p90_ape, t.kept ? "kept" : "not supported by the held-out error");
        trials.push_back({{"parameter", name}, {"median_ape", t.median_ape}, {"p90_ape", t.p90_ape}, {"kept", t.kept}});
      }
      sharing = {{"rule", fmt::format("kept when the 5-fold held-out median APE rises by at most {:.0f}% and the "
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
        throw InputError({"", 0, "--share"}, "unknown parameter '" + Trim(name) + "'" +
                                                 Hint(DidYouMean(Trim(name), {names.begin(), names.end()})));
      }
      co.shared.push_back(static_cast<int>(it - names.begin()));
    }
  }
  const auto start = std::chrono::steady_clock::now();
  const CalibrationResult fit = Calibrator(co).Fit(points);
  const double fit_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string unusable = NoUsableGroupReason(fit);
  if (!unusable.empty()) throw InputError({o.logs.front(), 0, ""}, unusable + "; nothing written");

  nlohmann::json doc;
  doc["schema_version"] = kCalibrationSchemaVersion;
  doc["tool"] = "rightsize calibrate";
  doc["inputs"] = inputs;
  doc["options"] = {{"loss", ToString(co.loss)},          {"loss_scale", co.loss_scale},
                    {"priors", co.use_priors},             {"prior_sd_scale", co.prior_sd_scale},
                    {"interval_level", co.interval_level}, {"hardware", o.hardware},
                    {"engine", o.engine},                  {"model", o.model},
                    {"prompt_tokens", o.prompt_tokens},    {"gen_tokens", o.gen_tokens},
                    {"tensor_parallel", o.tensor_parallel}, {"replicas", o.replicas},
                    {"weights", o.weights},                {"activations", o.activations},
                    {"kv_cache", o.kv_cache}};
  nlohmann::json shared_names = nlohmann::json::array();
  for (int i : co.shared) shared_names.push_back(EfficiencyParams::kParamNames[static_cast<size_t>(i)]);
  doc["options"]["shared"] = shared_names;
  if (!sharing.empty()) doc["sharing"] = sharing;
  doc["n_points"] = fit.n_points;
  doc["usable"] = fit.usable;
  doc["fit_seconds"] = fit_s;
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : fit.groups) groups.push_back(GroupToJson(g));
  doc["groups"] = groups;
  nlohmann::json skipped = nlohmann::json::array();
  for (size_t i = 0; i < all.skipped.size() && i < kMaxListedSkips; ++i) {
    skipped.push_back({{"where", Where(all.skipped[i].where)}, {"reason", all.skipped[i].reason}});
  }
  doc["skipped_rows"] = {{"count", all.skipped.size()}, {"listed", skipped}};

  std::string text = fmt::format("read {} measurements from {} file(s); {} rows skipped\n",
                                 all.measurements.size(), o.logs.size(), all.skipped.size());
  for (size_t i = 0; i < all.skipped.size() && i < 5; ++i) {
    text += fmt::format("  skipped {}: {}\n", Where(all.skipped[i].where), all.skipped[i].reason);
  }
  text += sharing_text;
  text += fmt::format("fit {} points in {:.2f} s\n", fit.n_points, fit_s);
  for (const auto& g : fit.groups) {
    text += fmt::format("{} [{}]\n", g.group, g.usable ? "usable" : "NOT USABLE");
    text += ParameterTable(g);
    text += "  " + g.report + "\n";
  }
  if (!o.residuals_path.empty()) {
    std::string csv = CsvLine({"where", "group", "series", "label", "measured_s", "predicted_s", "ape"});
    for (size_t i = 0; i < points.size(); ++i) {
      const GroupCalibration* g = fit.Find(points[i].group);
      const double predicted = PredictStepTime_s(points[i].ops, points[i].rates, g->params.values.data());
      csv += CsvLine({points[i].where, points[i].group, all.measurements[i].series, all.measurements[i].label,
                      fmt::format("{:.6g}", points[i].measured_s), fmt::format("{:.6g}", predicted),
                      fmt::format("{:.4f}", std::fabs(predicted / points[i].measured_s - 1))});
    }
    WriteFileAtomically(o.residuals_path, csv);
  }
  nlohmann::json cv = nlohmann::json::object();
  if (o.folds >= 2) {
    const CrossValidationReport k = KFoldCrossValidate(points, co, o.folds, o.seed);
    cv["kfold"] = CvToJson(k);
    text += CvLine(k);
  }
  if (o.leave_one_group_out) {
    const CrossValidationReport logo = LeaveOneGroupOut(points, co);
    cv["leave_one_group_out"] = CvToJson(logo);
    text += CvLine(logo);
  }
  doc["cross_validation"] = cv;
  if (!o.output_path.empty()) {
    WriteFileAtomically(o.output_path, doc.dump(2) + "\n");
    text += "wrote " + o.output_path + "\n";
  }
  if (summary) *summary = text;
  return doc;
}

void RegisterCalibrateCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<CalibrateCommandOptions>();
  CLI::App* cmd = app.add_subcommand("calibrate", "Fit latency-model efficiencies to benchmark logs");
  cmd->add_option("logs", o->logs, "Benchmark log files")->required();
  cmd->add_option("--input-format", o->format,
                  "Log format, forced for every file (default: detected per file from its content)");
  cmd->add_option("--hardware", o->hardware, "Device id or hardware YAML (default: from the logs)");
  cmd->add_option("--engine", o->engine, "Engine name (overrides the logs)");
  cmd->add_option("--model", o->model, "Model id (overrides the logs)");
  const double max_context = static_cast<double>(kMaxContextTokens);
  cmd->add_option("--prompt-tokens", o->prompt_tokens,
                  "Mean prompt tokens per request (logs that omit it: mlperf)")
      ->check(FiniteIn(0, max_context));
  cmd->add_option("--gen-tokens", o->gen_tokens,
                  "Mean generated tokens per request (default: from the log)")
      ->check(FiniteIn(0, max_context));
  cmd->add_option("--tp", o->tensor_parallel, "Tensor-parallel degree of one replica (mlperf)")
      ->capture_default_str()
      ->check(FiniteIn(1, kMaxParallelDegree));
  cmd->add_option("--replicas", o->replicas, "Replicas sharing the measured load (mlperf)")
      ->capture_default_str()
      ->check(FiniteIn(1, static_cast<double>(kMaxDevices)));
  cmd->add_option("--weights", o->weights, "Weight precision (mlperf; default bf16)");
  cmd->add_option("--activations", o->activations, "Activation precision (mlperf; default bf16)");
  cmd->add_option("--kv", o->kv_cache, "KV-cache precision (mlperf; default bf16)");
  cmd->add_option("-o,--output", o->output_path, "Calibration JSON to write");
  cmd->add_option("--loss", o->loss, "Robust loss: none, huber, soft_l1, cauchy, arctan")->capture_default_str();
  cmd->add_option("--loss-scale", o->loss_scale, "Robust-loss scale in log units")
      ->capture_default_str()
      ->check(PositiveUpTo(kMaxLogUnits));
  cmd->add_option("--residuals", o->residuals_path, "CSV of measured vs fitted time per point");
  cmd->add_flag("--priors,!--no-priors", o->priors,
                "Gaussian priors on log(parameter) at the cited defaults (default on)");
  cmd->add_option("--prior-sd-scale", o->prior_sd_scale, "Multiplies every parameter's cited prior sd")
      ->capture_default_str()
      ->check(PositiveUpTo(kMaxLogUnits));
  cmd->add_option("--level", o->interval_level, "Prediction-interval level")
      ->capture_default_str()
      ->check(FiniteIn(0.01, 0.999));
  cmd->add_option("--folds", o->folds, "k-fold cross-validation (0 = off, else >= 2)")
      ->capture_default_str()
      ->check(FiniteIn(0, kMaxFolds));
  cmd->add_flag("--logo", o->leave_one_group_out, "Also leave each model / shape series out in turn");
  cmd->add_flag("--strict", o->strict, "Unmappable rows are errors instead of skipped");
  cmd->add_option("--share", o->share, "Parameters shared by every group: auto (kept where held-out error allows) or NAME,NAME");
  cmd->add_option("--threads", o->num_threads, "Ceres threads")
      ->capture_default_str()
      ->check(FiniteIn(1, 256));
  cmd->callback([o, exit_code] {
    std::string summary;
    const nlohmann::json doc = RunCalibrate(*o, &summary);
    fmt::print("{}", summary);
    *exit_code = doc["usable"].get<bool>() ? kExitOk : kExitInputError;
  });
}

}  // namespace rightsize
