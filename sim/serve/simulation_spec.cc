#include "sim/serve/simulation_spec.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "sim/serve/trace_reader.h"
#include "sim/util/csv.h"
#include "sim/util/error.h"
#include "sim/util/file_io.h"
#include "sim/util/strings.h"
#include "sim/util/yaml_reader.h"

namespace rightsize {
namespace {

constexpr int64_t kMaxLength = int64_t{1} << 30;

// A length: a whole number, a distribution string ("lognormal:800:0.6") or a mapping.
LengthDistribution ReadLength(YamlReader& r, const std::string& key) {
  const SourceLocation where = r.Where(key);
  const YAML::Node node = r.Raw(key);
  try {
    if (node.IsScalar()) return ParseLengthDistribution(node.as<std::string>(), key);
    YamlReader m(node, r.file(), where.key);
    LengthDistribution d;
    const std::string kind = ToLower(m.RequiredString("distribution"));
    if (kind == "fixed") {
      d.value = m.RequiredInt("value", 1, kMaxLength);
    } else if (kind == "uniform") {
      d.kind = LengthKind::kUniform;
      d.min = m.RequiredInt("min", 1, kMaxLength);
      d.max = m.RequiredInt("max", 1, kMaxLength);
    } else if (kind == "lognormal") {
      d.kind = LengthKind::kLogNormal;
      d.median = m.RequiredDouble("median", 1e-9, 1e12);
      d.sigma = m.RequiredDouble("sigma", 0, 100);
      d.min = m.OptionalInt("min", 1, 1, kMaxLength);
      d.max = m.OptionalInt("max", kMaxLength, 1, kMaxLength);
    } else if (kind == "empirical") {
      d.kind = LengthKind::kEmpirical;
      const YAML::Node values = m.Raw("values");
      if (!values.IsSequence()) throw InputError(m.Where("values"), "expected a list of lengths");
      for (const auto& v : values) {
        int64_t x = 0;
        try {
          x = v.as<int64_t>();
        } catch (const YAML::Exception&) {
          throw InputError({r.file(), LineOf(v), where.key + ".values"}, "expected a whole number");
        }
        d.values.push_back(x);
      }
    } else {
      throw InputError(m.Where("distribution"), "unknown distribution '" + kind +
                                                    "' (fixed, uniform, lognormal, empirical)");
    }
    m.RejectUnknownKeys();
    std::string why;
    if (!Validate(d, &why)) throw InputError(where, why);
    return d;
  } catch (const InputError& e) {
    if (!e.where().file.empty()) throw;
    // ParseLengthDistribution knows the key but not the file: say where it is.
    const std::string message = e.what();
    const std::size_t cut = message.find(": ", message.find(key));
    throw InputError(where, cut == std::string::npos ? message : message.substr(cut + 2));
  }
}

void ReadOverrides(YamlReader& r, EngineOverrides* o) {
  if (r.Has("max_num_seqs")) o->max_num_seqs = r.RequiredInt("max_num_seqs", 1, kMaxLength);
  if (r.Has("max_num_batched_tokens")) {
    o->max_num_batched_tokens = r.RequiredInt("max_num_batched_tokens", 1, kMaxLength);
  }
  if (r.Has("block_size_tokens"))
    o->block_size_tokens = r.RequiredInt("block_size_tokens", 1, 1 << 20);
  if (r.Has("kv_cache_blocks"))
    o->kv_cache_blocks = r.RequiredInt("kv_cache_blocks", 1, kMaxLength);
  if (r.Has("chunked_prefill")) o->chunked_prefill = r.RequiredBool("chunked_prefill");
  if (r.Has("reserve_full_isl")) o->reserve_full_isl = r.RequiredBool("reserve_full_isl");
  if (r.Has("prefix_caching")) o->prefix_caching = r.RequiredBool("prefix_caching");
  if (r.Has("policy")) o->policy = ParseStepPolicy(r.RequiredString("policy"), r.Where("policy"));
  if (r.Has("admission")) {
    o->admission = ParseKvAdmission(r.RequiredString("admission"), r.Where("admission"));
  }
  if (r.Has("router")) o->router = ParseRouterPolicy(r.RequiredString("router"), r.Where("router"));
  if (r.Has("memory_utilization")) {
    o->memory_utilization = r.RequiredDouble("memory_utilization", 1e-3, 1.0);
  }
  if (r.Has("step_overhead_s")) o->step_overhead_s = r.RequiredDouble("step_overhead_s", 0, 1);
  if (r.Has("sequence_overhead_s")) {
    o->sequence_overhead_s = r.RequiredDouble("sequence_overhead_s", 0, 1e-3);
  }
  r.RejectUnknownKeys();
}

std::string Fmt(double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : ""; }

nlohmann::json StatsJson(const LatencyStats& s) {
  auto num = [](double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
  };
  return {{"mean_s", num(s.mean_s)},
          {"p50_s", num(s.p50_s)},
          {"p90_s", num(s.p90_s)},
          {"p99_s", num(s.p99_s)},
          {"count", s.count}};
}

nlohmann::json ResultJson(const ServingSimResult& r) {
  nlohmann::json j;
  j["feasible"] = r.feasible;
  j["reason"] = r.reason;
  j["overloaded"] = r.overloaded;
  j["overload_reason"] = r.overload_reason;
  j["requests"] = r.requests.size();
  j["ttft"] = StatsJson(r.ttft);
  j["tpot"] = StatsJson(r.tpot);
  j["itl"] = StatsJson(r.itl);
  j["e2e"] = StatsJson(r.e2e);
  j["duration_s"] = r.end_s - r.start_s;
  j["requests_per_s"] = r.requests_per_s;
  j["input_tokens_per_s"] = r.input_tokens_per_s;
  j["output_tokens_per_s"] = r.output_tokens_per_s;
  j["mean_in_system"] = r.mean_in_system;
  j["steps"] = r.steps;
  j["preemptions"] = r.preemptions;
  j["kv_cache_blocks"] = r.kv_cache_blocks;
  j["kv_cache_blocks_source"] = r.kv_blocks_from_engine ? "engine" : "memory model";
  j["block_size_tokens"] = r.block_size_tokens;
  j["kv_cache_tokens"] = r.kv_cache_blocks * r.block_size_tokens;
  j["kv_bytes_per_token"] = r.kv_bytes_per_token;
  j["state_blocks_per_request"] = r.state_blocks_per_request;
  if (r.spec_verify_steps > 0) {
    j["speculative_tokens_per_verify_step"] =
        static_cast<double>(r.spec_tokens_drawn) / static_cast<double>(r.spec_verify_steps);
  }
  return j;
}

}  // namespace

void Apply(const EngineOverrides& o, EngineConfig* c) {
  if (o.max_num_seqs) c->max_num_seqs = *o.max_num_seqs;
  if (o.max_num_batched_tokens) c->max_num_batched_tokens = *o.max_num_batched_tokens;
  if (o.block_size_tokens) c->block_size_tokens = *o.block_size_tokens;
  if (o.kv_cache_blocks) c->kv_cache_blocks = *o.kv_cache_blocks;
  if (o.chunked_prefill) c->chunked_prefill = *o.chunked_prefill;
  if (o.reserve_full_isl) c->reserve_full_isl = *o.reserve_full_isl;
  if (o.prefix_caching) c->prefix_caching = *o.prefix_caching;
  if (o.policy) c->policy = *o.policy;
  if (o.admission) c->admission = *o.admission;
  if (o.router) c->router = *o.router;
  if (o.memory_utilization) c->memory_utilization = *o.memory_utilization;
  if (o.step_overhead_s) c->step_overhead_s = *o.step_overhead_s;
  if (o.sequence_overhead_s) c->sequence_overhead_s = *o.sequence_overhead_s;
}

SimulationSpec LoadSimulationSpec(const std::string& path) {
  return LoadSimulationSpec(LoadYamlFile(path), path);
}

SimulationSpec LoadSimulationSpec(const YAML::Node& root, const std::string& path) {
  YamlReader r(root, path);
  SimulationSpec s;
  s.file = path;
  s.model = r.RequiredString("model");
  s.hardware = r.RequiredString("hardware");
  if (r.Has("layout")) {
    YamlReader l = r.Child("layout");
    s.layout.parallel.tensor = static_cast<int>(l.OptionalInt("tp", 1, 1, 1024));
    s.layout.parallel.pipeline = static_cast<int>(l.OptionalInt("pp", 1, 1, 1024));
    s.layout.parallel.expert = static_cast<int>(l.OptionalInt("ep", 1, 1, 1024));
    s.layout.parallel.data = static_cast<int>(l.OptionalInt("dp", 1, 1, 1024));
    s.layout.weights = ParsePrecision(l.OptionalString("weights", "bf16"), l.Where("weights"));
    s.layout.activations =
        ParsePrecision(l.OptionalString("activations", "bf16"), l.Where("activations"));
    s.layout.kv_cache = ParsePrecision(l.OptionalString("kv", "bf16"), l.Where("kv"));
    l.RejectUnknownKeys();
  } else {
    r.OptionalString("layout", "");
  }
  s.engine = r.OptionalString("engine", s.engine);
  AtLocation(r.Where("engine"), [&] { FindEngineProfile(s.engine); });
  if (r.Has("engine_overrides")) {
    YamlReader o = r.Child("engine_overrides");
    ReadOverrides(o, &s.overrides);
  } else {
    r.OptionalString("engine_overrides", "");
  }
  if (r.Has("speculative")) {
    YamlReader sp = r.Child("speculative");
    const std::string method = sp.RequiredString("method");
    try {
      s.speculative = ParseSpeculativeMethod(method, "method");
    } catch (const InputError&) {
      throw InputError(sp.Where("method"),
                       "unknown speculative method '" + method + "' (none, ngram, draft)");
    }
    if (s.speculative != SpeculativeMethod::kNone) {
      s.speculative_tokens = sp.RequiredInt("num_tokens", 1, 64);
      s.acceptance_rate = sp.RequiredDouble("acceptance_rate", 0.0, 0.999);
    }
    if (s.speculative == SpeculativeMethod::kDraftModel)
      s.draft_model = sp.RequiredString("draft_model");
    sp.RejectUnknownKeys();
  } else {
    r.OptionalString("speculative", "");
  }

  YamlReader t = r.Child("traffic");
  const std::string arrival = t.RequiredString("arrival");
  try {
    s.traffic.arrival = ParseArrivalKind(arrival, "arrival");
  } catch (const InputError&) {
    throw InputError(t.Where("arrival"), "unknown arrival process '" + arrival +
                                             "' (poisson, gamma, closed_loop, offline, trace)");
  }
  const ArrivalKind a = s.traffic.arrival;
  if (a == ArrivalKind::kPoisson || a == ArrivalKind::kGamma) {
    s.traffic.requests_per_s = t.RequiredDouble("requests_per_s", 1e-9, 1e9);
  }
  if (a == ArrivalKind::kGamma) s.traffic.cv = t.RequiredDouble("cv", 1e-6, 1e3);
  if (a == ArrivalKind::kClosedLoop)
    s.traffic.concurrency = t.RequiredInt("concurrency", 1, kMaxLength);
  if (a == ArrivalKind::kTrace) {
    s.trace = ResolveProjectPath(t.RequiredString("trace"), path);
  } else {
    s.traffic.num_requests = t.RequiredInt("requests", 1, 100000000);
    s.traffic.prompt = ReadLength(t, "prompt_tokens");
    s.traffic.output = ReadLength(t, "output_tokens");
  }
  s.traffic.shared_prefix_tokens = t.OptionalInt("shared_prefix_tokens", 0, 0, kMaxLength);
  s.traffic.prefix_share = t.OptionalDouble("prefix_share", 0.0, 0.0, 1.0);
  t.RejectUnknownKeys();

  s.seed = static_cast<uint64_t>(r.OptionalInt("seed", 1, 0, std::numeric_limits<int64_t>::max()));
  if (r.Has("slo")) {
    s.slo = ReadSloTargets(r.Raw("slo"), path, false);
  } else {
    r.OptionalString("slo", "");
  }
  if (r.Has("goodput")) {
    YamlReader g = r.Child("goodput");
    s.goodput.ttft_s = g.OptionalDouble("ttft_s", 0, 0, 1e9);
    s.goodput.tpot_s = g.OptionalDouble("tpot_s", 0, 0, 1e9);
    s.goodput.e2e_s = g.OptionalDouble("e2e_s", 0, 0, 1e9);
    g.RejectUnknownKeys();
  } else {
    r.OptionalString("goodput", "");
  }
  s.max_rate = r.OptionalBool("max_rate", false);
  s.timeseries_interval_s = r.OptionalDouble("timeseries_interval_s", 0, 0, 1e9);
  r.RejectUnknownKeys();
  return s;
}

SimulationRun RunSimulation(const SimulationSpec& spec, const Catalog& catalog,
                            const EfficiencyParams& params, bool use_engine_overheads,
                            const std::string& params_source) {
  SimulationRun run;
  run.spec = spec;
  const ModelSpec model = catalog.ResolveModel(spec.model);
  const HardwareSpec& hw = catalog.Hardware(spec.hardware);
  run.engine = ResolveEngineConfig(FindEngineProfile(spec.engine), hw);
  Apply(spec.overrides, &run.engine);
  run.params = use_engine_overheads ? WithEngineOverheads(params, run.engine) : params;
  run.params_source = params_source;
  std::string why;
  if (!Validate(run.engine, &why)) throw InputError({spec.file, 0, "engine_overrides"}, why);

  ModelSpec draft;
  SpeculativeConfig speculative;
  speculative.method = spec.speculative;
  speculative.num_tokens = spec.speculative_tokens;
  speculative.acceptance_rate = spec.acceptance_rate;
  if (spec.speculative == SpeculativeMethod::kDraftModel) {
    draft = catalog.ResolveModel(spec.draft_model);
    speculative.draft_model = &draft;
  }
  SimulationOptions options;
  options.seed = spec.seed;
  options.timeseries_interval_s = spec.timeseries_interval_s;
  options.shared_prefix_tokens = spec.traffic.shared_prefix_tokens;
  if (spec.traffic.arrival == ArrivalKind::kTrace) {
    const std::vector<ServeRequest> requests = ReadRequestTrace(spec.trace);
    options.source_file = spec.trace;
    run.result = SimulateRequests(model, hw, spec.layout, run.engine, speculative, requests,
                                  run.params, options);
  } else {
    run.result = SimulateServing(model, hw, spec.layout, run.engine, speculative, spec.traffic,
                                 run.params, spec.seed, options);
  }
  run.goodput = GoodputOf(run.result, spec.goodput);
  run.slo_met = MeetsSlo(run.result, spec.slo, &run.slo_why);
  if (spec.max_rate) {
    if (spec.slo.empty()) {
      throw InputError({spec.file, 0, "max_rate"}, "the max-rate search needs SLO targets (slo:)");
    }
    run.max_rate = MaxRateWithinSlo(model, hw, spec.layout, run.engine, speculative, spec.traffic,
                                    run.params, spec.seed, spec.slo, options);
  }
  return run;
}

std::string ParamsSource(const std::string& calibration_file, const std::string& group) {
  if (calibration_file.empty())
    return "defaults (uncalibrated) + the engine's host-overhead priors";
  return fmt::format("{} (group {})", calibration_file, group);
}

nlohmann::json ToJson(const SimulationRun& run) {
  const SimulationSpec& s = run.spec;
  nlohmann::json j;
  j["schema_version"] = 1;
  j["model"] = s.model;
  j["hardware"] = s.hardware;
  const Parallelism& p = s.layout.parallel;
  j["layout"] = {{"tp", p.tensor},
                 {"pp", p.pipeline},
                 {"ep", p.expert},
                 {"dp", p.data},
                 {"weights", ToString(s.layout.weights)},
                 {"activations", ToString(s.layout.activations)},
                 {"kv", ToString(s.layout.kv_cache)}};
  const EngineConfig& e = run.engine;
  j["engine"] = {{"id", e.engine_id},
                 {"max_num_seqs", e.max_num_seqs},
                 {"max_num_batched_tokens", e.max_num_batched_tokens},
                 {"chunked_prefill", e.chunked_prefill},
                 {"policy", ToString(e.policy)},
                 {"admission", ToString(e.admission)},
                 {"reserve_full_isl", e.reserve_full_isl},
                 {"block_size_tokens", e.block_size_tokens},
                 {"memory_utilization", e.memory_utilization},
                 {"prefix_caching", e.prefix_caching},
                 {"linear_state", e.linear_state_per_request ? "per_request" : "preallocated"},
                 {"router", ToString(e.router)}};
  nlohmann::json params;
  for (int i = 0; i < EfficiencyParams::kNumParams; ++i) {
    params[EfficiencyParams::kParamNames[static_cast<std::size_t>(i)]] =
        run.params.values[static_cast<std::size_t>(i)];
  }
  j["params"] = params;
  j["params_source"] = run.params_source;
  j["traffic"] = {
      {"arrival", ToString(s.traffic.arrival)},
      {"requests_per_s", s.traffic.requests_per_s},
      {"cv", s.traffic.cv},
      {"concurrency", s.traffic.concurrency},
      {"trace", s.trace},
      {"prompt_tokens", s.traffic.arrival == ArrivalKind::kTrace ? "" : ToString(s.traffic.prompt)},
      {"output_tokens",
       s.traffic.arrival == ArrivalKind::kTrace ? "" : ToString(s.traffic.output)}};
  j["seed"] = s.seed;
  j["result"] = ResultJson(run.result);
  if (s.goodput.Any()) {
    j["goodput"] = {{"fraction", run.goodput.fraction},
                    {"requests_per_s", run.goodput.requests_per_s},
                    {"ttft_s", s.goodput.ttft_s},
                    {"tpot_s", s.goodput.tpot_s},
                    {"e2e_s", s.goodput.e2e_s}};
  }
  if (!s.slo.empty()) {
    nlohmann::json targets;
    for (const SloTarget& t : s.slo) targets[t.key] = t.limit_s;
    j["slo"] = {{"targets", targets}, {"met", run.slo_met}, {"why", run.slo_why}};
  }
  if (run.max_rate) {
    const MaxRateResult& m = *run.max_rate;
    j["max_rate"] = {{"feasible", m.feasible},
                     {"reason", m.reason},
                     {"max_requests_per_s", m.max_requests_per_s},
                     {"min_failing_requests_per_s", m.min_failing_requests_per_s},
                     {"simulations", m.simulations},
                     {"at_max", ResultJson(m.at_max)}};
  }
  return j;
}

std::string RequestsCsv(const ServingSimResult& r) {
  std::string out =
      CsvLine({"index", "arrival_s", "prompt_tokens", "output_tokens", "cached_prompt_tokens",
               "ttft_s", "tpot_s", "e2e_s", "preemptions", "rank"});
  for (const RequestRecord& rec : r.requests) {
    out += CsvLine({std::to_string(rec.index), Fmt(rec.arrival_s),
                    std::to_string(rec.prompt_tokens), std::to_string(rec.output_tokens),
                    std::to_string(rec.cached_prompt_tokens), Fmt(rec.TtftS()), Fmt(rec.TpotS()),
                    Fmt(rec.E2eS()), std::to_string(rec.preemptions), std::to_string(rec.rank)});
  }
  return out;
}

std::string TimeseriesCsv(const ServingSimResult& r) {
  std::string out = CsvLine({"time_s", "running", "waiting", "kv_used_fraction", "step_tokens"});
  for (const TimeSample& t : r.timeseries) {
    out += CsvLine({Fmt(t.time_s), std::to_string(t.running), std::to_string(t.waiting),
                    Fmt(t.kv_used_fraction), std::to_string(t.step_tokens)});
  }
  return out;
}

}  // namespace rightsize
