#include "sim/plan/crossover_runner.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <random>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/cost/latency.h"
#include "sim/cost/money.h"
#include "sim/quality/law_quality.h"
#include "sim/util/error.h"
#include "sim/util/parallel.h"
#include "sim/util/stats.h"
#include "sim/util/strings.h"
#include "sim/util/units.h"

namespace rightsize {
namespace {

constexpr int kTrafficPoints = 60;
constexpr int kRegionTrafficPoints = 24;
// Monte Carlo: draws come in blocks of kMonteCarloBlock from one seeded sequence until every
// small candidate's P(small wins) has a standard error of at most kMaxWinProbabilitySe
// (sqrt(p (1 - p) / n) <= 0.01 needs n <= 2,500 at any p), so at most kMaxMonteCarloDraws.
constexpr int kMonteCarloBlock = 400;
constexpr int kMaxMonteCarloDraws = 2800;
constexpr double kMaxWinProbabilitySe = 0.01;
constexpr double kLowScale = kSensitivityLowScale, kHighScale = kSensitivityHighScale;
// Totals within this relative difference are equal (floating-point sums of the same costs).
constexpr double kCostTieRelative = 1e-9;

// A serving option's label, e.g. "h100-sxm5-80gb tp2 bf16": names the layout it was priced from.
std::string LayoutLabel(const Layout& layout) {
  return fmt::format("{} tp{} {}", layout.hardware_id, layout.tensor_parallel,
                     ToString(layout.weights));
}

// Multipliers applied to a study's inputs (1 = as written); sensitivity and Monte Carlo vary them.
struct Knobs {
  double traffic = 1, prompt = 1, output = 1, horizon = 1, throughput = 1, finetune_tokens = 1,
         api_price = 1;
  std::map<std::string, double> hardware_price;  // per hardware id
};

Mode FinetuneMode(const std::string& method) {
  if (method == "lora") return Mode::kFinetuneLora;
  if (method == "qlora") return Mode::kFinetuneQlora;
  return Mode::kTraining;
}

void PriceFinetune(const StudySpec& study, const Catalog& catalog,
                   const DeviceEfficiencyParams& params, const ModelSpec& model,
                   CandidateResult& out) {
  const FinetuneSpec& ft = *out.spec.finetune;
  const HardwareSpec& hw = catalog.Hardware(ft.hardware_id);
  Workload w;
  w.mode = FinetuneMode(ft.method);
  w.batch = ft.batch;
  w.prompt_tokens = ft.sequence_tokens;
  w.gen_tokens = 0;
  w.parallel.data = ft.devices;
  w.zero_stage = (w.mode == Mode::kTraining && ft.devices > 1) ? 3 : 0;
  // QLoRA trains with gradient checkpointing (Dettmers et al. 2023, Sec. 4).
  w.recompute = w.mode == Mode::kFinetuneQlora ? Recompute::kFull : Recompute::kSelective;
  const LatencyEstimate est = EstimateLatency(model, hw, w, params.For(hw.id));
  if (!est.feasible) {
    out.finetune_reason =
        fmt::format("fine-tuning ({}) on {} x{}: {}", ft.method, hw.id, ft.devices, est.reason);
    return;
  }
  const TrainingRun run = EstimateTrainingRun(est, w, ft.tokens);
  const TrainingCost cost = PriceTraining(
      hw, w, est, run, ResolvePrice(catalog, hw.id, 0.0, study.prices.AlwaysOnKinds()));
  if (!cost.priced) {
    out.finetune_reason =
        "no price known for fine-tuning hardware " + hw.id + " (add one in models/prices/)";
    return;
  }
  out.finetune_usd_per_token = cost.usd / ft.tokens;
  out.finetune_hours = run.time_s / kSecondsPerHour;
  (void)study;
}

// Every self-hosted layout of the study's candidates under the knobs, planned in parallel (each
// is a simulated rate search), in candidate, hardware, tp, weights order. Replica capacities come
// through `cache` (the sensitivity analysis re-plans the same layouts); the simulated state at
// the planning load only when state_at_load (the report's layout table).
// The capacity question for a layout on hw_id: the study's traffic under the knobs, its SLO and
// simulation settings (engine host overheads unless the device is calibrated).
CapacityStudy CapacityStudyOn(const StudySpec& study, const DeviceEfficiencyParams& params,
                              const Knobs& k, const std::string& hw_id) {
  CapacityStudy cs;
  cs.file = study.file;
  cs.traffic = {study.requests_per_month * k.traffic / kSecondsPerMonth,
                study.prompt_tokens * k.prompt, study.output_tokens * k.output};
  cs.slo = study.slo;
  cs.simulation = study.simulation;
  cs.simulation.engine_host_overheads = !params.CalibratedFor(hw_id);
  cs.price_kinds = study.prices.AlwaysOnKinds();
  return cs;
}

std::vector<LayoutPlan> PlanCandidateLayouts(const StudySpec& study, const Catalog& catalog,
                                             const DeviceEfficiencyParams& params, const Knobs& k,
                                             CapacityCache* cache, bool state_at_load) {
  struct Job {
    const ModelSpec* model;
    std::string hw_id;
    int tp;
    Precision weights;
    CapacityStudy study;
  };
  std::vector<ModelSpec> models(study.candidates.size());
  std::vector<Job> jobs;
  for (size_t c = 0; c < study.candidates.size(); ++c) {
    const CandidateSpec& spec = study.candidates[c];
    if (spec.hardware.empty()) continue;  // an API only
    models[c] = catalog.ResolveModel(spec.model);
    for (const auto& hw_id : spec.hardware) {
      const CapacityStudy cs = CapacityStudyOn(study, params, k, hw_id);
      for (int tp : spec.tensor_parallel) {
        for (Precision weights : spec.weights) jobs.push_back({&models[c], hw_id, tp, weights, cs});
      }
    }
  }
  std::vector<LayoutPlan> planned(jobs.size());
  std::atomic<size_t> next_job{0};
  RunOnThreads(WorkerThreads(0), [&] {
    for (size_t i = next_job++; i < jobs.size(); i = next_job++) {
      const Job& j = jobs[i];
      planned[i] = PlanLayout(catalog, *j.model, catalog.Hardware(j.hw_id),
                              {j.model->id, j.hw_id, j.tp, j.weights}, j.study, params.For(j.hw_id),
                              cache, state_at_load);
    }
  });
  return planned;
}

// The largest share of requests that may meet a cold start of cold_start_s within the SLO: a
// percentile target of TTFT or E2E below the cold start allows the share above the percentile; a
// mean target allows limit / cold start (a bound: the warm latency is not counted).
double MaxColdStartShare(const SloSpec& slo, double cold_start_s) {
  double share = 1.0;
  for (const SloTarget& t : slo.targets) {
    if (t.metric != SloMetric::kTtft && t.metric != SloMetric::kE2e) continue;
    if (t.statistic == SloStatistic::kMean) {
      if (cold_start_s > 0) share = std::min(share, t.limit_s / cold_start_s);
      continue;
    }
    if (cold_start_s <= t.limit_s) continue;
    share = std::min(share, 1.0 - QuantileOf(t.statistic));
  }
  return share;
}

// The same layout as scale-to-zero workers at the device's serverless price (x price_scale, the
// sensitivity knob), when the study allows serverless and the device has a quote.
std::optional<ServingCostModel> ServerlessOption(const StudySpec& study, const Catalog& catalog,
                                                 const ServingCostModel& always_on,
                                                 double price_scale) {
  if (!study.prices.Serverless()) return std::nullopt;
  const auto quotes = catalog.PricesFor(always_on.hardware_id, {kPriceServerless});
  if (quotes.empty()) return std::nullopt;
  ServingCostModel s = always_on;
  s.label = always_on.label + " serverless";
  s.usd_per_device_hour = quotes.front()->usd_per_hour * price_scale;
  s.scale_to_zero = true;
  s.idle_timeout_s = study.prices.idle_timeout_s;
  s.cold_start_s = study.prices.cold_start_s;
  s.max_cold_start_share = MaxColdStartShare(study.slo, study.prices.cold_start_s);
  return s;
}

// The same layout sharing its devices with other models, when the study says the operator packs
// models (PriceChoice::packed): it pays the weights' share of each device plus its load's share of
// the rest. The KV memory the co-tenants' weights take is not modelled: a packed replica is
// assumed to keep its whole-device capacity at the share of traffic it carries.
std::optional<ServingCostModel> PackedOption(const StudySpec& study,
                                             const ServingCostModel& always_on,
                                             const LayoutPlan& plan) {
  if (!study.prices.packed) return std::nullopt;
  ServingCostModel s = always_on;
  s.label = always_on.label + " packed";
  s.packed = true;
  s.resident_share = std::min(1.0, plan.weight_share_of_device);
  return s;
}

// The candidate's self-hosted layouts as serving options (those feasible and priced, and their
// serverless and packed twins), each plan taken in order from `planned` (PlanCandidateLayouts), its
// layouts kept with their reasons.
void AddLayoutOptions(const StudySpec& study, const Catalog& catalog, const CandidateSpec& spec,
                      const Knobs& k, std::vector<LayoutPlan>& planned, size_t* taken,
                      CandidateResult* r) {
  for (const auto& hw_id : spec.hardware) {
    for (int tp : spec.tensor_parallel) {
      for (Precision weights : spec.weights) {
        LayoutPlan plan = std::move(planned[(*taken)++]);
        if (plan.feasible && !plan.price) {
          plan.feasible = false;
          plan.reason = fmt::format(
              "no {} price known for {} (add one in models/prices/, or allow another kind "
              "with the study's prices: kinds:)",
              fmt::join(study.prices.AlwaysOnKinds(), " / "), hw_id);
        }
        if (plan.feasible) {
          ServingCostModel s;
          s.label = LayoutLabel(Layout{spec.model, hw_id, tp, weights});
          s.hardware_id = hw_id;
          s.layout_index = static_cast<int>(r->layouts.size());
          // Replicas are planned to run at the study's utilisation of their SLO capacity.
          s.requests_per_s_per_replica =
              plan.replica_max_requests_per_s * k.throughput * study.utilisation;
          s.devices_per_replica = tp;
          const auto scale_it = k.hardware_price.find(hw_id);
          const double scale = scale_it == k.hardware_price.end() ? 1.0 : scale_it->second;
          s.usd_per_device_hour = plan.price->usd_per_hour * scale;
          r->candidate.serving_options.push_back(s);
          if (auto serverless = ServerlessOption(study, catalog, s, scale))
            r->candidate.serving_options.push_back(*serverless);
          if (auto packed = PackedOption(study, s, plan))
            r->candidate.serving_options.push_back(*packed);
        }
        r->layouts.push_back(std::move(plan));
      }
    }
  }
  if (r->candidate.serving_options.empty()) {
    std::string reasons;
    for (const auto& l : r->layouts) {
      reasons += fmt::format("{}{} tp{} {}: {}", reasons.empty() ? "" : "; ", l.layout.hardware_id,
                             l.layout.tensor_parallel, ToString(l.layout.weights), l.reason);
    }
    r->candidate.infeasible_reason = "no layout meets the SLO: " + reasons;
  }
}

// Candidates with their serving options and one-off costs under the knobs (layouts planned by
// PlanCandidateLayouts).
std::vector<CandidateResult> BuildCandidates(const StudySpec& study, const Catalog& catalog,
                                             const DeviceEfficiencyParams& params, const Knobs& k,
                                             CapacityCache* cache, bool state_at_load) {
  std::vector<LayoutPlan> planned =
      PlanCandidateLayouts(study, catalog, params, k, cache, state_at_load);
  size_t taken = 0;
  std::vector<CandidateResult> out;
  for (const CandidateSpec& spec : study.candidates) {
    CandidateResult r;
    r.spec = spec;
    r.candidate.id = spec.name;
    r.candidate.quality = spec.quality.score;
    r.candidate.quality_sd = spec.quality.sd;
    std::optional<ModelSpec> model;
    if (!spec.model.empty()) model = catalog.ResolveModel(spec.model);
    if (spec.api) {
      ServingCostModel api;
      api.label = "api";
      api.usd_per_million_input_tokens = spec.api->usd_per_million_input_tokens * k.api_price;
      api.usd_per_million_output_tokens = spec.api->usd_per_million_output_tokens * k.api_price;
      r.candidate.serving_options.push_back(api);
    }
    AddLayoutOptions(study, catalog, spec, k, planned, &taken, &r);
    if (spec.finetune) {
      PriceFinetune(study, catalog, params, *model, r);
      if (!r.finetune_reason.empty()) {
        r.candidate.infeasible_reason = r.finetune_reason;
      } else {
        // Fine-tuning time scales with the throughput knob like serving does.
        r.candidate.one_off_usd =
            r.finetune_usd_per_token * spec.finetune->tokens * k.finetune_tokens / k.throughput;
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

bool Feasible(const Candidate& c) {
  return c.infeasible_reason.empty() && !c.serving_options.empty();
}

double Total(const Candidate& c, const StudySpec& s, double traffic, const Knobs& k) {
  return TotalUsd(c, {s.prompt_tokens * k.prompt, s.output_tokens * k.output}, traffic,
                  s.horizon_months * k.horizon, s.monthly_growth);
}

// The large candidate every small one is compared with: the best quality among feasible ones.
int ReferenceLarge(const std::vector<CandidateResult>& cands) {
  int best = -1;
  for (size_t i = 0; i < cands.size(); ++i) {
    if (cands[i].spec.role != "large" || !Feasible(cands[i].candidate)) continue;
    if (best < 0 || cands[i].candidate.quality > cands[best].candidate.quality)
      best = static_cast<int>(i);
  }
  return best;
}

// The traffic grid, each feasible candidate's total $ over it, and its cost at the planning
// traffic.
void PriceOverTraffic(const StudySpec& study, const Knobs& nominal, CrossoverResult* out) {
  CrossoverResult& res = *out;
  const TrafficMix mix{study.prompt_tokens, study.output_tokens};
  for (int i = 0; i < kTrafficPoints; ++i) {
    res.traffic_grid.push_back(
        study.sweep_min_requests_per_month *
        std::pow(study.sweep_max_requests_per_month / study.sweep_min_requests_per_month,
                 static_cast<double>(i) / (kTrafficPoints - 1)));
  }
  res.total_usd.resize(res.candidates.size());
  for (size_t c = 0; c < res.candidates.size(); ++c) {
    CandidateResult& cr = res.candidates[c];
    if (!Feasible(cr.candidate)) continue;
    for (double t : res.traffic_grid)
      res.total_usd[c].push_back(Total(cr.candidate, study, t, nominal));
    cr.usd_at_plan = Total(cr.candidate, study, study.requests_per_month, nominal);
    const double rps = study.requests_per_month / kSecondsPerMonth;
    const ServingCostModel& best =
        cr.candidate.serving_options[cr.candidate.CheapestOption(mix, rps)];
    cr.layout_at_plan = best.label;
    cr.layout_at_plan_index = best.layout_index;
    const double tokens = study.requests_per_month * (study.prompt_tokens + study.output_tokens);
    cr.usd_per_million_tokens_at_plan = ServingUsdPerMonth(best, mix, rps) / tokens * kMega;
  }
}

// Pareto front at the planning traffic: total $ over the horizon vs quality.
void FindPareto(CrossoverResult* out) {
  CrossoverResult& res = *out;
  std::vector<ParetoPoint> points;
  std::vector<size_t> index;
  for (size_t c = 0; c < res.candidates.size(); ++c) {
    if (!Feasible(res.candidates[c].candidate)) continue;
    points.push_back({res.candidates[c].usd_at_plan, res.candidates[c].candidate.quality});
    index.push_back(c);
  }
  for (size_t i : ParetoFront(points)) res.pareto.push_back(index[i]);
}

// What the Monte Carlo draws give the pairs: per small candidate (by index), the first
// break-even traffic of each draw that crosses, the number of draws it wins, and what moved it.
struct MonteCarloDraws {
  std::map<size_t, std::vector<double>> break_even;
  std::map<size_t, int> small_wins;
  std::map<size_t, std::vector<DrawnInputEffect>> drivers;
};

// One Monte Carlo draw: every candidate as drawn, the traffic it is priced at (a multiple of the
// planning traffic), and the value of each drawn input (DrawnInputs::names, same order).
struct Draw {
  std::vector<Candidate> candidates;
  double traffic_factor = 1.0;
  std::vector<double> inputs;
};

// One Monte Carlo draw's outcome per candidate (by index): whether the drawn candidate is
// feasible, its total $ over the traffic grid (empty when not), and for a small one its first
// break-even traffic (NaN when the costs never cross) and whether it wins at the drawn traffic.
struct DrawOutcome {
  std::vector<char> feasible;
  std::vector<std::vector<double>> total_usd;
  std::vector<double> first_break_even;
  std::vector<char> small_wins;
  std::vector<double> inputs;  // Draw::inputs
};

// The seed of the Monte Carlo sequence: the same study gives the same draws, whatever the threads.
constexpr uint64_t kMonteCarloSeed = 20261122;

// What the Monte Carlo draws, named for the sensitivity of P(small wins): inputs shared by every
// candidate (common random numbers: one traffic, one utilisation and one quote per device in each
// draw) and each candidate's own throughput error and score noise. An input without spread is not
// drawn.
struct DrawnInputs {
  std::vector<std::string> names;
  bool traffic = false, utilisation = false;
  std::vector<std::pair<std::string, std::vector<double>>> quotes;  // device, its quotes' $/h
  std::vector<char> throughput, evaluator, sampling;                // per candidate
};

// The quotes each self-hosted device may be priced at in a draw: every quote of the kind its
// cheapest quote has (the deal the nominal run assumes), when there are two or more.
void AddDrawnQuotes(const StudySpec& study, const Catalog& catalog,
                    const std::vector<CandidateResult>& candidates, DrawnInputs* d) {
  for (const auto& cr : candidates) {
    for (const ServingCostModel& option : cr.candidate.serving_options) {
      if (option.IsApi() || option.scale_to_zero) continue;
      const std::string& h = option.hardware_id;
      const bool seen = std::any_of(d->quotes.begin(), d->quotes.end(),
                                    [&](const auto& q) { return q.first == h; });
      if (seen) continue;
      // The quotes of the kind the nominal run prices the device with (its cheapest).
      const std::vector<const PriceSpec*> quotes =
          catalog.PricesFor(h, study.prices.AlwaysOnKinds());
      if (quotes.empty()) continue;
      std::vector<double> usd;
      for (const PriceSpec* p : catalog.PricesFor(h, {quotes.front()->kind}))
        usd.push_back(p->usd_per_hour);
      if (usd.size() < 2) continue;  // one quote: nothing to draw
      d->quotes.emplace_back(h, usd);
      d->names.push_back("price of " + h);
    }
  }
}

DrawnInputs NameDrawnInputs(const StudySpec& study, const Catalog& catalog,
                            const std::vector<CandidateResult>& candidates) {
  DrawnInputs d;
  d.traffic = study.traffic_rel_sd > 0;
  if (d.traffic) d.names.push_back("traffic forecast");
  d.utilisation = study.utilisation_max > study.utilisation_min;
  if (d.utilisation) d.names.push_back("utilisation");
  AddDrawnQuotes(study, catalog, candidates, &d);
  for (const auto& cr : candidates) {
    const auto& options = cr.candidate.serving_options;
    const bool self_hosted = std::any_of(options.begin(), options.end(),
                                         [](const ServingCostModel& o) { return !o.IsApi(); });
    const double evaluator_sd = cr.spec.quality.evaluator_sd;
    const double sampling_var =
        cr.candidate.quality_sd * cr.candidate.quality_sd - evaluator_sd * evaluator_sd;
    d.throughput.push_back(self_hosted && study.throughput_rel_sd > 0);
    d.evaluator.push_back(evaluator_sd > 0);
    d.sampling.push_back(sampling_var > 1e-12);
    if (d.throughput.back()) d.names.push_back(cr.spec.name + " throughput");
    if (d.evaluator.back()) d.names.push_back(cr.spec.name + " evaluator spread");
    if (d.sampling.back()) d.names.push_back(cr.spec.name + " score noise");
  }
  return d;
}

// Draws the inputs every candidate shares into `draw`; returns the utilisation as a multiple of
// the nominal one, and fills `price` with each drawn device's $/h.
double DrawSharedInputs(const StudySpec& study, const DrawnInputs& inputs, std::mt19937_64& rng,
                        Draw* draw, std::map<std::string, double>* price) {
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  if (inputs.traffic) {
    draw->traffic_factor = std::exp(study.traffic_rel_sd * normal(rng));
    draw->inputs.push_back(draw->traffic_factor);
  }
  double utilisation_factor = 1.0;
  if (inputs.utilisation) {
    const double u =
        study.utilisation_min + (study.utilisation_max - study.utilisation_min) * uniform(rng);
    utilisation_factor = u / study.utilisation;
    draw->inputs.push_back(u);
  }
  for (const auto& [hw, quotes] : inputs.quotes) {
    const auto pick = std::min(
        quotes.size() - 1, static_cast<size_t>(uniform(rng) * static_cast<double>(quotes.size())));
    (*price)[hw] = quotes[pick];
    draw->inputs.push_back(quotes[pick]);
  }
  return utilisation_factor;
}

// `count` more draws, taken in turn from `rng` (one sequence, so the draws do not depend on the
// threads): traffic ~ lognormal(0, traffic_rel_sd) x plan, utilisation ~ uniform[min, max], each
// device's price one of its quotes of that deal's kind (equally likely; the nominal run takes the
// cheapest), and per candidate throughput ~ lognormal(0, rel_sd) and its score = the mean + an
// evaluator offset N(0, evaluator_sd) + sampling noise N(0, the rest of sd).
std::vector<Draw> DrawCandidates(const StudySpec& study, const DrawnInputs& inputs,
                                 const std::vector<CandidateResult>& candidates, int count,
                                 std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<Draw> draws(static_cast<size_t>(count));
  for (Draw& draw : draws) {
    std::map<std::string, double> price;
    const double utilisation_factor = DrawSharedInputs(study, inputs, rng, &draw, &price);
    for (size_t i = 0; i < candidates.size(); ++i) {
      Candidate c = candidates[i].candidate;
      const double m = std::exp(study.throughput_rel_sd * normal(rng));
      if (inputs.throughput[i]) draw.inputs.push_back(m);
      for (auto& s : c.serving_options) {
        if (s.IsApi()) continue;
        s.requests_per_s_per_replica *= m * utilisation_factor;
        const auto it = price.find(s.hardware_id);
        if (it != price.end() && !s.scale_to_zero) s.usd_per_device_hour = it->second;
      }
      c.one_off_usd /= m;
      const double evaluator_sd = candidates[i].spec.quality.evaluator_sd;
      const double sampling_sd =
          std::sqrt(std::max(0.0, c.quality_sd * c.quality_sd - evaluator_sd * evaluator_sd));
      const double evaluator_offset = evaluator_sd * normal(rng);
      const double sampling_offset = sampling_sd * normal(rng);
      if (inputs.evaluator[i]) draw.inputs.push_back(evaluator_offset);
      if (inputs.sampling[i]) draw.inputs.push_back(sampling_offset);
      c.quality += evaluator_offset + sampling_offset;
      draw.candidates.push_back(std::move(c));
    }
  }
  return draws;
}

DrawOutcome PriceDraw(const Draw& draw, const StudySpec& study, int large, const Knobs& nominal,
                      const CrossoverResult& res) {
  const std::vector<Candidate>& drawn = draw.candidates;
  const TrafficMix mix{study.prompt_tokens, study.output_tokens};
  DrawOutcome out;
  out.inputs = draw.inputs;
  out.feasible.assign(drawn.size(), 0);
  out.total_usd.resize(drawn.size());
  out.first_break_even.assign(drawn.size(), std::nan(""));
  out.small_wins.assign(drawn.size(), 0);
  for (size_t c = 0; c < drawn.size(); ++c) {
    if (!Feasible(drawn[c])) continue;
    out.feasible[c] = 1;
    for (double traffic : res.traffic_grid) {
      out.total_usd[c].push_back(Total(drawn[c], study, traffic, nominal));
    }
    if (large < 0 || res.candidates[c].spec.role != "small") continue;
    const auto crossings = BreakEvenTraffic(
        drawn[c], drawn[large], mix, study.sweep_min_requests_per_month,
        study.sweep_max_requests_per_month, study.horizon_months, study.monthly_growth);
    if (!crossings.empty()) out.first_break_even[c] = crossings.front();
    out.small_wins[c] =
        SmallWins(drawn[c], drawn[large], mix, study.requests_per_month * draw.traffic_factor,
                  study.horizon_months, study.monthly_growth, study.quality_tolerance);
  }
  return out;
}

// The Monte Carlo standard error of a probability estimated as wins / draws: sqrt(p (1 - p) / n)
// with p smoothed to (wins + 1) / (draws + 2) (Laplace's rule of succession), so that no draw
// count reports an error of zero.
double WinProbabilitySe(int wins, int draws) {
  const double p = (wins + 1.0) / (draws + 2.0);
  return std::sqrt(p * (1.0 - p) / draws);
}

bool WinProbabilitiesSettled(const std::vector<DrawOutcome>& outcomes, const CrossoverResult& res) {
  const int n = static_cast<int>(outcomes.size());
  for (size_t c = 0; c < res.candidates.size(); ++c) {
    if (res.candidates[c].spec.role != "small") continue;
    int wins = 0;
    for (const DrawOutcome& o : outcomes) wins += o.small_wins[c];
    if (WinProbabilitySe(wins, n) > kMaxWinProbabilitySe) return false;
  }
  return true;
}

// How each drawn input moves a small candidate's P(win): the draws split at the input's median
// by rank (a two-quote price splits at its two values), P(small wins) in the lower and the upper
// half; the largest difference first.
std::vector<DrawnInputEffect> RankDrivers(const std::vector<DrawOutcome>& outcomes,
                                          const std::vector<std::string>& names, size_t c) {
  std::vector<DrawnInputEffect> effects;
  const size_t n = outcomes.size();
  if (n < 2) return effects;
  std::vector<size_t> order(n);
  for (size_t i = 0; i < names.size(); ++i) {
    for (size_t d = 0; d < n; ++d) order[d] = d;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return outcomes[a].inputs[i] < outcomes[b].inputs[i];
    });
    const size_t half = n / 2;
    double low = 0, high = 0;
    for (size_t r = 0; r < n; ++r) (r < half ? low : high) += outcomes[order[r]].small_wins[c];
    effects.push_back(
        {names[i], low / static_cast<double>(half), high / static_cast<double>(n - half)});
  }
  std::stable_sort(effects.begin(), effects.end(), [](const auto& a, const auto& b) {
    return std::abs(a.p_win_high - a.p_win_low) > std::abs(b.p_win_high - b.p_win_low);
  });
  return effects;
}

// Monte Carlo over the drawn candidates: the p10 and p90 total $ bands over the traffic grid, and
// per small candidate its break-even traffic in each draw that crosses, the draws it wins and the
// inputs that move that most. Blocks of draws are added until the win probabilities are settled.
// Each block is priced on every core and gathered in draw order, so the result is the sequential
// one.
MonteCarloDraws DrawUncertainty(const StudySpec& study, const Catalog& catalog, int large,
                                const Knobs& nominal,
                                const std::function<void(const std::string&, double)>& report,
                                CrossoverResult* res) {
  std::mt19937_64 rng(kMonteCarloSeed);
  const DrawnInputs inputs = NameDrawnInputs(study, catalog, res->candidates);
  std::vector<DrawOutcome> outcomes;
  do {
    const std::vector<Draw> drawn =
        DrawCandidates(study, inputs, res->candidates, kMonteCarloBlock, rng);
    const size_t first = outcomes.size();
    outcomes.resize(first + drawn.size());
    std::atomic<size_t> next{0};
    RunOnThreads(WorkerThreads(0), [&] {
      for (size_t d = next++; d < drawn.size(); d = next++) {
        outcomes[first + d] = PriceDraw(drawn[d], study, large, nominal, *res);
      }
    });
  } while (static_cast<int>(outcomes.size()) < kMaxMonteCarloDraws &&
           !WinProbabilitiesSettled(outcomes, *res));
  res->monte_carlo_draws = static_cast<int>(outcomes.size());
  report("uncertainty", 0.7);
  std::vector<std::vector<std::vector<double>>> draws_usd(
      res->candidates.size(), std::vector<std::vector<double>>(res->traffic_grid.size()));
  MonteCarloDraws draws;
  for (const DrawOutcome& o : outcomes) {
    for (size_t c = 0; c < res->candidates.size(); ++c) {
      if (!o.feasible[c]) continue;
      for (size_t t = 0; t < res->traffic_grid.size(); ++t)
        draws_usd[c][t].push_back(o.total_usd[c][t]);
      if (!std::isnan(o.first_break_even[c])) draws.break_even[c].push_back(o.first_break_even[c]);
      draws.small_wins[c] += o.small_wins[c];
    }
  }
  for (size_t c = 0; c < res->candidates.size(); ++c) {
    if (large >= 0 && res->candidates[c].spec.role == "small")
      draws.drivers[c] = RankDrivers(outcomes, inputs.names, c);
  }
  res->total_usd_p10.resize(res->candidates.size());
  res->total_usd_p90.resize(res->candidates.size());
  for (size_t c = 0; c < res->candidates.size(); ++c) {
    for (const auto& samples : draws_usd[c]) {
      if (samples.empty()) continue;
      res->total_usd_p10[c].push_back(Quantile(samples, 0.1));
      res->total_usd_p90[c].push_back(Quantile(samples, 0.9));
    }
  }
  return draws;
}

// The probability a quality tier needs: "beats" and "matches" are claimed at 90%.
constexpr double kTierProbability = 0.9;

// A score difference to one decimal (scores are printed to one), "1 point" in the singular.
std::string Points(double points) {
  std::string text = fmt::format("{:.1f}", points);
  if (text.ends_with(".0")) text.resize(text.size() - 2);
  return fmt::format("{} point{}", text, text == "1" ? "" : "s");
}

// The quality tier of a small candidate against the large one, its probabilities and what would
// change it. The Monte Carlo draws the scores as independent normals (DrawCandidates), so with
// d = small - large and sd_d = hypot(sd_small, sd_large) the probabilities are exact:
// P(drawn d >= -margin) = Phi((d + margin) / sd_d). A score shift s reaches probability 0.9 when
// d + s + margin = z_0.9 sd_d.
void AssessQuality(const StudySpec& study, const Candidate& small, const Candidate& large,
                   bool cheaper, PairResult* pair) {
  const double d = small.quality - large.quality;
  const double sd = std::hypot(small.quality_sd, large.quality_sd);
  const double t = study.quality_tolerance;
  auto p_at_least = [&](double margin) {
    if (!(sd > 0.0)) return d + margin >= 0.0 ? 1.0 : 0.0;
    return NormalCdf((d + margin) / sd);
  };
  pair->p_quality_not_worse = p_at_least(0.0);
  pair->p_quality_within_tolerance = p_at_least(t);
  // z of a one-sided 90% bound: the two-sided 80% quantile.
  const double z_sd = NormalQuantileTwoSided(2.0 * kTierProbability - 1.0) * sd;
  if (cheaper && pair->p_quality_not_worse >= kTierProbability) {
    pair->quality_tier = "beats";
    pair->flip = fmt::format("the large model scoring {:.1f} points more, or the cost gap closing",
                             d - z_sd);
  } else if (pair->p_quality_within_tolerance >= kTierProbability) {
    pair->quality_tier = "matches";
    pair->flip = fmt::format("trails if the large model scored {:.1f} points more", d + t - z_sd);
    if (cheaper) {
      pair->flip += fmt::format("; beats with a score {:.1f} points higher", z_sd - d);
    }
  } else {
    pair->quality_tier = "trails";
    pair->flip =
        fmt::format("matches with a score {:.1f} points higher, or a {:.1f}-point tolerance",
                    z_sd - t - d, z_sd - d);
  }
}

// The verdict of a small candidate against the reference large one: the quality tier with its
// probabilities and sources, the cost, the overall Monte Carlo answer and what would flip the tier.
std::string Verdict(const StudySpec& study, const CandidateResult& s, const CandidateResult& l,
                    const PairResult& pair, int draws) {
  const double gap = s.usd_at_plan - l.usd_at_plan;
  // Equal totals (e.g. every price 0) are a tie, not a win for either side.
  const bool cost_tie = std::abs(gap) <= kCostTieRelative * std::max(std::abs(s.usd_at_plan),
                                                                     std::abs(l.usd_at_plan));
  std::string cost_part = cost_tie ? fmt::format("costs the same ({})", WholeDollars(s.usd_at_plan))
                          : gap < 0 ? fmt::format("costs {} less", WholeDollars(-gap))
                                    : fmt::format("costs {} more", WholeDollars(gap));
  // Whose scores they are, when they come from the published table.
  auto by = [](const CandidateResult& c) {
    return c.spec.quality.evaluators.empty() ? std::string()
                                             : " (" + c.spec.quality.evaluators + ")";
  };
  const std::string tier =
      pair.quality_tier == "matches"
          ? fmt::format("matches {} within {}", l.spec.name, Points(study.quality_tolerance))
          : pair.quality_tier + " " + l.spec.name;
  std::string quality_part =
      fmt::format("{} on {}: {:.1f}{} vs {:.1f}{}, P(not worse) = {:.0f}%, P(within {}) = {:.0f}%",
                  tier, study.task, s.candidate.quality, by(s), l.candidate.quality, by(l),
                  100 * pair.p_quality_not_worse, Points(study.quality_tolerance),
                  100 * pair.p_quality_within_tolerance);
  std::string be_part = pair.break_even_requests_per_month.empty()
                            ? "no break-even in the swept traffic range"
                            : fmt::format("break-even at {:.3g} requests/month",
                                          pair.break_even_requests_per_month.front());
  const bool tie = cost_tie && pair.quality_ok && !pair.small_wins_at_plan;
  if (study.quality_tolerance_source != "the study")
    quality_part += fmt::format(" (tolerance: {})", study.quality_tolerance_source);
  // The drawn input that moves P most, when it moves it at all.
  std::string driver_part;
  if (!pair.drivers.empty() && pair.drivers.front().p_win_low != pair.drivers.front().p_win_high) {
    const DrawnInputEffect& d = pair.drivers.front();
    driver_part = fmt::format(
        " P moves most with the {}: {:.0f}% in the draws below its median, "
        "{:.0f}% above.",
        d.input, 100 * d.p_win_low, 100 * d.p_win_high);
  }
  return fmt::format(
      "{} {}; it {} over {:.0f} months at {:.3g} requests/month; {}. Verdict: {} (P = {:.0f}% +- "
      "{:.1f} over {} draws).{} What would change the tier: {}.",
      s.spec.name, quality_part, cost_part, study.horizon_months, study.requests_per_month, be_part,
      pair.small_wins_at_plan ? (pair.p_small_wins_at_plan >= kTierProbability
                                     ? "small wins"
                                     : "small wins on the central estimate only")
      : !pair.quality_ok      ? "quality gap too large"
      : tie                   ? "tie (equal cost, quality within tolerance)"
                              : "large is cheaper",
      100 * pair.p_small_wins_at_plan, 100 * pair.p_small_wins_se, GroupedInteger(draws),
      driver_part, pair.flip);
}

// Each small candidate against the reference large one.
void ComparePairs(const StudySpec& study, int large, const MonteCarloDraws& draws,
                  CrossoverResult* out) {
  CrossoverResult& res = *out;
  const TrafficMix mix{study.prompt_tokens, study.output_tokens};
  for (size_t c = 0; c < res.candidates.size(); ++c) {
    const CandidateResult& s = res.candidates[c];
    if (s.spec.role != "small") continue;
    PairResult pair;
    pair.small = s.spec.name;
    if (large < 0) {
      pair.verdict = "no large candidate is feasible, so " + s.spec.name +
                     " wins by default if it is feasible";
      pair.small_wins_at_plan = Feasible(s.candidate);
      res.pairs.push_back(pair);
      continue;
    }
    const CandidateResult& l = res.candidates[large];
    pair.large = l.spec.name;
    if (!Feasible(s.candidate)) {
      pair.verdict = s.spec.name + " is infeasible: " + s.candidate.infeasible_reason;
      res.pairs.push_back(pair);
      continue;
    }
    pair.quality_ok = s.candidate.quality >= l.candidate.quality - study.quality_tolerance;
    pair.break_even_requests_per_month = BreakEvenTraffic(
        s.candidate, l.candidate, mix, study.sweep_min_requests_per_month,
        study.sweep_max_requests_per_month, study.horizon_months, study.monthly_growth);
    pair.small_wins_at_plan =
        SmallWins(s.candidate, l.candidate, mix, study.requests_per_month, study.horizon_months,
                  study.monthly_growth, study.quality_tolerance);
    // Quantiles only when most draws cross: a few step-function crossings are not a break-even.
    const auto be_it = draws.break_even.find(c);
    const std::vector<double> be =
        be_it == draws.break_even.end() ? std::vector<double>{} : be_it->second;
    if (2 * be.size() >= static_cast<size_t>(res.monte_carlo_draws)) {
      pair.break_even_p10 = Quantile(be, 0.1);
      pair.break_even_p50 = Quantile(be, 0.5);
      pair.break_even_p90 = Quantile(be, 0.9);
    }
    const auto wins_it = draws.small_wins.find(c);
    const int wins = wins_it == draws.small_wins.end() ? 0 : wins_it->second;
    pair.p_small_wins_at_plan = static_cast<double>(wins) / res.monte_carlo_draws;
    pair.p_small_wins_se = WinProbabilitySe(wins, res.monte_carlo_draws);
    const auto drivers_it = draws.drivers.find(c);
    if (drivers_it != draws.drivers.end()) pair.drivers = drivers_it->second;
    AssessQuality(study, s.candidate, l.candidate, s.usd_at_plan < l.usd_at_plan, &pair);
    pair.verdict = Verdict(study, s, l, pair, res.monte_carlo_draws);
    res.pairs.push_back(pair);
  }
}

// Region: small (first small candidate) vs reference large, per serving hardware of the small
// model, over traffic x fine-tune tokens.
void MapRegion(const StudySpec& study, int large, CrossoverResult* out) {
  CrossoverResult& res = *out;
  const TrafficMix mix{study.prompt_tokens, study.output_tokens};
  for (size_t c = 0; c < res.candidates.size() && large >= 0; ++c) {
    const CandidateResult& s = res.candidates[c];
    if (s.spec.role != "small" || !Feasible(s.candidate)) continue;
    std::vector<double> tokens_grid = study.finetune_token_grid;
    if (tokens_grid.empty() && s.spec.finetune) {
      for (double f : {0.1, 0.3, 1.0, 3.0, 10.0})
        tokens_grid.push_back(s.spec.finetune->tokens * f);
    }
    if (tokens_grid.empty()) tokens_grid = {0.0};
    std::vector<std::string> hardware_ids;
    for (const auto& opt : s.candidate.serving_options) {
      if (std::find(hardware_ids.begin(), hardware_ids.end(), opt.hardware_id) ==
          hardware_ids.end()) {
        hardware_ids.push_back(opt.hardware_id);
      }
    }
    for (const auto& hw_id : hardware_ids) {
      Candidate restricted = s.candidate;
      restricted.serving_options.clear();
      for (const auto& opt : s.candidate.serving_options) {
        if (opt.hardware_id == hw_id) restricted.serving_options.push_back(opt);
      }
      for (double tokens : tokens_grid) {
        restricted.one_off_usd = s.finetune_usd_per_token * tokens;
        // A law-based score moves with the fine-tune tokens; a measured one stays as given.
        restricted.quality = QualityAtFinetuneTokens(s.spec.quality, tokens);
        for (int i = 0; i < kRegionTrafficPoints; ++i) {
          const double traffic =
              study.sweep_min_requests_per_month *
              std::pow(study.sweep_max_requests_per_month / study.sweep_min_requests_per_month,
                       static_cast<double>(i) / (kRegionTrafficPoints - 1));
          res.region.push_back(
              {hw_id.empty() ? "api" : hw_id, traffic, tokens,
               SmallWins(restricted, res.candidates[large].candidate, mix, traffic,
                         study.horizon_months, study.monthly_growth, study.quality_tolerance),
               restricted.quality});
        }
      }
    }
    break;  // the map is drawn for the first small candidate
  }
}

// The study reduced to the compared pair (indices small and large of res), each self-hosted
// candidate held to the layouts spanned by its kPairLayouts cheapest at the planning traffic
// (their devices x tp x weights). The prompt- and output-length sensitivities re-plan this: each
// re-planned layout is a simulated rate search, and re-choosing among every layout would cost
// four more plans of the whole study. *pair_small and *pair_large: the pair's indices in it.
constexpr size_t kPairLayouts = 2;
StudySpec PairAtPlanLayouts(const StudySpec& study, const CrossoverResult& res, int small,
                            int large, int* pair_small, int* pair_large) {
  const TrafficMix mix{study.prompt_tokens, study.output_tokens};
  const double rps = study.requests_per_month / kSecondsPerMonth;
  StudySpec pair = study;
  pair.candidates.clear();
  for (int c : {std::min(small, large), std::max(small, large)}) {
    const CandidateResult& cr = res.candidates[static_cast<size_t>(c)];
    CandidateSpec spec = cr.spec;
    std::vector<const ServingCostModel*> options;
    for (const ServingCostModel& s : cr.candidate.serving_options) {
      if (!s.IsApi()) options.push_back(&s);
    }
    std::stable_sort(options.begin(), options.end(), [&](const auto* a, const auto* b) {
      return ServingUsdPerMonth(*a, mix, rps) < ServingUsdPerMonth(*b, mix, rps);
    });
    if (options.size() > kPairLayouts) options.resize(kPairLayouts);
    if (!options.empty()) {
      spec.hardware.clear();
      spec.tensor_parallel.clear();
      spec.weights.clear();
    }
    auto add = [](auto& values, const auto& v) {
      if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
    };
    for (const LayoutPlan& l : cr.layouts) {
      const std::string label = LayoutLabel(l.layout);
      for (const ServingCostModel* s : options) {
        if (!l.feasible || s->label != label) continue;
        add(spec.hardware, l.layout.hardware_id);
        add(spec.tensor_parallel, l.layout.tensor_parallel);
        add(spec.weights, l.layout.weights);
      }
    }
    (c == small ? *pair_small : *pair_large) = static_cast<int>(pair.candidates.size());
    pair.candidates.push_back(std::move(spec));
  }
  return pair;
}

// Sensitivity: one input at a time x0.75 and x1.25; the cost gap of the first feasible small
// candidate vs the reference large one at the planning traffic. Every layout is re-chosen, except
// under the prompt- and output-length knobs, which choose among each candidate's cheapest layouts
// at plan (PairAtPlanLayouts).
void RankSensitivity(const StudySpec& study, const Catalog& catalog,
                     const DeviceEfficiencyParams& params, int large, CapacityCache* capacities,
                     const std::function<void(const std::string&, double)>& report,
                     CrossoverResult* out) {
  CrossoverResult& res = *out;
  int small = -1;
  for (size_t c = 0; c < res.candidates.size(); ++c) {
    if (res.candidates[c].spec.role == "small" && Feasible(res.candidates[c].candidate)) {
      small = static_cast<int>(c);
      break;
    }
  }
  if (small >= 0 && large >= 0) {
    int pair_small = 0, pair_large = 0;
    const StudySpec pair = PairAtPlanLayouts(study, res, small, large, &pair_small, &pair_large);
    auto gap = [&](const Knobs& k) {
      const bool lengths = k.prompt != 1.0 || k.output != 1.0;
      const auto cands =
          BuildCandidates(lengths ? pair : study, catalog, params, k, capacities, false);
      const CandidateResult& s = cands[static_cast<size_t>(lengths ? pair_small : small)];
      const CandidateResult& l = cands[static_cast<size_t>(lengths ? pair_large : large)];
      if (!Feasible(s.candidate) || !Feasible(l.candidate)) return std::nan("");
      const double traffic = study.requests_per_month * k.traffic;
      return Total(s.candidate, study, traffic, k) - Total(l.candidate, study, traffic, k);
    };
    std::vector<std::pair<std::string, std::function<void(Knobs&, double)>>> inputs = {
        {"traffic (requests / month)", [](Knobs& k, double f) { k.traffic = f; }},
        {"prompt tokens per request", [](Knobs& k, double f) { k.prompt = f; }},
        {"output tokens per request", [](Knobs& k, double f) { k.output = f; }},
        {"horizon (months)", [](Knobs& k, double f) { k.horizon = f; }},
        {"predicted throughput (all self-hosted)", [](Knobs& k, double f) { k.throughput = f; }},
        {"fine-tune tokens", [](Knobs& k, double f) { k.finetune_tokens = f; }},
        {"API prices", [](Knobs& k, double f) { k.api_price = f; }},
    };
    std::vector<std::string> hardware_ids;
    for (const auto& cr : res.candidates) {
      for (const auto& h : cr.spec.hardware) {
        if (std::find(hardware_ids.begin(), hardware_ids.end(), h) == hardware_ids.end())
          hardware_ids.push_back(h);
      }
    }
    for (const auto& h : hardware_ids) {
      inputs.push_back({"price of " + h, [h](Knobs& k, double f) { k.hardware_price[h] = f; }});
    }
    for (size_t i = 0; i < inputs.size(); ++i) {
      Knobs lo, hi;
      inputs[i].second(lo, kLowScale);
      inputs[i].second(hi, kHighScale);
      SensitivityEntry e{inputs[i].first, gap(lo), gap(hi), 0.0};
      e.swing_usd = std::abs(e.gap_high_usd - e.gap_low_usd);
      if (std::isfinite(e.swing_usd)) res.sensitivity.push_back(e);
      report("sensitivity", 0.85 + 0.15 * (i + 1) / inputs.size());
    }
    std::sort(res.sensitivity.begin(), res.sensitivity.end(),
              [](const auto& a, const auto& b) { return a.swing_usd > b.swing_usd; });
  }
}

// Simulates each candidate's chosen layout at its share of the planning traffic (the states
// RunCrossover skipped for the other layouts).
void SimulateChosenLayouts(const StudySpec& study, const Catalog& catalog,
                           const DeviceEfficiencyParams& params, CapacityCache* capacities,
                           CrossoverResult* out) {
  std::vector<LayoutPlan*> chosen;
  for (auto& c : out->candidates) {
    if (c.layout_at_plan_index >= 0) chosen.push_back(&c.layouts[c.layout_at_plan_index]);
  }
  std::atomic<size_t> next{0};
  RunOnThreads(WorkerThreads(0), [&] {
    for (size_t i = next++; i < chosen.size(); i = next++) {
      LayoutPlan& plan = *chosen[i];
      const Layout layout = plan.layout;
      plan = PlanLayout(catalog, catalog.ResolveModel(layout.model_id),
                        catalog.Hardware(layout.hardware_id), layout,
                        CapacityStudyOn(study, params, Knobs{}, layout.hardware_id),
                        params.For(layout.hardware_id), capacities, true);
    }
  });
}

nlohmann::json DriversJson(const std::vector<DrawnInputEffect>& drivers) {
  nlohmann::json j = nlohmann::json::array();
  for (const DrawnInputEffect& d : drivers) {
    j.push_back({{"input", d.input},
                 {"p_small_wins_input_below_median", d.p_win_low},
                 {"p_small_wins_input_above_median", d.p_win_high}});
  }
  return j;
}

}  // namespace

CrossoverResult RunCrossover(const StudySpec& study, const Catalog& catalog,
                             const DeviceEfficiencyParams& params, const ProgressFn& progress,
                             const CrossoverRunOptions& options) {
  auto report = [&](const std::string& stage, double f) {
    if (progress) progress(stage, f);
  };
  CrossoverResult res;
  res.study = study;
  const Knobs nominal;
  report("capacity planning", 0.0);
  CapacityCache own_capacities;
  CapacityCache& capacities = options.capacities ? *options.capacities : own_capacities;
  res.candidates =
      BuildCandidates(study, catalog, params, nominal, &capacities, options.every_layout_state);
  PriceOverTraffic(study, nominal, &res);
  if (!options.every_layout_state) SimulateChosenLayouts(study, catalog, params, &capacities, &res);
  FindPareto(&res);
  report("uncertainty", 0.3);
  const int large = ReferenceLarge(res.candidates);
  const MonteCarloDraws draws = DrawUncertainty(study, catalog, large, nominal, report, &res);
  ComparePairs(study, large, draws, &res);
  report("region map", 0.75);
  MapRegion(study, large, &res);
  report("sensitivity", 0.85);
  if (options.sensitivity)
    RankSensitivity(study, catalog, params, large, &capacities, report, &res);
  report("done", 1.0);
  return res;
}

nlohmann::json ToJson(const CrossoverResult& r) {
  nlohmann::json j;
  j["schema_version"] = 1;
  j["study"] = {{"file", r.study.file},
                {"title", r.study.title},
                {"task", r.study.task},
                {"requests_per_month", r.study.requests_per_month},
                {"horizon_months", r.study.horizon_months},
                {"quality_tolerance", r.study.quality_tolerance},
                {"prompt_tokens", r.study.prompt_tokens},
                {"output_tokens", r.study.output_tokens},
                {"slo", SloJson(r.study.slo)},
                {"sizing", r.study.simulation.Describe(r.study.slo)}};
  for (const auto& c : r.candidates) {
    nlohmann::json cj;
    cj["name"] = c.spec.name;
    cj["role"] = c.spec.role;
    cj["model"] = c.spec.model;
    cj["quality"] = c.candidate.quality;
    cj["quality_sd"] = c.candidate.quality_sd;
    cj["quality_source"] = c.spec.quality.source;
    if (c.spec.quality.law) {
      const LawQualityModel& m = *c.spec.quality.law;
      const LawQualityPoint p = EvaluateLawQuality(m, m.finetune_tokens);
      cj["quality_law"] = {{"law", m.loss_law_file},
                           {"n_params", m.n_params},
                           {"n_params_kind", m.n_params_kind},
                           {"pretrain_tokens", m.pretrain_tokens},
                           {"finetune_tokens", p.finetune_tokens},
                           {"characters_per_token", m.characters_per_token},
                           {"characters_per_token_source", m.characters_per_token_source},
                           {"finetune_characters", p.finetune_characters},
                           {"transferred_characters", p.transferred_characters},
                           {"transferred_tokens", p.transferred_tokens},
                           {"effective_tokens", p.effective_tokens},
                           {"base_loss_nats", p.base_loss_nats},
                           {"finetuned_loss_nats", std::isfinite(p.finetuned_loss_nats)
                                                       ? nlohmann::json(p.finetuned_loss_nats)
                                                       : nlohmann::json()},
                           {"finetune_used", p.finetune_used},
                           {"ptq_penalty_nats", p.ptq_penalty_nats},
                           {"post_bits", m.post_bits},
                           {"loss_nats", p.loss_nats},
                           {"accuracy_map", m.accuracy_map_source},
                           {"map_extrapolated", p.map_extrapolated},
                           {"map_extrapolation_sd_points", p.map_extrapolation_sd_points},
                           {"warnings", LawQualityWarnings(m)},
                           {"sd_source", m.sd_source}};
    }
    cj["feasible"] = c.candidate.infeasible_reason.empty();
    cj["reason"] = c.candidate.infeasible_reason;
    cj["one_off_usd"] = c.candidate.one_off_usd;
    cj["finetune_hours"] = c.finetune_hours;
    cj["total_usd_at_plan"] = c.usd_at_plan;
    cj["layout_at_plan"] = c.layout_at_plan;
    cj["usd_per_million_tokens_at_plan"] = c.usd_per_million_tokens_at_plan;
    for (const auto& l : c.layouts) cj["layouts"].push_back(ToJson(l));
    j["candidates"].push_back(cj);
  }
  for (const auto& p : r.pairs) {
    j["pairs"].push_back({{"small", p.small},
                          {"large", p.large},
                          {"quality_ok", p.quality_ok},
                          {"break_even_requests_per_month", p.break_even_requests_per_month},
                          {"break_even_requests_per_month_p10", p.break_even_p10},
                          {"break_even_requests_per_month_p50", p.break_even_p50},
                          {"break_even_requests_per_month_p90", p.break_even_p90},
                          {"small_wins_at_plan", p.small_wins_at_plan},
                          {"p_small_wins_at_plan", p.p_small_wins_at_plan},
                          {"p_small_wins_se", p.p_small_wins_se},
                          {"p_small_wins_drivers", DriversJson(p.drivers)},
                          {"quality_tier", p.quality_tier},
                          {"p_quality_not_worse", p.p_quality_not_worse},
                          {"p_quality_within_tolerance", p.p_quality_within_tolerance},
                          {"what_would_change_the_tier", p.flip},
                          {"verdict", p.verdict}});
  }
  for (size_t i : r.pareto) j["pareto_front"].push_back(r.candidates[i].spec.name);
  for (const auto& s : r.sensitivity) {
    j["sensitivity"].push_back({{"input", s.input},
                                {"gap_usd_at_x0_75", s.gap_low_usd},
                                {"gap_usd_at_x1_25", s.gap_high_usd},
                                {"swing_usd", s.swing_usd}});
  }
  j["monte_carlo_draws"] = r.monte_carlo_draws;
  return j;
}

}  // namespace rightsize
