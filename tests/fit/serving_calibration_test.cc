// Serving-level calibration (sim/app/serving_calibration.h): runs measured at a request rate or a
// concurrency are predicted by simulating them, so the fit sees queueing and mixed steps. The
// "measured" medians here are simulated with known efficiencies and another seed than the fit's
// (so the fit meets sampling noise, as with a real log), and the fitter must recover the truth.
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/app/calibrate.h"
#include "sim/app/serving_calibration.h"
#include "sim/fit/calibration_file.h"
#include "sim/fit/calibrator.h"
#include "sim/logs/readers.h"
#include "sim/serve/engine_profile.h"
#include "sim/serve/simulator.h"
#include "tests/catalog_lookup.h"
#include "tests/temp_file.h"

namespace rightsize {
namespace {

using P = EfficiencyParams;

constexpr char kModel[] = "llama-3.1-8b";
constexpr char kSmallModel[] = "llama-3.2-1b";
constexpr char kDevice[] = "h100-sxm5-80gb";
constexpr int64_t kPromptTokens = 1024;
constexpr int64_t kOutputTokens = 128;
constexpr int64_t kRequests = 200;
constexpr int64_t kCliRequests = 100;
constexpr uint64_t kMeasuredSeed = 7;  // not the fit's kServingCalibrationSeed

// A `vllm bench serve` run at this load, simulated with `truth` and the measured seed.
ServingSimResult SimulatedRun(const EfficiencyParams& truth, const ServingLoad& load,
                              const std::string& model_id) {
  ServeTraffic traffic;
  traffic.prompt.value = kPromptTokens;
  traffic.output.value = kOutputTokens;
  traffic.num_requests = load.num_requests;
  SimulationOptions options;
  if (load.max_concurrency > 0) {
    traffic.arrival = ArrivalKind::kClosedLoop;
    traffic.concurrency = load.max_concurrency;
    options.closed_loop_concurrency = load.max_concurrency;
  } else {
    traffic.requests_per_s = load.requests_per_s;
  }
  const HardwareSpec& hw = Hw(kDevice);
  Workload w;
  w.engine = "vllm";
  w.prompt_tokens = kPromptTokens;
  w.gen_tokens = kOutputTokens;
  const EngineConfig engine = ResolveEngineConfig(FindEngineProfile("vllm-v1"), hw);
  const ServingSimResult r = SimulateServing(Model(model_id), hw, w, engine, SpeculativeConfig{},
                                             traffic, truth, kMeasuredSeed, options);
  REQUIRE(r.feasible);
  return r;
}

// What that run would log (its median TPOT and TTFT) as measurement rows.
std::vector<Measurement> MeasuredRun(const EfficiencyParams& truth, const ServingLoad& load,
                                     int line, const std::string& model_id = kModel) {
  const ServingSimResult r = SimulatedRun(truth, load, model_id);
  Workload w;
  w.engine = "vllm";
  w.prompt_tokens = kPromptTokens;
  w.gen_tokens = kOutputTokens;
  std::vector<Measurement> rows;
  for (const auto& [metric, value_s, step] :
       {std::tuple{MetricKind::kTpot, r.tpot.p50_s, DecodeStep(w, kPromptTokens + 64)},
        std::tuple{MetricKind::kTtft, r.ttft.p50_s, PrefillStep(w)}}) {
    Measurement m = MakeStepMeasurement(Model(model_id), kDevice, w, step, metric, value_s,
                                        {"synthetic.json", line, "median"});
    m.engine = "vllm";
    m.model_id = model_id;
    m.series = model_id;
    m.serving_load = load;
    rows.push_back(std::move(m));
  }
  return rows;
}

ServingLoad OpenLoop(double requests_per_s, int64_t requests = kRequests) {
  ServingLoad load;
  load.requests_per_s = requests_per_s;
  load.num_requests = requests;
  return load;
}

ServingLoad ClosedLoop(int64_t clients, int64_t requests = kRequests) {
  ServingLoad load;
  load.max_concurrency = clients;
  load.num_requests = requests;
  return load;
}

EfficiencyParams Truth() {
  EfficiencyParams truth;
  truth[P::kMemoryEfficiency] = 0.62;   // the default is 0.80
  truth[P::kComputeEfficiency] = 0.50;  // the default is 0.70
  return truth;
}

std::vector<CalibrationPoint> Points(const std::vector<Measurement>& rows) {
  return app::ToCalibrationPoints(rows, LogReadOptions(Cat()));
}

TEST_CASE("serving-level calibration recovers the efficiencies behind a run's medians",
          "[fit][serve]") {
  const EfficiencyParams truth = Truth();
  std::vector<Measurement> rows;
  int line = 0;
  // Two models, so a cost per kernel (the same kernels per layer in both) and a cost per byte
  // (8x the weights) part; two loads each.
  for (const char* model : {kModel, kSmallModel}) {
    for (const ServingLoad& load : {OpenLoop(6.0), ClosedLoop(16)}) {
      for (Measurement& m : MeasuredRun(truth, load, ++line, model)) rows.push_back(std::move(m));
    }
  }
  const std::vector<CalibrationPoint> points = Points(rows);
  for (const CalibrationPoint& p : points) REQUIRE(p.simulated);

  CalibratorOptions options;
  // The host overheads are held at their defaults, which generated the runs: a run's medians
  // cannot tell a per-step overhead from a slower step (docs/calibration.md).
  options.fixed = {P::kStepOverhead_s, P::kSequenceOverhead_s};
  const CalibrationResult fit = Calibrator(options).Fit(points);
  REQUIRE(fit.groups.size() == 1);
  const GroupCalibration& g = fit.groups[0];
  INFO(g.report);
  CHECK(g.usable);
  CHECK(g.params[P::kMemoryEfficiency] == Approx(truth[P::kMemoryEfficiency]).epsilon(0.03));
  CHECK(g.params[P::kComputeEfficiency] == Approx(truth[P::kComputeEfficiency]).epsilon(0.10));
  CHECK(g.source[P::kMemoryEfficiency] == ParamSource::kData);

  // A run at a rate the fit never saw, predicted through the simulator within 5%.
  const std::vector<CalibrationPoint> held_out = Points(MeasuredRun(truth, OpenLoop(8.0), 9));
  for (const CalibrationPoint& p : held_out) {
    const PredictionInterval pi = PredictWithInterval(g, p, 0.9);
    INFO(p.where);
    CHECK(pi.predicted_s == Approx(p.measured_s).epsilon(0.05));
    CHECK(pi.lower_s < pi.predicted_s);
    CHECK(pi.upper_s > pi.predicted_s);
  }
  // Uncalibrated (the defaults), the same run is predicted well away from the measurement: the
  // fit had something to recover.
  const double default_tpot_s = PredictPointS(held_out[0], P{}.data());
  CHECK(std::fabs(default_tpot_s / held_out[0].measured_s - 1) > 0.15);
}

TEST_CASE("serving-level rows share one simulation per run", "[fit][serve]") {
  const std::vector<Measurement> rows = MeasuredRun(Truth(), OpenLoop(4.0), 1);
  app::ServingRunSimulations simulations;
  const auto tpot = simulations.For(rows[0], Model(kModel), Hw(kDevice));
  const auto ttft = simulations.For(rows[1], Model(kModel), Hw(kDevice));
  const EfficiencyParams truth = Truth();
  // The fit's seed is not the measured run's: close to the measured medians, not equal.
  CHECK(tpot->PredictS(truth) == Approx(rows[0].value).epsilon(0.05));
  CHECK(ttft->PredictS(truth) == Approx(rows[1].value).epsilon(0.25));
  CHECK(tpot->PredictS(truth) == tpot->PredictS(truth));  // deterministic
  CHECK(ttft->PredictS(P{}) < ttft->PredictS(truth));     // faster defaults, shorter TTFT
  // A closed-loop run's output throughput, as the interval of its row's step (one token here).
  const ServingSimResult closed = SimulatedRun(truth, ClosedLoop(16), kModel);
  Workload w;
  w.engine = "vllm";
  w.prompt_tokens = kPromptTokens;
  w.gen_tokens = kOutputTokens;
  Measurement rate = MakeStepMeasurement(Model(kModel), kDevice, w, DecodeStep(w, kPromptTokens),
                                         MetricKind::kTokensPerS, closed.output_tokens_per_s,
                                         {"synthetic.json", 3, "output_throughput"});
  rate.engine = "vllm";
  rate.serving_load = ClosedLoop(16);
  CHECK(rate.interval_time_s == Approx(1 / closed.output_tokens_per_s));
  const auto predicted_rate = simulations.For(rate, Model(kModel), Hw(kDevice));
  CHECK(predicted_rate->PredictS(truth) == Approx(rate.interval_time_s).epsilon(0.05));
}

// A figure of a known closed form that no simulation-free parameter may move: it answers NaN
// (which fails the fit) when a parameter it does not read, or one the fit holds, is not at the
// value the fit started from.
class GuardedMeasure : public SimulatedMeasure {
 public:
  GuardedMeasure(double compute_s, double memory_s) : compute_s_(compute_s), memory_s_(memory_s) {}
  double PredictS(const EfficiencyParams& params) const override {
    const P start;
    for (P::Index i : {P::kLinkEfficiency, P::kLinkLatency_s, P::kStepOverhead_s}) {
      if (params[i] != start[i]) return std::numeric_limits<double>::quiet_NaN();
    }
    return compute_s_ / params[P::kComputeEfficiency] + memory_s_ / params[P::kMemoryEfficiency];
  }
  bool Reads(int param) const override {
    return param != P::kLinkEfficiency && param != P::kLinkLatency_s;
  }

 private:
  double compute_s_, memory_s_;
};

TEST_CASE("a simulated point is never simulated with a held or unread parameter moved",
          "[fit][serve]") {
  EfficiencyParams truth;
  truth[P::kComputeEfficiency] = 0.55;
  truth[P::kMemoryEfficiency] = 0.65;
  std::vector<CalibrationPoint> points;
  for (int i = 0; i < 12; ++i) {
    CalibrationPoint p;
    p.group = "guarded";
    p.where = "synthetic:" + std::to_string(i + 1);
    const double compute_s = 1e-3 * (i % 4), memory_s = 1e-3 * (3 - i % 4) + 1e-4 * i;
    p.simulated = std::make_shared<GuardedMeasure>(compute_s, memory_s);
    p.measured_s = p.simulated->PredictS(truth);
    points.push_back(std::move(p));
  }
  CalibratorOptions options;
  options.fixed = {P::kStepOverhead_s};
  const CalibrationResult fit = Calibrator(options).Fit(points);
  REQUIRE(fit.groups.size() == 1);
  const GroupCalibration& g = fit.groups[0];
  INFO(g.report);
  REQUIRE(g.usable);
  CHECK(g.params[P::kComputeEfficiency] == Approx(0.55).epsilon(0.01));
  CHECK(g.params[P::kMemoryEfficiency] == Approx(0.65).epsilon(0.01));
  CHECK(g.params[P::kLinkEfficiency] == P{}[P::kLinkEfficiency]);
  CHECK(g.params[P::kStepOverhead_s] == P{}[P::kStepOverhead_s]);
  // The interval's gradient skips the unread parameters too: finite bounds around the fit.
  const PredictionInterval pi = PredictWithInterval(g, points[5], 0.9);
  CHECK(std::isfinite(pi.lower_s));
  CHECK(std::isfinite(pi.upper_s));
  CHECK(pi.predicted_s == Approx(points[5].measured_s).epsilon(0.01));
}

// The run as `vllm bench serve --save-result` writes it: one line of JSON with the keys of the
// tool's result (benchmarks/serve.py: the traffic, then the benchmark result), times in ms.
std::string WriteVllmResult(const std::string& name, const EfficiencyParams& truth,
                            const ServingLoad& load, const std::string& model_id) {
  const ServingSimResult r = SimulatedRun(truth, load, model_id);
  const double duration_s = r.end_s - r.start_s;
  nlohmann::json j;
  j["date"] = "20261203-120000";
  j["endpoint_type"] = "openai";
  j["backend"] = "vllm";
  j["model_id"] = Model(model_id).hf_repo;
  j["num_prompts"] = load.num_requests;
  if (load.requests_per_s > 0) {
    j["request_rate"] = load.requests_per_s;
  } else {
    j["request_rate"] = "inf";
  }
  j["burstiness"] = load.burstiness;
  j["max_concurrency"] =
      load.max_concurrency > 0 ? nlohmann::json(load.max_concurrency) : nlohmann::json(nullptr);
  j["duration"] = duration_s;
  j["completed"] = load.num_requests;
  j["total_input_tokens"] = load.num_requests * kPromptTokens;
  j["total_output_tokens"] = load.num_requests * kOutputTokens;
  j["request_throughput"] = r.requests_per_s;
  j["output_throughput"] = r.output_tokens_per_s;
  j["mean_ttft_ms"] = 1e3 * r.ttft.mean_s;
  j["median_ttft_ms"] = 1e3 * r.ttft.p50_s;
  j["p99_ttft_ms"] = 1e3 * r.ttft.p99_s;
  j["mean_tpot_ms"] = 1e3 * r.tpot.mean_s;
  j["median_tpot_ms"] = 1e3 * r.tpot.p50_s;
  j["p99_tpot_ms"] = 1e3 * r.tpot.p99_s;
  return WriteTempFile("rightsize_serving_calibration_test", name, j.dump());
}

TEST_CASE("calibrate from vllm bench serve results (open and closed loop) predicts a held-out run",
          "[fit][serve][cli]") {
  const EfficiencyParams truth = Truth();
  app::CalibrateOptions o;
  // Both loads of the 8B model and the 1B model's closed loop: two models, so a cost per kernel
  // and a cost per byte (the 8B's weights are 8x), in eight rows (fewer than the ten per group
  // that buy the interval's held-out folds, each a whole fit of simulated runs).
  o.logs.push_back(WriteVllmResult("run1.json", truth, OpenLoop(6.0, kCliRequests), kModel));
  o.logs.push_back(WriteVllmResult("run2.json", truth, ClosedLoop(16, kCliRequests), kModel));
  o.logs.push_back(WriteVllmResult("run3.json", truth, ClosedLoop(16, kCliRequests), kSmallModel));
  o.hardware = kDevice;
  o.folds = 0;
  o.output_path = WriteTempFile("rightsize_serving_calibration_test", "cal.json", "");
  std::filesystem::remove(o.output_path);
  const app::CalibrateResult result = app::RunCalibrate(o, Cat());
  INFO(result.summary);
  REQUIRE(result.usable);
  CHECK(result.document["inputs"][0]["format"] == "vllm");
  CHECK(result.document["inputs"][0]["measurements"] == 2);  // median TPOT and TTFT
  CHECK(result.document["inputs"][0]["serving_level_rows"] == 2);
  // A closed-loop run's output throughput is a row too: its clients set the pace, not arrivals.
  CHECK(result.document["inputs"][1]["measurements"] == 3);
  CHECK(result.document["inputs"][2]["measurements"] == 3);
  CHECK(result.summary.find("8 serving-level rows") != std::string::npos);

  // The held-out run at 8 requests/s, read from its file like the others.
  const std::string held_out =
      WriteVllmResult("held_out.json", truth, OpenLoop(8.0, kCliRequests), kModel);
  app::CalibrateOptions read_options = o;
  read_options.logs = {held_out};
  const LogReadOptions read = app::MakeLogReadOptions(read_options, Cat());
  const LogReadResult rows = ReadLog(held_out, "", read);
  REQUIRE(rows.measurements.size() == 2);
  const std::vector<CalibrationPoint> points = app::ToCalibrationPoints(rows.measurements, read);
  const GroupCalibration g = LoadCalibrationGroup(o.output_path, points[0].group);
  for (const CalibrationPoint& p : points) {
    INFO(p.where);
    REQUIRE(p.simulated);
    const PredictionInterval pi = PredictWithInterval(g, p, 0.9);
    CHECK(pi.predicted_s == Approx(p.measured_s).epsilon(0.10));
    CHECK(pi.lower_s <= p.measured_s);
    CHECK(pi.upper_s >= p.measured_s);
  }
}

}  // namespace
}  // namespace rightsize
