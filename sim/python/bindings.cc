// _rightsize: the pybind11 bindings behind the `rightsize` Python package. Thin on purpose: each
// function calls the same C++ entry point as the CLI subcommand of the same name and returns plain
// Python objects (dicts / lists converted from the JSON the CLI prints, or a dict of numpy columns
// for sweeps), so a notebook and the CLI can never disagree. The keyword defaults mirror the CLI
// flags' defaults.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/cli/calibrate_command.h"
#include "sim/cli/calibration_options.h"
#include "sim/cli/fit_law_command.h"
#include "sim/cli/size_command.h"
#include "sim/cli/workload_options.h"
#include "sim/fit/calibrator.h"
#include "sim/plan/capacity.h"
#include "sim/plan/crossover_runner.h"
#include "sim/plan/predict.h"
#include "sim/plan/study.h"
#include "sim/plan/sweep.h"
#include "sim/report/crossover_report.h"
#include "sim/spec/catalog.h"
#include "sim/spec/precision.h"
#include "sim/util/error.h"
#include "sim/util/file_io.h"
#include "sim/util/output_path.h"

namespace py = pybind11;

namespace rightsize {
namespace {

// nlohmann::json -> the Python object json.loads would give (NaN stays a float NaN).
py::object ToPython(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return py::none();
    case nlohmann::json::value_t::boolean:
      return py::bool_(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return py::int_(j.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return py::int_(j.get<uint64_t>());
    case nlohmann::json::value_t::number_float:
      return py::float_(j.get<double>());
    case nlohmann::json::value_t::string:
      return py::str(j.get_ref<const std::string&>());
    case nlohmann::json::value_t::array: {
      py::list list;
      for (const auto& item : j) list.append(ToPython(item));
      return list;
    }
    case nlohmann::json::value_t::object: {
      py::dict dict;
      for (auto it = j.begin(); it != j.end(); ++it) dict[py::str(it.key())] = ToPython(it.value());
      return dict;
    }
    default:
      return py::none();
  }
}

// As the CLI's --calibration / --calibration-group: the group for one device when hardware_id is
// given, else the group fitted on each device (sim/fit/calibration_use.h).
DeviceEfficiencyParams ParamsFrom(const std::string& calibration, const std::string& group,
                                  const std::string& hardware_id = "") {
  return ParamsOf(LoadCalibrationOption({calibration, group}, hardware_id));
}

py::list ListModels() {
  py::list rows;
  for (const auto& [id, m] : Catalog::Default().models()) {
    const ParamCounts counts = CountParams(m);
    rows.append(ToPython({{"id", id}, {"name", m.name}, {"total_params", counts.Total()},
                          {"active_params", counts.Active()}, {"layers", m.num_layers},
                          {"max_context_tokens", m.max_context_tokens}, {"moe", m.IsMoe()}}));
  }
  return rows;
}

py::list ListHardware() {
  py::list rows;
  for (const auto& [id, h] : Catalog::Default().hardware()) {
    rows.append(ToPython({{"id", id}, {"name", h.name}, {"kind", ToString(h.kind)},
                          {"memory_bytes", h.memory_bytes},
                          {"memory_bandwidth_bytes_per_s", h.memory_bandwidth_bytes_per_s}}));
  }
  return rows;
}

py::object PredictPy(const std::string& model_id, const std::string& hardware_id, const std::string& mode,
                     int64_t batch, int64_t prompt_tokens, int64_t gen_tokens, const std::string& weights,
                     const std::string& activations, const std::string& kv, int devices, int tp, int pp,
                     int ep, int zero, const std::string& recompute, int64_t lora_rank,
                     int64_t micro_batch, double memory_utilization, double usd_per_hour, double train_tokens,
                     const std::string& calibration, const std::string& calibration_group) {
  WorkloadOptions o;
  o.mode = mode;
  o.batch = batch;
  o.prompt_tokens = prompt_tokens;
  o.gen_tokens = gen_tokens;
  o.weights = weights;
  o.activations = activations;
  o.kv = kv;
  o.devices = devices;
  o.tp = tp;
  o.pp = pp;
  o.ep = ep;
  o.zero = zero;
  o.recompute = recompute;
  o.lora_rank = lora_rank;
  o.micro_batch = micro_batch;
  o.memory_utilization = memory_utilization;
  // Same checks as the CLI's CLI::NonNegativeNumber on these two flags.
  if (!(usd_per_hour >= 0)) throw InputError({"", 0, "usd_per_hour"}, "must be >= 0");
  if (!(train_tokens >= 0)) throw InputError({"", 0, "train_tokens"}, "must be >= 0");
  PredictOptions options;
  const auto used = LoadCalibrationOption({calibration, calibration_group}, hardware_id);
  options.params = ParamsOf(used).For(hardware_id);
  options.usd_per_hour = usd_per_hour;
  options.train_tokens = train_tokens;
  const Catalog& catalog = Catalog::Default();
  const ModelSpec model = catalog.ResolveModel(model_id);
  const HardwareSpec& hardware = catalog.Hardware(hardware_id);
  const Workload workload = BuildWorkload(o);
  nlohmann::json j = ToJson(Predict(model, hardware, workload, options));
  j["priced_by"] = PricedBy(used, hardware.id);
  return ToPython(j);
}

py::object PlanPy(const std::string& study_path, const std::string& calibration, const std::string& group) {
  const CapacityStudy study = LoadCapacityStudy(study_path);
  std::vector<LayoutPlan> plans;
  {
    py::gil_scoped_release release;
    plans = PlanCapacity(study, Catalog::Default(), ParamsFrom(calibration, group));
  }
  // The document `rightsize plan --format json` prints.
  nlohmann::json j;
  j["schema_version"] = 1;
  j["study"] = study_path;
  j["traffic"] = {{"requests_per_s", study.traffic.requests_per_s},
                  {"prompt_tokens", study.traffic.prompt_tokens},
                  {"output_tokens", study.traffic.output_tokens}};
  j["slo"] = {{"ttft_s", study.slo.ttft_s}, {"tpot_s", study.slo.tpot_s}};
  j["layouts"] = nlohmann::json::array();
  for (const auto& plan : plans) j["layouts"].push_back(ToJson(plan));
  return ToPython(j);
}

SweepGrid MakeGrid(const std::vector<std::string>& models, const std::vector<std::string>& hardware,
                   const std::vector<int64_t>& batch, const std::vector<int64_t>& prompt_tokens,
                   const std::vector<int64_t>& gen_tokens, const std::vector<std::string>& weights,
                   const std::vector<int>& tp) {
  // The checks `rightsize sweep` makes, with the same messages (keys named as the Python
  // arguments).
  auto check = [](bool ok, const char* key, const char* what) {
    if (!ok) throw InputError({"", 0, key}, what);
  };
  check(!models.empty(), "models", "give at least one model");
  check(!hardware.empty(), "hardware", "give at least one hardware id");
  SweepGrid g;
  g.models = models;
  g.hardware = hardware;
  g.batch = batch;
  g.prompt_tokens = prompt_tokens;
  g.gen_tokens = gen_tokens;
  g.tensor_parallel = tp;
  g.weights.clear();
  for (const auto& w : weights) g.weights.push_back(ParsePrecision(w, {"", 0, "weights"}));
  for (auto b : g.batch) {
    if (b < 1) throw InputError({"", 0, "batch"}, fmt::format("batch must be >= 1, got {}", b));
  }
  for (auto p : g.prompt_tokens) {
    if (p < 1) throw InputError({"", 0, "prompt_tokens"}, fmt::format("must be >= 1, got {}", p));
  }
  for (auto n : g.gen_tokens) {
    if (n < 1) throw InputError({"", 0, "gen_tokens"}, fmt::format("must be >= 1, got {}", n));
  }
  for (auto t : g.tensor_parallel) {
    if (t < 1) throw InputError({"", 0, "tp"}, fmt::format("must be >= 1, got {}", t));
  }
  check(g.Size() > 0, "grid", "every axis needs at least one value");
  return g;
}

// Columns built straight from SweepRow (no JSON): numeric columns are numpy arrays, NaN where the
// configuration is infeasible (null in `rightsize sweep --format json`); text columns are lists.
py::dict SweepPy(const std::vector<std::string>& models, const std::vector<std::string>& hardware,
                 const std::vector<int64_t>& batch, const std::vector<int64_t>& prompt_tokens,
                 const std::vector<int64_t>& gen_tokens, const std::vector<std::string>& weights,
                 const std::vector<int>& tp, int threads, const std::string& calibration,
                 const std::string& group) {
  const SweepGrid g = MakeGrid(models, hardware, batch, prompt_tokens, gen_tokens, weights, tp);
  const DeviceEfficiencyParams params = ParamsFrom(calibration, group, hardware.size() == 1 ? hardware.front() : "");
  std::vector<SweepRow> rows;
  {
    py::gil_scoped_release release;
    rows = RunSweep(g, Catalog::Default(), params, threads);
  }
  const auto n = static_cast<py::ssize_t>(rows.size());
  py::array_t<int64_t> c_batch(n), c_prompt(n), c_gen(n), c_tp(n);
  py::array_t<bool> c_feasible(n);
  py::array_t<double> c_mem(n), c_ttft(n), c_tpot(n), c_e2e(n), c_tps(n), c_usd(n), c_j(n);
  auto b = c_batch.mutable_unchecked<1>();
  auto p = c_prompt.mutable_unchecked<1>();
  auto gn = c_gen.mutable_unchecked<1>();
  auto t = c_tp.mutable_unchecked<1>();
  auto f = c_feasible.mutable_unchecked<1>();
  auto mem = c_mem.mutable_unchecked<1>();
  auto ttft = c_ttft.mutable_unchecked<1>();
  auto tpot = c_tpot.mutable_unchecked<1>();
  auto e2e = c_e2e.mutable_unchecked<1>();
  auto tps = c_tps.mutable_unchecked<1>();
  auto usd = c_usd.mutable_unchecked<1>();
  auto jpt = c_j.mutable_unchecked<1>();
  // One Python string per distinct value, shared by every row that uses it.
  std::vector<py::str> model_names, hardware_names, weight_names;
  for (const auto& s : g.models) model_names.emplace_back(s);
  for (const auto& s : g.hardware) hardware_names.emplace_back(s);
  for (auto w : g.weights) weight_names.emplace_back(ToString(w));
  const py::str empty("");
  py::list c_model(n), c_hw(n), c_weights(n), c_reason(n);
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  for (py::ssize_t i = 0; i < n; ++i) {
    const SweepRow& r = rows[static_cast<size_t>(i)];
    c_model[static_cast<size_t>(i)] = model_names[r.model];
    c_hw[static_cast<size_t>(i)] = hardware_names[r.hardware];
    c_weights[static_cast<size_t>(i)] = weight_names[r.weights];
    c_reason[static_cast<size_t>(i)] = r.reason.empty() ? empty : py::str(r.reason);
    b(i) = g.batch[r.batch];
    p(i) = g.prompt_tokens[r.prompt];
    gn(i) = g.gen_tokens[r.gen];
    t(i) = g.tensor_parallel[r.tp];
    f(i) = r.feasible;
    mem(i) = r.memory_bytes_per_device;
    ttft(i) = r.feasible ? r.ttft_s : kNaN;
    tpot(i) = r.feasible ? r.tpot_s : kNaN;
    e2e(i) = r.feasible ? r.e2e_latency_s : kNaN;
    tps(i) = r.feasible ? r.decode_tokens_per_s : kNaN;
    usd(i) = r.feasible ? r.usd_per_million_output_tokens : kNaN;
    jpt(i) = r.feasible ? r.j_per_output_token : kNaN;
  }
  py::dict out;
  out["model"] = c_model;
  out["hardware"] = c_hw;
  out["batch"] = c_batch;
  out["prompt_tokens"] = c_prompt;
  out["gen_tokens"] = c_gen;
  out["weights"] = c_weights;
  out["tp"] = c_tp;
  out["feasible"] = c_feasible;
  out["reason"] = c_reason;
  out["memory_bytes_per_device"] = c_mem;
  out["ttft_s"] = c_ttft;
  out["tpot_s"] = c_tpot;
  out["e2e_latency_s"] = c_e2e;
  out["decode_tokens_per_s"] = c_tps;
  out["usd_per_million_output_tokens"] = c_usd;
  out["j_per_output_token"] = c_j;
  return out;
}

// What `rightsize sweep --bench` times: RunSweep alone, in seconds, with no conversion.
double SweepBenchPy(const std::vector<std::string>& models, const std::vector<std::string>& hardware,
                    const std::vector<int64_t>& batch, const std::vector<int64_t>& prompt_tokens,
                    const std::vector<int64_t>& gen_tokens, const std::vector<std::string>& weights,
                    const std::vector<int>& tp, int threads) {
  const SweepGrid g = MakeGrid(models, hardware, batch, prompt_tokens, gen_tokens, weights, tp);
  py::gil_scoped_release release;
  const auto start = std::chrono::steady_clock::now();
  const auto rows = RunSweep(g, Catalog::Default(), EfficiencyParams::Defaults(), threads);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (rows.size() != g.Size()) throw InvariantError("sweep returned the wrong number of rows");
  return seconds;
}

CrossoverResult RunStudy(const std::string& study_path, const DeviceEfficiencyParams& params) {
  const StudySpec study = LoadStudy(study_path);
  py::gil_scoped_release release;
  return RunCrossover(study, Catalog::Default(), params);
}

// `rightsize crossover --format json`, plus the curves and the region map behind the report's
// figures (the CLI writes those only as report files), so a notebook can plot them.
py::object CrossoverPy(const std::string& study_path, const std::string& calibration, const std::string& group) {
  const CrossoverResult r = RunStudy(study_path, ParamsFrom(calibration, group));
  nlohmann::json j = ToJson(r);
  j["traffic_requests_per_month"] = r.traffic_grid;
  auto curves = [&r](const std::vector<std::vector<double>>& values) {
    nlohmann::json by_name = nlohmann::json::object();
    for (size_t c = 0; c < r.candidates.size() && c < values.size(); ++c) {
      nlohmann::json curve = nlohmann::json::array();
      // Infeasible points are NaN or infinite in the result; JSON (and Python) get None.
      for (double v : values[c]) curve.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr));
      by_name[r.candidates[c].spec.name] = curve;
    }
    return by_name;
  };
  j["total_usd"] = curves(r.total_usd);
  j["total_usd_p10"] = curves(r.total_usd_p10);
  j["total_usd_p90"] = curves(r.total_usd_p90);
  j["region"] = nlohmann::json::array();
  for (const auto& cell : r.region) {
    j["region"].push_back({{"hardware", cell.hardware_id}, {"requests_per_month", cell.requests_per_month},
                           {"finetune_tokens", cell.finetune_tokens}, {"small_quality", cell.small_quality},
                           {"small_wins", cell.small_wins}});
  }
  return ToPython(j);
}

std::vector<std::string> ReportPy(const std::string& study_path, const std::string& out_dir,
                                  const std::string& calibration, const std::string& group) {
  const DeviceEfficiencyParams params = ParamsFrom(calibration, group);
  const CrossoverResult result = RunStudy(study_path, params);
  py::gil_scoped_release release;
  return WriteCrossoverReport(result, Catalog::Default(), params, HashFileContents(study_path), out_dir);
}

py::object FitLawPy(const std::string& data_path, const std::string& form, const std::string& output,
                    int bootstrap, double level, int drop_highest_loss, const std::string& n_column,
                    const std::string& d_column, const std::string& flops_column,
                    const std::string& loss_column, const std::string& x_columns,
                    const std::string& y_column, double floor, int threads, uint64_t seed) {
  FitLawCommandOptions o;
  o.data_path = data_path;
  o.form = form;
  o.output_path = output;
  o.bootstrap_resamples = bootstrap;
  o.interval_level = level;
  o.drop_highest_loss = drop_highest_loss;
  o.n_column = n_column;
  o.d_column = d_column;
  o.flops_column = flops_column;
  o.loss_column = loss_column;
  o.x_columns = x_columns;
  o.y_column = y_column;
  o.floor = floor;
  o.num_threads = threads;
  o.seed = seed;
  nlohmann::json j;
  {
    py::gil_scoped_release release;
    j = RunFitLaw(o);
  }
  return ToPython(j);
}

py::object SizePy(const std::string& law_path, double target_loss, double target_params,
                  double inference_tokens, double prefill_fraction, double usd_per_train_flop,
                  double usd_per_prefill_flop, double usd_per_decode_flop, const std::string& output) {
  SizeCommandOptions o;
  o.law_path = law_path;
  o.target_loss_nats = target_loss;
  o.target_params = target_params;
  o.inference_tokens = inference_tokens;
  o.prefill_fraction = prefill_fraction;
  o.usd_per_train_flop = usd_per_train_flop;
  o.usd_per_prefill_flop = usd_per_prefill_flop;
  o.usd_per_decode_flop = usd_per_decode_flop;
  o.output_path = output;
  const SizeResult result = RunSize(o);
  nlohmann::json j = SizeResultToJson(o, result);
  if (!output.empty()) WriteFileAtomically(output, j.dump(2) + "\n");
  return ToPython(j);
}

py::tuple CalibratePy(const std::vector<std::string>& logs, const std::string& format,
                      const std::string& hardware, const std::string& engine, const std::string& model,
                      const std::string& output, const std::string& residuals, const std::string& loss,
                      double loss_scale, bool priors, double prior_sd_scale, double level, int folds,
                      bool logo, bool strict, int threads, uint64_t seed, const std::string& share) {
  CalibrateCommandOptions o;
  o.share = share;
  o.logs = logs;
  o.format = format;
  o.hardware = hardware;
  o.engine = engine;
  o.model = model;
  o.output_path = output;
  o.residuals_path = residuals;
  o.loss = loss;
  o.loss_scale = loss_scale;
  o.priors = priors;
  o.prior_sd_scale = prior_sd_scale;
  o.interval_level = level;
  o.folds = folds;
  o.leave_one_group_out = logo;
  o.strict = strict;
  o.num_threads = threads;
  o.seed = seed;
  // The CLI checks these ranges with CLI11 validators; the library does not, so check here.
  if (!(loss_scale > 0)) throw InputError({"", 0, "loss_scale"}, "must be > 0");
  if (!(prior_sd_scale > 0 && prior_sd_scale <= 100)) throw InputError({"", 0, "prior_sd_scale"}, "must be in (0, 100]");
  if (!(level >= 0.01 && level <= 0.999)) throw InputError({"", 0, "level"}, "must be in [0.01, 0.999]");
  if (threads < 1 || threads > 256) throw InputError({"", 0, "threads"}, "must be in [1, 256]");
  std::string summary;
  nlohmann::json doc;
  {
    py::gil_scoped_release release;
    doc = RunCalibrate(o, &summary);
  }
  return py::make_tuple(ToPython(doc), py::str(summary));
}

}  // namespace
}  // namespace rightsize

PYBIND11_MODULE(_rightsize, m) {
  using namespace rightsize;
  m.doc() = "rightsize C++ bindings; use the `rightsize` package, not this module";

  // C++ error types -> Python exceptions carrying the same message. pybind11 tries the most
  // recently registered translator first, so the subclass (UnknownIdError) is registered after
  // its base.
  static py::exception<InputError> input_error(m, "InputError", PyExc_ValueError);
  static py::exception<UnknownIdError> unknown_id_error(m, "UnknownIdError", input_error.ptr());
  static py::exception<IoError> io_error(m, "IoError", PyExc_OSError);
  static py::exception<InvariantError> invariant_error(m, "InvariantError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const UnknownIdError& e) {
      unknown_id_error(e.what());
    } catch (const InputError& e) {
      input_error(e.what());
    } catch (const IoError& e) {
      io_error(e.what());
    } catch (const InvariantError& e) {
      invariant_error(e.what());
    }
  });

  // Where the sources were built from: the notebooks find examples/ and data/ through it.
  m.attr("SOURCE_DIR") = RIGHTSIZE_SOURCE_DIR;

  m.def("list_models", &ListModels);
  m.def("list_hardware", &ListHardware);
  m.def("predict", &PredictPy, py::arg("model"), py::arg("hardware"), py::kw_only(),
        py::arg("mode") = "infer", py::arg("batch") = 1, py::arg("prompt_tokens") = 512,
        py::arg("gen_tokens") = 128, py::arg("weights") = "bf16", py::arg("activations") = "bf16",
        py::arg("kv") = "bf16", py::arg("devices") = 0, py::arg("tp") = 1, py::arg("pp") = 1,
        py::arg("ep") = 1, py::arg("zero") = 0, py::arg("recompute") = "selective",
        py::arg("lora_rank") = 16, py::arg("micro_batch") = 0, py::arg("memory_utilization") = 0.9,
        py::arg("usd_per_hour") = 0.0, py::arg("train_tokens") = 0.0,
        py::arg("calibration") = "", py::arg("calibration_group") = "");
  m.def("plan", &PlanPy, py::arg("study_path"), py::kw_only(), py::arg("calibration") = "",
        py::arg("calibration_group") = "");
  m.def("sweep", &SweepPy, py::arg("models"), py::arg("hardware"), py::kw_only(), py::arg("batch"),
        py::arg("prompt_tokens"), py::arg("gen_tokens"), py::arg("weights"), py::arg("tp"),
        py::arg("threads") = 0, py::arg("calibration") = "", py::arg("calibration_group") = "");
  m.def("sweep_bench", &SweepBenchPy, py::arg("models"), py::arg("hardware"), py::kw_only(),
        py::arg("batch"), py::arg("prompt_tokens"), py::arg("gen_tokens"), py::arg("weights"),
        py::arg("tp"), py::arg("threads") = 0);
  m.def("crossover", &CrossoverPy, py::arg("study_path"), py::kw_only(), py::arg("calibration") = "",
        py::arg("calibration_group") = "");
  m.def("report", &ReportPy, py::arg("study_path"), py::arg("out_dir"), py::kw_only(),
        py::arg("calibration") = "", py::arg("calibration_group") = "");
  m.def("fit_law", &FitLawPy, py::arg("data_path"), py::kw_only(), py::arg("form") = "chinchilla",
        py::arg("output") = "", py::arg("bootstrap") = 0, py::arg("level") = 0.80,
        py::arg("drop_highest_loss") = 0, py::arg("n_column") = "n_params",
        py::arg("d_column") = "d_tokens", py::arg("flops_column") = "", py::arg("loss_column") = "loss",
        py::arg("x_columns") = "", py::arg("y_column") = "", py::arg("floor") = 0.0,
        py::arg("threads") = 0, py::arg("seed") = 20240417);
  m.def("size", &SizePy, py::arg("law_path"), py::kw_only(), py::arg("target_loss") = 0.0,
        py::arg("target_params") = 0.0, py::arg("inference_tokens") = 0.0,
        py::arg("prefill_fraction") = 0.0, py::arg("usd_per_train_flop") = 0.0,
        py::arg("usd_per_prefill_flop") = 0.0, py::arg("usd_per_decode_flop") = 0.0,
        py::arg("output") = "");
  m.def("calibrate", &CalibratePy, py::arg("logs"), py::kw_only(), py::arg("format") = "",
        py::arg("hardware") = "", py::arg("engine") = "", py::arg("model") = "", py::arg("output") = "",
        py::arg("residuals") = "", py::arg("loss") = "huber", py::arg("loss_scale") = 0.1,
        py::arg("priors") = true, py::arg("prior_sd_scale") = 1.0, py::arg("level") = 0.9,
        py::arg("folds") = 5, py::arg("logo") = false, py::arg("strict") = false,
        py::arg("threads") = 1, py::arg("seed") = 1, py::arg("share") = "");
}
