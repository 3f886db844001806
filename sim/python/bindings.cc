// _rightsize: the pybind11 bindings behind the `rightsize` Python package. Thin on purpose: each
// function calls the same application entry point (sim/app/) as the CLI subcommand of the same
// name and returns plain Python objects (dicts / lists converted from the JSON the CLI prints, or a
// dict of numpy columns for sweeps), so a notebook and the CLI can never disagree. The keyword
// defaults mirror the CLI flags' defaults.
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

#include "sim/app/calibrate.h"
#include "sim/app/calibration_choice.h"
#include "sim/app/fit_law.h"
#include "sim/app/list.h"
#include "sim/app/plan.h"
#include "sim/app/predict.h"
#include "sim/app/size.h"
#include "sim/app/study.h"
#include "sim/app/sweep.h"
#include "sim/serve/simulation_spec.h"
#include "sim/spec/catalog.h"
#include "sim/spec/precision.h"
#include "sim/util/data_paths.h"
#include "sim/util/error.h"
#include "sim/util/output_path.h"
#include "sim/util/yaml_reader.h"

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

py::list ListRows(const std::string& what) {
  py::list rows;
  for (const auto& row : app::ListRows(Catalog::Default(), what)) rows.append(ToPython(row));
  return rows;
}

py::list ListModels() { return ListRows("models"); }

py::list ListHardware() { return ListRows("hardware"); }

py::object PredictPy(const std::string& model_id, const std::string& hardware_id,
                     const std::string& mode, int64_t batch, int64_t prompt_tokens,
                     int64_t gen_tokens, const std::string& weights, const std::string& activations,
                     const std::string& kv, int devices, int tp, int pp, int ep, int zero,
                     const std::string& recompute, int64_t lora_rank, int64_t micro_batch,
                     double memory_utilization, double usd_per_hour, double train_tokens,
                     const std::string& calibration, const std::string& calibration_group) {
  app::PredictOptions options;
  options.model_id = model_id;
  options.hardware_id = hardware_id;
  app::WorkloadOptions& o = options.workload;
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
  options.usd_per_hour = usd_per_hour;
  options.train_tokens = train_tokens;
  options.calibration = {calibration, calibration_group};
  return ToPython(app::ToJson(app::RunPredict(options, Catalog::Default())));
}

// The document `rightsize plan --format json` prints.
// study_text: the study as YAML / JSON text (study_path then names it in errors), or "" to read
// study_path; the same for crossover and report.
py::object PlanPy(const std::string& study_path, const std::string& study_text,
                  const std::string& calibration, const std::string& group,
                  const std::vector<std::string>& slo) {
  app::PlanResult result;
  {
    py::gil_scoped_release release;
    result = app::RunPlan({study_path, study_text, {calibration, group}, slo}, Catalog::Default());
  }
  return ToPython(app::ToJson(result));
}

// `rightsize simulate SPEC.yaml --format json` plus its per-request and time-series tables as
// columns (lists). spec_text: the spec as YAML / JSON text (label names it in errors), or "" to
// read spec_path.
py::object SimulatePy(const std::string& spec_path, const std::string& spec_text,
                      const std::string& label, const std::string& calibration,
                      const std::string& group) {
  const SimulationSpec spec = spec_text.empty()
                                  ? LoadSimulationSpec(spec_path)
                                  : LoadSimulationSpec(LoadYamlString(spec_text, label), label);
  nlohmann::json summary, requests, timeseries;
  {
    py::gil_scoped_release release;
    const auto used = app::LoadCalibration({calibration, group}, spec.hardware);
    const std::string source = ParamsSource(used ? calibration : "", used ? used->group : "");
    const SimulationRun run = RunSimulation(spec, Catalog::Default(),
                                            app::ParamsOf(used).For(spec.hardware), !used, source);
    summary = ToJson(run);
    const ServingSimResult& r = run.result;
    for (const RequestRecord& q : r.requests) {
      requests["index"].push_back(q.index);
      requests["arrival_s"].push_back(q.arrival_s);
      requests["prompt_tokens"].push_back(q.prompt_tokens);
      requests["output_tokens"].push_back(q.output_tokens);
      requests["cached_prompt_tokens"].push_back(q.cached_prompt_tokens);
      requests["ttft_s"].push_back(q.TtftS());
      requests["tpot_s"].push_back(q.TpotS());
      requests["e2e_s"].push_back(q.E2eS());
      requests["preemptions"].push_back(q.preemptions);
      requests["rank"].push_back(q.rank);
    }
    for (const TimeSample& t : r.timeseries) {
      timeseries["time_s"].push_back(t.time_s);
      timeseries["running"].push_back(t.running);
      timeseries["waiting"].push_back(t.waiting);
      timeseries["kv_used_fraction"].push_back(t.kv_used_fraction);
      timeseries["step_tokens"].push_back(t.step_tokens);
    }
  }
  py::dict out;
  out["summary"] = ToPython(summary);
  out["requests"] = ToPython(requests.is_null() ? nlohmann::json::object() : requests);
  out["timeseries"] = ToPython(timeseries.is_null() ? nlohmann::json::object() : timeseries);
  return out;
}

app::SweepOptions MakeSweepOptions(const std::vector<std::string>& models,
                                   const std::vector<std::string>& hardware,
                                   const std::vector<int64_t>& batch,
                                   const std::vector<int64_t>& prompt_tokens,
                                   const std::vector<int64_t>& gen_tokens,
                                   const std::vector<std::string>& weights,
                                   const std::vector<int>& tp, int threads) {
  app::SweepOptions o;
  o.models = models;
  o.hardware = hardware;
  o.batch = batch;
  o.prompt_tokens = prompt_tokens;
  o.gen_tokens = gen_tokens;
  o.weights = weights;
  o.tensor_parallel = tp;
  o.threads = threads;
  return o;
}

// Columns built straight from SweepRow (no JSON): numeric columns are numpy arrays, NaN where the
// configuration is infeasible (null in `rightsize sweep --format json`); text columns are lists.
py::dict SweepPy(const std::vector<std::string>& models, const std::vector<std::string>& hardware,
                 const std::vector<int64_t>& batch, const std::vector<int64_t>& prompt_tokens,
                 const std::vector<int64_t>& gen_tokens, const std::vector<std::string>& weights,
                 const std::vector<int>& tp, int threads, const std::string& calibration,
                 const std::string& group) {
  app::SweepOptions options =
      MakeSweepOptions(models, hardware, batch, prompt_tokens, gen_tokens, weights, tp, threads);
  options.calibration = {calibration, group};
  app::SweepResult result;
  {
    py::gil_scoped_release release;
    result = app::RunSweepGrid(options, Catalog::Default());
  }
  const SweepGrid& g = result.grid;
  const std::vector<SweepRow>& rows = result.rows;
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
double SweepBenchPy(const std::vector<std::string>& models,
                    const std::vector<std::string>& hardware, const std::vector<int64_t>& batch,
                    const std::vector<int64_t>& prompt_tokens,
                    const std::vector<int64_t>& gen_tokens, const std::vector<std::string>& weights,
                    const std::vector<int>& tp, int threads) {
  const app::SweepOptions options =
      MakeSweepOptions(models, hardware, batch, prompt_tokens, gen_tokens, weights, tp, threads);
  py::gil_scoped_release release;
  const app::SweepResult result = app::RunSweepGrid(options, Catalog::Default());
  if (result.rows.size() != result.grid.Size()) {
    throw InvariantError("sweep returned the wrong number of rows");
  }
  return result.seconds;
}

app::StudyRun RunStudy(const std::string& study_path, const std::string& study_text,
                       const std::string& calibration, const std::string& group,
                       const std::vector<std::string>& slo) {
  py::gil_scoped_release release;
  return app::RunStudy({study_path, study_text, {calibration, group}, slo, nullptr},
                       Catalog::Default());
}

// `rightsize crossover --format json`, plus the curves and the region map behind the report's
// figures, so a notebook can plot them.
py::object CrossoverPy(const std::string& study_path, const std::string& study_text,
                       const std::string& calibration, const std::string& group,
                       const std::vector<std::string>& slo) {
  return ToPython(app::ToJsonWithCurves(RunStudy(study_path, study_text, calibration, group, slo)));
}

std::vector<std::string> ReportPy(const std::string& study_path, const std::string& out_dir,
                                  const std::string& study_text, const std::string& calibration,
                                  const std::string& group, const std::vector<std::string>& slo) {
  const app::StudyRun run = RunStudy(study_path, study_text, calibration, group, slo);
  py::gil_scoped_release release;
  return app::WriteStudyReport(run, Catalog::Default(), out_dir);
}

py::object FitLawPy(const std::string& data_path, const std::string& form,
                    const std::string& output, int bootstrap, double level, int drop_highest_loss,
                    const std::string& n_column, const std::string& d_column,
                    const std::string& flops_column, const std::string& loss_column,
                    const std::string& x_columns, const std::string& y_column, double floor,
                    int threads, uint64_t seed) {
  app::FitLawOptions o;
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
    j = app::RunFitLaw(o).document;
  }
  return ToPython(j);
}

py::object SizePy(const std::string& law_path, double target_loss, double target_params,
                  double inference_tokens, double prefill_fraction, double usd_per_train_flop,
                  double usd_per_prefill_flop, double usd_per_decode_flop,
                  const std::string& output) {
  app::SizeOptions o;
  o.law_path = law_path;
  o.target_loss_nats = target_loss;
  o.target_params = target_params;
  o.inference_tokens = inference_tokens;
  o.prefill_fraction = prefill_fraction;
  o.usd_per_train_flop = usd_per_train_flop;
  o.usd_per_prefill_flop = usd_per_prefill_flop;
  o.usd_per_decode_flop = usd_per_decode_flop;
  o.output_path = output;
  const app::SizeResult result = app::RunSize(o, Catalog::Default());
  const nlohmann::json j = app::ToJson(o, result);
  if (!output.empty()) WriteFileAtomically(output, j.dump(2) + "\n");
  return ToPython(j);
}

py::tuple CalibratePy(const std::vector<std::string>& logs, const std::string& format,
                      const std::string& hardware, const std::string& engine,
                      const std::string& model, const std::string& output,
                      const std::string& residuals, const std::string& loss, double loss_scale,
                      bool priors, double prior_sd_scale, double level, int folds, bool logo,
                      bool strict, int threads, uint64_t seed, const std::string& share) {
  app::CalibrateOptions o;
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
  if (!(prior_sd_scale > 0 && prior_sd_scale <= 100))
    throw InputError({"", 0, "prior_sd_scale"}, "must be in (0, 100]");
  if (!(level >= 0.01 && level <= 0.999))
    throw InputError({"", 0, "level"}, "must be in [0.01, 0.999]");
  if (threads < 1 || threads > 256) throw InputError({"", 0, "threads"}, "must be in [1, 256]");
  app::CalibrateResult result;
  {
    py::gil_scoped_release release;
    result = app::RunCalibrate(o, Catalog::Default());
  }
  return py::make_tuple(ToPython(result.document), py::str(result.summary));
}

}  // namespace
}  // namespace rightsize

PYBIND11_MODULE(_rightsize, m) {
  using namespace rightsize;
  m.doc() = "rightsize C++ bindings; use the `rightsize` package, not this module";
  // Data lookup (sim/util/data_paths.h): $RIGHTSIZE_MODELS_DIR, then the data folder the package
  // names at import (rightsize/__init__.py: its own share/), found at run time.
  m.def("set_data_root", [](const std::string& root) { ConfigureDataPaths({"", root}); });

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

  m.def("list_models", &ListModels);
  m.def("list_hardware", &ListHardware);
  m.def("predict", &PredictPy, py::arg("model"), py::arg("hardware"), py::kw_only(),
        py::arg("mode") = "infer", py::arg("batch") = 1, py::arg("prompt_tokens") = 512,
        py::arg("gen_tokens") = 128, py::arg("weights") = "bf16", py::arg("activations") = "bf16",
        py::arg("kv") = "bf16", py::arg("devices") = 0, py::arg("tp") = 1, py::arg("pp") = 1,
        py::arg("ep") = 1, py::arg("zero") = 0, py::arg("recompute") = "selective",
        py::arg("lora_rank") = 16, py::arg("micro_batch") = 0, py::arg("memory_utilization") = 0.9,
        py::arg("usd_per_hour") = 0.0, py::arg("train_tokens") = 0.0, py::arg("calibration") = "",
        py::arg("calibration_group") = "");
  m.def("plan", &PlanPy, py::arg("study_path"), py::kw_only(), py::arg("study_text") = "",
        py::arg("calibration") = "", py::arg("calibration_group") = "",
        py::arg("slo") = std::vector<std::string>{});
  m.def("simulate", &SimulatePy, py::arg("spec_path"), py::kw_only(), py::arg("spec_text") = "",
        py::arg("label") = "", py::arg("calibration") = "", py::arg("calibration_group") = "");
  m.def("sweep", &SweepPy, py::arg("models"), py::arg("hardware"), py::kw_only(), py::arg("batch"),
        py::arg("prompt_tokens"), py::arg("gen_tokens"), py::arg("weights"), py::arg("tp"),
        py::arg("threads") = 0, py::arg("calibration") = "", py::arg("calibration_group") = "");
  m.def("sweep_bench", &SweepBenchPy, py::arg("models"), py::arg("hardware"), py::kw_only(),
        py::arg("batch"), py::arg("prompt_tokens"), py::arg("gen_tokens"), py::arg("weights"),
        py::arg("tp"), py::arg("threads") = 0);
  m.def("crossover", &CrossoverPy, py::arg("study_path"), py::kw_only(), py::arg("study_text") = "",
        py::arg("calibration") = "", py::arg("calibration_group") = "",
        py::arg("slo") = std::vector<std::string>{});
  m.def("report", &ReportPy, py::arg("study_path"), py::arg("out_dir"), py::kw_only(),
        py::arg("study_text") = "", py::arg("calibration") = "", py::arg("calibration_group") = "",
        py::arg("slo") = std::vector<std::string>{});
  m.def("fit_law", &FitLawPy, py::arg("data_path"), py::kw_only(), py::arg("form") = "chinchilla",
        py::arg("output") = "", py::arg("bootstrap") = 0, py::arg("level") = 0.80,
        py::arg("drop_highest_loss") = 0, py::arg("n_column") = "n_params",
        py::arg("d_column") = "d_tokens", py::arg("flops_column") = "",
        py::arg("loss_column") = "loss", py::arg("x_columns") = "", py::arg("y_column") = "",
        py::arg("floor") = 0.0, py::arg("threads") = 0, py::arg("seed") = 20240417);
  m.def("size", &SizePy, py::arg("law_path"), py::kw_only(), py::arg("target_loss") = 0.0,
        py::arg("target_params") = 0.0, py::arg("inference_tokens") = 0.0,
        py::arg("prefill_fraction") = 0.0, py::arg("usd_per_train_flop") = 0.0,
        py::arg("usd_per_prefill_flop") = 0.0, py::arg("usd_per_decode_flop") = 0.0,
        py::arg("output") = "");
  m.def("calibrate", &CalibratePy, py::arg("logs"), py::kw_only(), py::arg("format") = "",
        py::arg("hardware") = "", py::arg("engine") = "", py::arg("model") = "",
        py::arg("output") = "", py::arg("residuals") = "", py::arg("loss") = "huber",
        py::arg("loss_scale") = 0.1, py::arg("priors") = true, py::arg("prior_sd_scale") = 1.0,
        py::arg("level") = 0.9, py::arg("folds") = 5, py::arg("logo") = false,
        py::arg("strict") = false, py::arg("threads") = 1, py::arg("seed") = 1,
        py::arg("share") = "");
}
