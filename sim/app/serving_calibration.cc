#include "sim/app/serving_calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "sim/serve/engine_profile.h"
#include "sim/serve/simulator.h"
#include "sim/serve/traffic.h"

namespace rightsize::app {
namespace {

// The requests of a run as its log describes them: every prompt and output at the run's mean
// lengths (the logs state no more), arriving as its load says.
ServeTraffic TrafficOf(const ServingLoad& load, const Workload& w) {
  // A run that does not state its request count is simulated at the open-loop cap.
  const int64_t stated = load.num_requests > 0 ? load.num_requests : kMaxSimulatedServingRequests;
  ServeTraffic t;
  t.prompt.value = w.prompt_tokens;
  t.output.value = std::max<int64_t>(1, w.gen_tokens);
  if (load.max_concurrency > 0) {
    t.arrival = ArrivalKind::kClosedLoop;
    t.concurrency = load.max_concurrency;
    t.num_requests = std::min(stated, kMaxSimulatedServingRequests);
  } else if (load.requests_per_s > 0) {
    t.arrival = load.burstiness == 1.0 ? ArrivalKind::kPoisson : ArrivalKind::kGamma;
    t.requests_per_s = load.requests_per_s;
    t.cv = 1.0 / std::sqrt(load.burstiness);  // gamma of shape k: cv = 1 / sqrt(k)
    t.num_requests = std::min(stated, kMaxSimulatedServingRequests);
  } else {
    t.arrival = ArrivalKind::kOffline;
    t.num_requests = std::min(stated, kMaxSimulatedBurstRequests);
  }
  return t;
}

}  // namespace

// What the calibration compares of one simulated run.
struct RunFigures {
  double ttft_p50_s = 0.0;
  double tpot_p50_s = 0.0;
  double output_tokens_per_s = 0.0;  // generated tokens / (last completion - first arrival)
};

// One run simulated with the efficiencies asked for. The last kCachedAnswers answers are kept: the
// run's rows ask for the same efficiencies (each row's central differences walk the same
// at most 2 x 9 + 1 points, one row after the other).
class ServingRunModel {
 public:
  ServingRunModel(const Measurement& m, const ModelSpec& model, const HardwareSpec& hardware)
      : model_(model),
        hardware_(hardware),
        layout_(m.workload),
        engine_(ResolveEngineConfig(FindEngineProfile(EngineProfileIdForLogEngine(m.engine)),
                                    hardware)),
        requests_(
            GenerateRequests(TrafficOf(*m.serving_load, m.workload), kServingCalibrationSeed)) {
    options_.seed = kServingCalibrationSeed;
    options_.closed_loop_concurrency = m.serving_load->max_concurrency;
    // The fit compares medians and throughput only: no time series.
    options_.timeseries_interval_s = std::numeric_limits<double>::infinity();
  }

  // The run's figures; NaN when it cannot be served with these efficiencies (the model does not
  // fit, say).
  RunFigures Figures(const EfficiencyParams& params) const {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      for (const Answer& a : answers_) {
        if (a.params.values == params.values) return a.figures;
      }
    }
    const ServingSimResult r = SimulateRequests(model_, hardware_, layout_, engine_,
                                                SpeculativeConfig{}, requests_, params, options_);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const RunFigures figures = r.feasible
                                   ? RunFigures{r.ttft.p50_s, r.tpot.p50_s, r.output_tokens_per_s}
                                   : RunFigures{nan, nan, nan};
    const std::lock_guard<std::mutex> lock(mutex_);
    if (answers_.size() < kCachedAnswers) {
      answers_.push_back({params, figures});
    } else {
      answers_[next_ % kCachedAnswers] = {params, figures};
    }
    ++next_;
    return figures;
  }

 private:
  ModelSpec model_;
  HardwareSpec hardware_;
  Workload layout_;
  EngineConfig engine_;
  std::vector<ServeRequest> requests_;
  SimulationOptions options_;
  static constexpr size_t kCachedAnswers = 2 * EfficiencyParams::kNumParams + 4;
  struct Answer {
    EfficiencyParams params;
    RunFigures figures;
  };
  mutable std::mutex mutex_;
  mutable std::vector<Answer> answers_;  // a ring of the latest answers
  mutable size_t next_ = 0;
};

namespace {

// One row of a run: its median TTFT, its median TPOT, or its output throughput as the interval
// its row states (the row's step tokens / tokens per second, IntervalTimeFromMetric).
class ServingRunFigure : public SimulatedMeasure {
 public:
  ServingRunFigure(std::shared_ptr<const ServingRunModel> run, MetricKind metric,
                   double step_tokens, bool has_collectives)
      : run_(std::move(run)),
        metric_(metric),
        step_tokens_(step_tokens),
        has_collectives_(has_collectives) {}
  double PredictS(const EfficiencyParams& params) const override {
    const RunFigures f = run_->Figures(params);
    if (metric_ == MetricKind::kTtft) return f.ttft_p50_s;
    if (metric_ == MetricKind::kTpot) return f.tpot_p50_s;
    return step_tokens_ / f.output_tokens_per_s;
  }
  bool Reads(int param) const override {
    const bool link =
        param == EfficiencyParams::kLinkEfficiency || param == EfficiencyParams::kLinkLatency_s;
    return has_collectives_ || !link;
  }

 private:
  std::shared_ptr<const ServingRunModel> run_;
  MetricKind metric_;
  double step_tokens_;
  bool has_collectives_;  // the run's layout communicates (every step then does)
};

}  // namespace

std::shared_ptr<const SimulatedMeasure> ServingRunSimulations::For(const Measurement& m,
                                                                   const ModelSpec& model,
                                                                   const HardwareSpec& hardware) {
  if (!m.serving_load) throw InvariantError("ServingRunSimulations::For: no serving load");
  if (m.metric != MetricKind::kTtft && m.metric != MetricKind::kTpot &&
      m.metric != MetricKind::kTokensPerS) {
    throw InputError(m.where,
                     "only a serving run's TTFT, TPOT and output throughput are "
                     "simulated, not " +
                         ToString(m.metric));
  }
  const ServingLoad& load = *m.serving_load;
  const std::string key =
      fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", m.where.file, m.model_id, m.hardware_id,
                  m.engine, m.workload.prompt_tokens, m.workload.gen_tokens, load.requests_per_s,
                  load.burstiness, load.max_concurrency, load.num_requests);
  std::shared_ptr<ServingRunModel>& run = runs_[key];
  if (!run) run = std::make_shared<ServingRunModel>(m, model, hardware);
  const double step_tokens = static_cast<double>(m.step.batch * m.step.new_tokens);
  // The row's operators are its run's mean step, counted for the run's layout: a layout with a
  // collective has it in every step.
  const bool has_collectives = std::any_of(
      m.ops.begin(), m.ops.end(), [](const OpCost& op) { return op.kind == OpKind::kComm; });
  return std::make_shared<ServingRunFigure>(run, m.metric, step_tokens, has_collectives);
}

}  // namespace rightsize::app
