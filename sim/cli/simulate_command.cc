// rightsize simulate [FILE.yaml] [flags]: discrete-event simulation of a serving engine (one
// layout, one traffic), with per-request TTFT / TPOT / ITL / E2E distributions, throughput,
// goodput, SLO check, the max rate within the SLO, a per-request CSV, a time series and its figure.
// rightsize simulate --validate-replays: the replay of the measured vLLM runs in
// data/runs/llmservingsim-vllm-validation beside LLMServingSim's published errors.
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/app/simulate.h"
#include "sim/cli/calibration_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/cli/format_option.h"
#include "sim/cli/numeric_flags.h"
#include "sim/report/figure.h"
#include "sim/report/table_format.h"
#include "sim/serve/published_validation.h"
#include "sim/serve/replay.h"
#include "sim/serve/simulation_spec.h"
#include "sim/spec/catalog.h"
#include "sim/util/error.h"
#include "sim/util/file_io.h"
#include "sim/util/output_path.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

struct SimulateFlags {
  std::string file, model, hardware, engine, format = "table";
  int tp = 1, pp = 1, ep = 1, dp = 1;
  std::string weights = "bf16", activations = "bf16", kv = "bf16";
  int64_t max_num_seqs = 0, max_num_batched_tokens = 0, block_size = 0, kv_blocks = 0;
  std::string chunked_prefill, reserve_full_isl, prefix_caching, policy, admission, router;
  double memory_utilization = 0, step_overhead_s = -1, sequence_overhead_s = -1;
  std::string arrival, trace, prompt_tokens, output_tokens;
  double rate = 0, cv = 0;
  int64_t concurrency = 0, requests = 0, shared_prefix_tokens = -1;
  double prefix_share = -1;
  std::string spec_method, draft_model;
  int64_t spec_tokens = 0;
  double spec_acceptance = -1;
  int64_t seed = -1;
  std::vector<std::string> slo, goodput;
  bool max_rate = false;
  double timeseries_interval_s = -1;
  std::string requests_csv, timeseries_csv, figure_dir;
  bool validate_replays = false;
  bool validate_published = false;
  std::string published_dir;
  std::string replay_dir, replay_fit = "none";
  std::vector<std::string> params;  // NAME=VALUE over the efficiencies
  std::vector<std::string> sets;    // PATH=V1,V2,... over the YAML's fields: a grid of runs
};

bool OnOff(const std::string& text, const std::string& key) {
  const std::string v = ToLower(Trim(text));
  if (v == "on" || v == "true" || v == "1") return true;
  if (v == "off" || v == "false" || v == "0") return false;
  throw InputError({"", 0, key}, "expected on or off, got '" + text + "'");
}

std::pair<std::string, double> KeyValue(const std::string& text, const std::string& flag) {
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos)
    throw InputError({"", 0, flag}, "expected KEY=SECONDS, got '" + text + "'");
  try {
    std::size_t used = 0;
    const std::string value = Trim(text.substr(eq + 1));
    const double v = std::stod(value, &used);
    if (used != value.size()) throw 0;
    return {Trim(text.substr(0, eq)), v};
  } catch (...) {
    throw InputError({"", 0, flag}, "expected KEY=SECONDS with a number, got '" + text + "'");
  }
}

// The spec: `s` (the YAML file's when from_file), then every flag given on the command line on
// top.
SimulationSpec WithFlags(SimulationSpec s, bool from_file, const SimulateFlags& f,
                         const CLI::App& c) {
  auto given = [&](const char* flag) { return c.count(flag) > 0; };
  if (given("--model")) s.model = f.model;
  if (given("--hardware")) s.hardware = f.hardware;
  if (s.model.empty())
    throw InputError({"", 0, "--model"}, "a model is required (--model or a YAML file)");
  if (s.hardware.empty())
    throw InputError({"", 0, "--hardware"},
                     "a hardware id is required (--hardware or a YAML file)");
  if (given("--engine")) s.engine = f.engine;
  Parallelism& p = s.layout.parallel;
  if (given("--tp")) p.tensor = f.tp;
  if (given("--pp")) p.pipeline = f.pp;
  if (given("--ep")) p.expert = f.ep;
  if (given("--dp")) p.data = f.dp;
  if (p.tensor < 1 || p.pipeline < 1 || p.expert < 1 || p.data < 1) {
    throw InputError({"", 0, "--tp/--pp/--ep/--dp"}, "parallel degrees must be >= 1");
  }
  if (given("--weights")) s.layout.weights = ParsePrecision(f.weights, {"", 0, "--weights"});
  if (given("--activations"))
    s.layout.activations = ParsePrecision(f.activations, {"", 0, "--activations"});
  if (given("--kv")) s.layout.kv_cache = ParsePrecision(f.kv, {"", 0, "--kv"});
  EngineOverrides& o = s.overrides;
  if (given("--max-num-seqs")) o.max_num_seqs = f.max_num_seqs;
  if (given("--max-num-batched-tokens")) o.max_num_batched_tokens = f.max_num_batched_tokens;
  if (given("--block-size")) o.block_size_tokens = f.block_size;
  if (given("--kv-blocks")) o.kv_cache_blocks = f.kv_blocks;
  if (given("--chunked-prefill")) o.chunked_prefill = OnOff(f.chunked_prefill, "--chunked-prefill");
  if (given("--reserve-full-isl"))
    o.reserve_full_isl = OnOff(f.reserve_full_isl, "--reserve-full-isl");
  if (given("--prefix-caching")) o.prefix_caching = OnOff(f.prefix_caching, "--prefix-caching");
  if (given("--policy")) o.policy = ParseStepPolicy(f.policy, {"", 0, "--policy"});
  if (given("--admission")) o.admission = ParseKvAdmission(f.admission, {"", 0, "--admission"});
  if (given("--router")) o.router = ParseRouterPolicy(f.router, {"", 0, "--router"});
  if (given("--memory-utilization")) o.memory_utilization = f.memory_utilization;
  if (given("--step-overhead-s")) o.step_overhead_s = f.step_overhead_s;
  if (given("--sequence-overhead-s")) o.sequence_overhead_s = f.sequence_overhead_s;

  ServeTraffic& t = s.traffic;
  if (given("--arrival")) t.arrival = ParseArrivalKind(f.arrival, "--arrival");
  if (given("--trace")) {
    s.trace = f.trace;
    if (!given("--arrival")) t.arrival = ArrivalKind::kTrace;
  }
  if (given("--rate")) t.requests_per_s = f.rate;
  if (given("--cv")) t.cv = f.cv;
  if (given("--concurrency")) t.concurrency = f.concurrency;
  if (given("--requests")) t.num_requests = f.requests;
  if (given("--prompt-tokens"))
    t.prompt = ParseLengthDistribution(f.prompt_tokens, "--prompt-tokens");
  if (given("--output-tokens"))
    t.output = ParseLengthDistribution(f.output_tokens, "--output-tokens");
  if (given("--shared-prefix-tokens")) t.shared_prefix_tokens = f.shared_prefix_tokens;
  if (given("--prefix-share")) t.prefix_share = f.prefix_share;
  if (!from_file && !given("--arrival") && !given("--trace")) {
    throw InputError({"", 0, "--arrival"},
                     "an arrival process is required (--arrival poisson|gamma|"
                     "closed_loop|offline, or --trace FILE)");
  }
  if (t.arrival == ArrivalKind::kTrace && s.trace.empty()) {
    throw InputError({"", 0, "--trace"}, "trace arrivals need --trace FILE");
  }
  if (given("--spec-method"))
    s.speculative = ParseSpeculativeMethod(f.spec_method, "--spec-method");
  if (given("--spec-tokens")) s.speculative_tokens = f.spec_tokens;
  if (given("--spec-acceptance")) s.acceptance_rate = f.spec_acceptance;
  if (given("--draft-model")) s.draft_model = f.draft_model;
  if (given("--seed")) s.seed = static_cast<uint64_t>(f.seed);
  for (const std::string& kv : f.slo) {
    const auto [key, limit] = KeyValue(kv, "--slo");
    s.slo.push_back(ParseSloTarget(key, limit, {"", 0, "--slo"}));
  }
  for (const std::string& kv : f.goodput) {
    const auto [key, limit] = KeyValue(kv, "--goodput");
    if (!(limit > 0)) throw InputError({"", 0, "--goodput"}, "targets must be > 0 seconds");
    if (key == "ttft_s")
      s.goodput.ttft_s = limit;
    else if (key == "tpot_s")
      s.goodput.tpot_s = limit;
    else if (key == "e2e_s")
      s.goodput.e2e_s = limit;
    else
      throw InputError({"", 0, "--goodput"},
                       "unknown goodput target '" + key + "' (ttft_s, tpot_s, e2e_s)");
  }
  if (given("--max-rate")) s.max_rate = f.max_rate;
  if (given("--timeseries-interval-s")) s.timeseries_interval_s = f.timeseries_interval_s;
  std::string why;
  if (t.arrival != ArrivalKind::kTrace && !Validate(t, &why))
    throw InputError({s.file, 0, "traffic"}, why);
  return s;
}

std::string Ms(double s) { return std::isfinite(s) ? fmt::format("{:.1f} ms", 1e3 * s) : "-"; }
std::string Sec(double s) { return std::isfinite(s) ? fmt::format("{:.3g} s", s) : "-"; }

std::string StatsLine(const char* name, const LatencyStats& st, bool millis) {
  auto f = [&](double v) { return millis ? Ms(v) : Sec(v); };
  return fmt::format("{:<6} mean {:>10}  p50 {:>10}  p90 {:>10}  p99 {:>10}\n", name, f(st.mean_s),
                     f(st.p50_s), f(st.p90_s), f(st.p99_s));
}

std::string RenderRun(const SimulationRun& run) {
  const ServingSimResult& r = run.result;
  const SimulationSpec& s = run.spec;
  const EngineConfig& e = run.engine;
  std::string out = fmt::format(
      "{} on {} (tp{} pp{} ep{} dp{}, {}), engine {}: max_num_seqs {}, max_num_batched_tokens {}, "
      "chunked prefill {}, {}, block {} tokens\n",
      s.model, s.hardware, s.layout.parallel.tensor, s.layout.parallel.pipeline,
      s.layout.parallel.expert, s.layout.parallel.data, ToString(s.layout.weights), e.engine_id,
      e.max_num_seqs, e.max_num_batched_tokens, e.chunked_prefill ? "on" : "off",
      ToString(e.policy), e.block_size_tokens);
  out += fmt::format("efficiencies: {}\n", run.params_source);
  if (!r.feasible) return out + "infeasible: " + r.reason + "\n";
  out += fmt::format("KV cache: {} blocks = {} tokens per rank ({}), {} preemptions, {} steps\n",
                     r.kv_cache_blocks, r.kv_cache_blocks * r.block_size_tokens,
                     r.kv_blocks_from_engine ? "from the engine" : "memory model", r.preemptions,
                     r.steps);
  out += fmt::format(
      "{} requests in {:.4g} s: {:.4g} requests/s, {:.4g} input tokens/s, {:.4g} "
      "output tokens/s\n",
      r.requests.size(), r.end_s - r.start_s, r.requests_per_s, r.input_tokens_per_s,
      r.output_tokens_per_s);
  if (r.spec_verify_steps > 0) {
    out += fmt::format(
        "speculative decoding: {:.3f} tokens per verify step\n",
        static_cast<double>(r.spec_tokens_drawn) / static_cast<double>(r.spec_verify_steps));
  }
  const bool generated = s.traffic.arrival != ArrivalKind::kTrace;
  if (r.overloaded && generated) {
    out += "OVERLOADED: " + r.overload_reason +
           ". Latencies grow with the length of the run; no latency is reported.\n";
  } else {
    if (r.overloaded)
      out += "note: " + r.overload_reason + " (latencies are those of this finite trace)\n";
    out += StatsLine("TTFT", r.ttft, false);
    out += StatsLine("TPOT", r.tpot, true);
    out += StatsLine("ITL", r.itl, true);
    out += StatsLine("E2E", r.e2e, false);
  }
  if (s.goodput.Any()) {
    out += fmt::format(
        "goodput: {:.1f}% of requests meet the per-request targets, {:.4g} requests/s\n",
        100 * run.goodput.fraction, run.goodput.requests_per_s);
  }
  if (!s.slo.empty()) out += run.slo_met ? "SLO met\n" : "SLO missed: " + run.slo_why + "\n";
  if (run.max_rate) {
    const MaxRateResult& m = *run.max_rate;
    out += m.feasible ? fmt::format(
                            "max rate within the SLO: {:.4g} requests/s ({:.4g} fails; {} "
                            "simulations)\n",
                            m.max_requests_per_s, m.min_failing_requests_per_s, m.simulations)
                      : "no rate meets the SLO: " + m.reason + "\n";
  }
  return out;
}

// One row per latency metric (mean and percentiles), for a Markdown table in a report.
std::vector<nlohmann::json> LatencyRows(const nlohmann::json& run) {
  std::vector<nlohmann::json> rows;
  for (const char* metric : {"ttft", "tpot", "itl", "e2e"}) {
    nlohmann::json row = run["result"][metric];
    row.erase("count");
    rows.push_back({{"metric", metric}});
    rows.back().update(row);
  }
  return rows;
}

// table: the terminal summary; json: the whole run; csv: the run flattened to one row (runs
// append into one file); markdown: the latency table. An overloaded generated run has no latency
// to tabulate, so csv and markdown say so as the table does.
std::string RunText(const SimulationRun& run, OutputFormat format) {
  if (format == OutputFormat::kTable) return RenderRun(run);
  const nlohmann::json j = ToJson(run);
  if (format == OutputFormat::kJson) return j.dump(2) + "\n";
  if (format == OutputFormat::kCsv) return Render(j, format);
  const bool generated = run.spec.traffic.arrival != ArrivalKind::kTrace;
  if (!run.result.feasible) return "infeasible: " + run.result.reason + "\n";
  if (run.result.overloaded && generated) return "OVERLOADED: " + run.result.overload_reason + "\n";
  return Render(LatencyRows(j), format);
}

void WriteFigure(const ServingSimResult& r, const std::string& dir) {
  std::filesystem::create_directories(dir);
  Figure fig;
  fig.name = "serving_timeseries";
  fig.title = "Engine state over the simulated run";
  fig.x_label = "time (s)";
  fig.y_label = "requests / KV use (%)";
  Series running, waiting, kv;
  running.title = "running requests";
  waiting.title = "waiting requests";
  kv.title = "KV blocks used (%)";
  for (const TimeSample& t : r.timeseries) {
    running.x.push_back(t.time_s);
    running.y.push_back(static_cast<double>(t.running));
    waiting.x.push_back(t.time_s);
    waiting.y.push_back(static_cast<double>(t.waiting));
    kv.x.push_back(t.time_s);
    kv.y.push_back(100.0 * t.kv_used_fraction);
  }
  for (Series* s : {&running, &waiting, &kv}) s->style = "lines";
  fig.series = {running, waiting, kv};
  fig.caption = fmt::format("{} requests, {} steps", r.requests.size(), r.steps);
  const FigureFiles files = RenderFigure(fig, dir);
  fmt::print(stderr, "figure: {}/{}\n", dir, files.png);
}

int ValidateReplays(const SimulateFlags& f, const std::optional<UsedCalibration>& calibration,
                    const app::CalibrationChoice& calibration_options) {
  const Catalog& catalog = Catalog::Default();
  const std::vector<ReplayRun> runs =
      LoadReplayRuns(f.replay_dir.empty() ? DefaultReplayDir() : f.replay_dir, catalog);
  const bool loro = ToLower(f.replay_fit) == "loro";
  if (!loro && ToLower(f.replay_fit) != "none") {
    throw InputError({"", 0, "--replay-fit"}, "expected none or loro, got '" + f.replay_fit + "'");
  }
  const DeviceEfficiencyParams device_params = app::ParamsOf(calibration);
  std::vector<nlohmann::json> rows;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const ReplayRun& run = runs[i];
    EfficiencyParams params = device_params.For(run.hardware_id);
    std::string source = calibration ? calibration_options.file : "defaults (uncalibrated)";
    if (!calibration) params = WithEngineOverheads(params, run.engine);
    params = app::WithParamOverrides(params, f.params);
    if (!f.params.empty()) source += " with " + fmt::format("{}", fmt::join(f.params, ", "));
    if (loro) {
      std::vector<const ReplayRun*> others;
      for (std::size_t k = 0; k < runs.size(); ++k) {
        if (k != i) others.push_back(&runs[k]);
      }
      params = FitHostOverheads(others, catalog, params);
      source += fmt::format(
          " + host overheads fitted on the other runs (step {:.3g} s, "
          "sequence {:.3g} s)",
          params[EfficiencyParams::kStepOverhead_s], params[EfficiencyParams::kSequenceOverhead_s]);
    } else if (!calibration) {
      source += " + vllm-v1 host-overhead priors";
    }
    const ReplayComparison c = CompareReplay(run, catalog, params);
    for (const ReplayMetric& m : c.metrics) {
      nlohmann::json row;
      row["run"] = run.name;
      row["metric"] = m.name;
      row["measured_s"] = m.measured_s;
      row["simulated_s"] = m.simulated_s;
      row["error_pct"] = 100.0 * m.error;
      row["llmservingsim_error_pct"] = 100.0 * m.llmservingsim_error;
      row["params"] = source;
      rows.push_back(row);
    }
  }
  const OutputFormat out = ParseOutputFormat(f.format);
  if (out == OutputFormat::kJson) {
    nlohmann::json j;
    j["schema_version"] = 1;
    j["rows"] = rows;
    fmt::print("{}\n", j.dump(2));
  } else if (out == OutputFormat::kTable) {
    fmt::print("{:<40} {:<13} {:>11} {:>11} {:>8} {:>14}\n", "run", "metric", "measured_s",
               "simulated_s", "error", "LLMServingSim");
    for (const nlohmann::json& r : rows) {
      fmt::print("{:<40} {:<13} {:>11.4g} {:>11.4g} {:>+7.1f}% {:>+13.1f}%\n",
                 r["run"].get<std::string>(), r["metric"].get<std::string>(),
                 r["measured_s"].get<double>(), r["simulated_s"].get<double>(),
                 r["error_pct"].get<double>(), r["llmservingsim_error_pct"].get<double>());
    }
    fmt::print("efficiencies: {}\n", rows.empty() ? "" : rows.front()["params"].get<std::string>());
  } else if (out == OutputFormat::kMarkdown) {
    // One row per run: our signed error, LLMServingSim's in parentheses (README's table).
    const char* metrics[] = {"TPOT Mean", "Latency Mean", "TTFT P90", "TTFT Mean"};
    fmt::print("| run | TPOT mean | E2E mean | TTFT p90 | TTFT mean |\n|---|---|---|---|---|\n");
    for (std::size_t i = 0; i < rows.size(); i += 4) {
      std::string line = "| " + rows[i]["run"].get<std::string>() + " |";
      for (const char* metric : metrics) {
        for (std::size_t k = i; k < i + 4 && k < rows.size(); ++k) {
          if (rows[k]["metric"] != metric) continue;
          line += fmt::format(" {:+.1f}% ({:+.1f}%) |", rows[k]["error_pct"].get<double>(),
                              rows[k]["llmservingsim_error_pct"].get<double>());
        }
      }
      fmt::print("{}\n", line);
    }
    fmt::print("\nOurs, LLMServingSim's in parentheses; efficiencies: {}\n",
               rows.empty() ? "" : rows.front()["params"].get<std::string>());
  } else {
    fmt::print("{}", Render(rows, out));
  }
  return kExitOk;
}

// --validate-published: every figure of data/runs/published-serving simulated and compared, one
// row each, then the error per metric group (median, p90, share under-predicted).
int ValidatePublished(const SimulateFlags& f, const std::optional<UsedCalibration>& calibration,
                      const app::CalibrationChoice& calibration_options) {
  const Catalog& catalog = Catalog::Default();
  const std::vector<PublishedFigure> figures = LoadPublishedFigures(
      f.published_dir.empty() ? DefaultPublishedDir() : f.published_dir, catalog);
  const DeviceEfficiencyParams device_params = app::ParamsOf(calibration);
  std::map<std::string, EfficiencyParams> params_by_device;
  for (const PublishedFigure& figure : figures) {
    params_by_device[figure.hardware_id] =
        app::WithParamOverrides(device_params.For(figure.hardware_id), f.params);
  }
  const std::vector<PublishedComparison> comparisons =
      ComparePublished(figures, catalog, params_by_device);
  const std::string source =
      (calibration ? calibration_options.file : std::string("defaults (uncalibrated)")) +
      " + the engines' host-overhead priors" +
      (f.params.empty() ? "" : " with " + fmt::format("{}", fmt::join(f.params, ", ")));
  std::vector<nlohmann::json> rows;
  for (const PublishedComparison& c : comparisons) {
    const PublishedFigure& p = c.figure;
    nlohmann::json row;
    row["line"] = p.line;
    row["source"] = p.source_id;
    row["engine"] = p.engine;
    row["model"] = p.model_id;
    row["hardware"] = p.hardware_id;
    row["tp"] = p.tp;
    row["weights"] = p.weights;
    row["prompt_tokens"] = p.prompt_tokens;
    row["output_tokens"] = p.output_tokens;
    row["load"] =
        p.load == "offline" ? std::string("offline") : fmt::format("{} {:g}", p.load, p.load_value);
    row["metric"] = p.metric;
    row["published"] = p.value;
    row["simulated"] = c.feasible ? nlohmann::json(c.simulated) : nlohmann::json(nullptr);
    row["error_pct"] = c.feasible ? nlohmann::json(100.0 * c.error) : nlohmann::json(nullptr);
    row["note"] = c.why;
    rows.push_back(row);
  }
  std::vector<nlohmann::json> summary;
  for (const PublishedGroupSummary& g : SummarisePublished(comparisons)) {
    summary.push_back({{"group", g.group},
                       {"figures", g.n},
                       {"not_simulated", g.infeasible},
                       {"median_abs_error_pct", 100.0 * g.median_abs_error},
                       {"p90_abs_error_pct", 100.0 * g.p90_abs_error},
                       {"under_predicted_pct", 100.0 * g.under_predicted}});
  }
  const OutputFormat out = ParseOutputFormat(f.format);
  if (out == OutputFormat::kJson) {
    nlohmann::json j;
    j["schema_version"] = 1;
    j["efficiencies"] = source;
    j["rows"] = rows;
    j["summary"] = summary;
    fmt::print("{}\n", j.dump(2));
    return kExitOk;
  }
  fmt::print("{}", RenderRows(rows, out,
                              {"line", "source", "engine", "model", "hardware", "tp", "weights",
                               "prompt_tokens", "output_tokens", "load", "metric", "published",
                               "simulated", "error_pct", "note"}));
  fmt::print("\n{}", RenderRows(summary, out,
                                {"group", "figures", "not_simulated", "median_abs_error_pct",
                                 "p90_abs_error_pct", "under_predicted_pct"}));
  fmt::print("efficiencies: {}\n", source);
  return kExitOk;
}

// The model, device, layout and engine knobs.
void AddEngineFlags(CLI::App* c, SimulateFlags* f) {
  c->add_option("--model", f->model, "model id or config.json path");
  c->add_option("--hardware", f->hardware, "hardware id");
  c->add_option(
      "--engine", f->engine,
      "engine profile id (models/engines/): vllm-v1, sglang, tensorrt-llm, llama-cpp-server");
  c->add_option("--tp", f->tp, "tensor-parallel degree")->check(FiniteIn(1, kMaxParallelDegree));
  c->add_option("--pp", f->pp, "pipeline-parallel degree (pp micro-batches in flight)")
      ->check(FiniteIn(1, kMaxParallelDegree));
  c->add_option("--ep", f->ep,
                "expert-parallel degree (with --dp > 1: data-parallel attention, ep == dp)")
      ->check(FiniteIn(1, kMaxParallelDegree));
  c->add_option("--dp", f->dp, "data-parallel ranks behind the router")
      ->check(FiniteIn(1, kMaxParallelDegree));
  c->add_option("--weights", f->weights, "weight precision");
  c->add_option("--activations", f->activations, "activation precision");
  c->add_option("--kv", f->kv, "KV-cache precision");
  c->add_option("--max-num-seqs", f->max_num_seqs, "running requests at most")
      ->check(PositiveUpTo(static_cast<double>(kMaxBatch)));
  c->add_option("--max-num-batched-tokens", f->max_num_batched_tokens, "tokens per step at most")
      ->check(PositiveUpTo(static_cast<double>(kMaxContextTokens)));
  c->add_option("--chunked-prefill", f->chunked_prefill, "on | off");
  c->add_option("--policy", f->policy, "decode_first | prefill_first");
  c->add_option("--admission", f->admission, "on_demand | reserve_full");
  c->add_option("--reserve-full-isl", f->reserve_full_isl,
                "on | off: admit only when the whole sequence fits");
  c->add_option("--block-size", f->block_size, "KV block size in tokens")
      ->check(PositiveUpTo(static_cast<double>(kMaxContextTokens)));
  c->add_option("--kv-blocks", f->kv_blocks, "KV blocks per rank (default: from the memory model)")
      ->check(PositiveUpTo(1e12));
  c->add_option("--memory-utilization", f->memory_utilization,
                "fraction of device memory the engine takes")
      ->check(PositiveUpTo(1.0));
  c->add_option("--prefix-caching", f->prefix_caching, "on | off");
  c->add_option("--router", f->router, "round_robin | least_loaded (data parallel)");
  c->add_option("--step-overhead-s", f->step_overhead_s,
                "host seconds per step (replaces the engine prior)")
      ->check(FiniteIn(0, EfficiencyParams::kUpperBounds[EfficiencyParams::kStepOverhead_s]));
  c->add_option("--sequence-overhead-s", f->sequence_overhead_s,
                "host seconds per sequence per step")
      ->check(FiniteIn(0, EfficiencyParams::kUpperBounds[EfficiencyParams::kSequenceOverhead_s]));
}

// Arrivals, request lengths, prefix sharing and speculative decoding.
void AddTrafficFlags(CLI::App* c, SimulateFlags* f) {
  c->add_option("--arrival", f->arrival, "poisson | gamma | closed_loop | offline | trace");
  c->add_option("--rate", f->rate, "mean arrival rate, requests/s (poisson, gamma)")
      ->check(PositiveUpTo(1e9));
  c->add_option("--cv", f->cv, "coefficient of variation of inter-arrival times (gamma)")
      ->check(PositiveUpTo(1e3));
  c->add_option("--concurrency", f->concurrency, "clients in a closed loop")
      ->check(PositiveUpTo(1e7));
  c->add_option("--requests", f->requests, "requests to generate")->check(PositiveUpTo(1e8));
  c->add_option("--prompt-tokens", f->prompt_tokens,
                "N | uniform:MIN:MAX | lognormal:MEDIAN:SIGMA[:MIN:MAX] | empirical:N1,N2,...");
  c->add_option("--output-tokens", f->output_tokens, "output length distribution (same forms)");
  c->add_option("--trace", f->trace,
                "request trace: JSONL (arrival_s, prompt_tokens, output_tokens, or LLMServingSim's "
                "requests.jsonl) or CSV");
  c->add_option("--shared-prefix-tokens", f->shared_prefix_tokens,
                "tokens of a prompt prefix shared by --prefix-share of requests")
      ->check(FiniteIn(0, static_cast<double>(kMaxContextTokens)));
  c->add_option("--prefix-share", f->prefix_share, "fraction of requests sharing the prefix")
      ->check(FiniteIn(0, 1));
  c->add_option("--spec-method", f->spec_method, "speculative decoding: none | ngram | draft");
  c->add_option("--spec-tokens", f->spec_tokens, "draft tokens per step (k)")
      ->check(FiniteIn(1, 64));
  c->add_option("--spec-acceptance", f->spec_acceptance, "per-token acceptance rate")
      ->check(FiniteIn(0, 1));
  c->add_option("--draft-model", f->draft_model, "draft model id (--spec-method draft)");
  c->add_option("--seed", f->seed, "random seed (traffic and speculative acceptance)")
      ->check(FiniteIn(0, 9e15));
}

// SLO, rate search, what is printed and written, and the replay validation.
void AddOutputFlags(CLI::App* c, SimulateFlags* f) {
  c->add_option("--slo", f->slo,
                "SLO target KEY=SECONDS, e.g. ttft_p99_s=2 tpot_p50_s=0.05 (repeatable)");
  c->add_option("--goodput", f->goodput,
                "per-request target for goodput: ttft_s=S, tpot_s=S, e2e_s=S");
  c->add_flag("--max-rate", f->max_rate,
              "search the highest arrival rate within the SLO (bisection)");
  c->add_option("--timeseries-interval-s", f->timeseries_interval_s,
                "time-series sampling interval (0: every step)")
      ->check(FiniteIn(0, 1e9));
  AddFormatOption(c, &f->format);
  c->add_option("--requests-csv", f->requests_csv, "write one row per request to this CSV");
  c->add_option("--timeseries-csv", f->timeseries_csv,
                "write the engine's time series to this CSV");
  c->add_option("--figure", f->figure_dir, "render the time series with gnuplot into this folder");
  c->add_flag("--validate-replays", f->validate_replays,
              "replay the measured vLLM runs and compare");
  c->add_option("--replay-dir", f->replay_dir,
                "folder with runs.yaml (default data/runs/llmservingsim-vllm-validation)");
  c->add_flag("--validate-published", f->validate_published,
              "simulate every published serving figure in data/runs/published-serving and compare");
  c->add_option("--published-dir", f->published_dir,
                "folder with measurements.csv (default data/runs/published-serving)");
  c->add_option("--replay-fit", f->replay_fit,
                "none | loro: host overheads fitted on the other runs")
      ->capture_default_str();
  c->add_option(
      "--param", f->params,
      "efficiency parameter NAME=VALUE over the defaults / calibration (a what-if; repeatable)");
  c->add_option("--set", f->sets,
                "PATH=V1,V2,...: a grid over fields of the simulation YAML (e.g. "
                "traffic.requests_per_s=2,4,8 layout.tp=1,2); one summary row per combination, "
                "the first --set varying slowest (repeatable)");
}

// --set: one summary row per combination of the YAML fields' values, the flags on top of each.
int RunSimulateGrid(const SimulateFlags& f, const app::CalibrationChoice& calibration,
                    const CLI::App& c) {
  for (const char* flag : {"--requests-csv", "--timeseries-csv", "--figure", "--validate-replays",
                           "--validate-published"}) {
    if (c.count(flag) > 0)
      throw InputError({"", 0, flag}, "writes one run's detail; not with a grid (--set)");
  }
  const OutputFormat out = ParseOutputFormat(f.format);
  app::SimulateGridOptions options;
  options.spec_path = f.file;
  options.sets = f.sets;
  options.overrides = [&](SimulationSpec spec) { return WithFlags(std::move(spec), true, f, c); };
  options.param_flags = f.params;
  options.calibration = calibration;
  options.runner = CommandUnitRunner();
  const app::SimulateGridResult grid = app::RunSimulateGrid(options, Catalog::Default());
  fmt::print("{}", RenderRows(grid.rows, out, app::SimulateGridColumns(grid)));
  return kExitOk;
}

// The command's work once its flags are parsed: a grid, a replay validation or one simulation.
int RunSimulate(const SimulateFlags& f, const app::CalibrationChoice& calibration,
                const CLI::App& c) {
  if (!f.sets.empty()) return RunSimulateGrid(f, calibration, c);
  // One run, or the replays: rank 0's alone under rightsize-mpi.
  if (CommandUnitRunner() != nullptr) CommandUnitRunner()->EndWorkers();
  if (f.validate_replays) {
    return ValidateReplays(f, app::LoadCalibration(calibration), calibration);
  }
  if (f.validate_published) {
    return ValidatePublished(f, app::LoadCalibration(calibration), calibration);
  }
  const OutputFormat out = ParseOutputFormat(f.format);
  const bool from_file = !f.file.empty();
  SimulationSpec base;
  if (from_file) base = LoadSimulationSpec(f.file);
  const SimulationSpec spec = WithFlags(std::move(base), from_file, f, c);
  const SimulationRun run = app::Simulate(spec, calibration, f.params, Catalog::Default());
  fmt::print("{}", RunText(run, out));
  if (!f.requests_csv.empty()) WriteFileAtomically(f.requests_csv, RequestsCsv(run.result));
  if (!f.timeseries_csv.empty()) WriteFileAtomically(f.timeseries_csv, TimeseriesCsv(run.result));
  if (!f.figure_dir.empty() && run.result.feasible) WriteFigure(run.result, f.figure_dir);
  return kExitOk;
}

}  // namespace

void RegisterSimulateCommand(CLI::App& app, int* exit_code) {
  auto* c = app.add_subcommand(
      "simulate",
      "discrete-event simulation of a serving engine: TTFT / TPOT / ITL / E2E percentiles, "
      "throughput, goodput, the max rate within an SLO");
  static SimulateFlags f;
  static app::CalibrationChoice calibration;
  c->add_option("file", f.file,
                "simulation YAML (docs/serving.md has every key); flags override it");
  AddEngineFlags(c, &f);
  AddTrafficFlags(c, &f);
  AddOutputFlags(c, &f);
  AddCalibrationOptions(c, &calibration);
  c->callback([exit_code, c] {
    *exit_code = RunWithErrorHandling([c] { return RunSimulate(f, calibration, *c); });
  });
}

}  // namespace rightsize
