// Runs a crossover study: builds each candidate's cost curve from the capacity planner (serving at
// the SLO on each candidate layout) and the training model (fine-tuning), then answers: cost vs
// traffic, break-even traffic, the winner region over (traffic x fine-tune tokens x hardware), the
// quality-vs-cost Pareto front, a sensitivity ranking, and Monte Carlo uncertainty bands.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/cost/efficiency_params.h"
#include "sim/plan/capacity.h"
#include "sim/plan/crossover.h"
#include "sim/plan/study.h"
#include "sim/spec/catalog.h"

namespace rightsize {

struct CandidateResult {
  CandidateSpec spec;
  Candidate candidate;                  // quality, one-off $, feasible serving options
  std::vector<LayoutPlan> layouts;      // every layout tried (infeasible ones with reasons)
  double finetune_usd_per_token = 0.0;  // fine-tuning $ per training token (0: none)
  double finetune_hours = 0.0;          // wall-clock of the fine-tune
  std::string finetune_reason;          // why the fine-tune cannot run ("" when it can)
  double usd_at_plan = 0.0;             // total over the horizon at the planning traffic
  std::string layout_at_plan;           // cheapest option at the planning traffic
  int layout_at_plan_index = -1;        // that option in `layouts` (-1: API or none feasible)
  double usd_per_million_tokens_at_plan = 0.0;
};

// How one Monte Carlo input moves P(small wins): the draws split at the input's median, P in the
// lower and in the upper half.
struct DrawnInputEffect {
  std::string input;  // "traffic forecast", "price of h100-sxm5-80gb", "phi-3-mini throughput"...
  double p_win_low = 0.0;
  double p_win_high = 0.0;
};

struct PairResult {
  std::string small, large;                           // candidate names
  bool quality_ok = false;                            // small within tolerance of large
  std::vector<double> break_even_requests_per_month;  // nominal
  double break_even_p10 = 0.0, break_even_p50 = 0.0, break_even_p90 = 0.0;  // Monte Carlo (0: none)
  double p_small_wins_at_plan = 0.0;      // Monte Carlo probability at the planning traffic
  double p_small_wins_se = 0.0;           // its Monte Carlo standard error (<= 0.01)
  std::vector<DrawnInputEffect> drivers;  // every drawn input, the largest effect on P first
  bool small_wins_at_plan = false;        // nominal
  // Quality tier of the small model against the large one, from the scores and their sds (the
  // normal draws the Monte Carlo uses): "beats" (cheaper at plan and P(score >= large) >= 0.9),
  // "matches" (P(score >= large - tolerance) >= 0.9), else "trails".
  std::string quality_tier;
  double p_quality_not_worse = 0.0;         // P(small score >= large score)
  double p_quality_within_tolerance = 0.0;  // P(small score >= large score - tolerance)
  std::string flip;                         // what would change the tier
  std::string verdict;                      // one sentence
};

struct SensitivityEntry {
  std::string input;          // what was perturbed (x0.75 and x1.25)
  double gap_low_usd = 0.0;   // small - large total $ at x0.75
  double gap_high_usd = 0.0;  // at x1.25
  double swing_usd = 0.0;     // |high - low|
};

struct RegionCell {
  std::string hardware_id;  // the small model's serving hardware
  double requests_per_month = 0.0;
  double finetune_tokens = 0.0;
  bool small_wins = false;
  double small_quality = 0.0;  // the small model's score at these fine-tune tokens
};

struct CrossoverResult {
  StudySpec study;
  std::vector<CandidateResult> candidates;
  std::vector<double> traffic_grid;                // requests / month
  std::vector<std::vector<double>> total_usd;      // [candidate][traffic]
  std::vector<std::vector<double>> total_usd_p10;  // Monte Carlo bands
  std::vector<std::vector<double>> total_usd_p90;
  std::vector<PairResult> pairs;              // each small vs the best large
  std::vector<size_t> pareto;                 // candidate indices, by cost
  std::vector<SensitivityEntry> sensitivity;  // sorted by swing, largest first
  std::vector<RegionCell> region;
  int monte_carlo_draws = 0;
};

using ProgressFn = std::function<void(const std::string& stage, double fraction)>;

struct CrossoverRunOptions {
  // Replica capacities kept from earlier runs (a long-lived caller such as `rightsize serve`
  // re-runs the same layouts at other traffic or prices); null: the run keeps its own.
  CapacityCache* capacities = nullptr;
  // Simulate every layout at its share of the planning traffic (LayoutPlan::state: the report's
  // layout table), or only each candidate's chosen one (the what-if page: the other layouts'
  // states stay empty, every cost and verdict is the same).
  bool every_layout_state = true;
  // Rank the inputs by how much they move the cost gap (CrossoverResult::sensitivity; the
  // report's table). Off: sensitivity stays empty (the what-if page does not show it).
  bool sensitivity = true;
};

CrossoverResult RunCrossover(const StudySpec& study, const Catalog& catalog,
                             const DeviceEfficiencyParams& params,
                             const ProgressFn& progress = nullptr,
                             const CrossoverRunOptions& options = {});
nlohmann::json ToJson(const CrossoverResult& result);

}  // namespace rightsize
