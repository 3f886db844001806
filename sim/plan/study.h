// A crossover study file (examples/*.yaml; every key in examples/README.md): the task and its
// quality scores, candidate models (self-hosted on candidate hardware, or an API), fine-tuning,
// traffic, SLO, a quality tolerance and a time horizon.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "sim/plan/serving.h"
#include "sim/spec/catalog.h"
#include "sim/spec/precision.h"

namespace rightsize {

struct LawQualityModel;  // sim/quality/law_quality.h

// The sensitivity analysis scales one input at a time by these factors (crossover_runner.h).
inline constexpr double kSensitivityLowScale = 0.75;
inline constexpr double kSensitivityHighScale = 1.25;

struct QualitySpec {
  double score = 0.0;  // task score, higher is better (same unit for every candidate)
  double sd = 0.0;     // standard deviation of the score: the larger of the given `sd` and the
                       // binomial sampling error over `questions` (accuracy scores in %); for
                       // a law-based score, the propagated law uncertainty (law_quality.h)
  std::string source;  // where the score comes from
  // The part of sd that is the evaluators' own offset (tau / sqrt(k) for the mean of k published
  // sources; 0 for a given score or a pinned evaluator); the rest is sampling noise.
  double evaluator_sd = 0.0;
  // The benchmark's between-evaluator spread tau (pooled over the table's models with two or more
  // evaluators) when the score was looked up; 0 when unknown. The default quality tolerance.
  double benchmark_evaluator_spread = 0.0;
  std::string benchmark;  // the benchmark looked up ("" for a given score)
  // Who evaluated it: the evaluators of a looked-up score ("Microsoft + Qwen team"; " (pinned)"
  // when the study names one), empty for a score the study gives.
  std::string evaluators;
  // Set when the score is predicted from scaling laws (`quality: {law: ...}`); score and sd
  // then hold its value at the candidate's own fine-tune tokens.
  std::shared_ptr<const LawQualityModel> law;
};

// The score at a fine-tune token count: the law chain's when the score is law-based and depends
// on fine-tuning (a transfer law is given), else the fixed score.
double QualityAtFinetuneTokens(const QualitySpec& quality, double finetune_tokens);

struct FinetuneSpec {
  std::string method;              // full | lora | qlora
  double tokens = 0.0;             // fine-tuning tokens (all epochs)
  std::string hardware_id;         // where it is trained
  int devices = 1;                 // data-parallel devices
  int64_t sequence_tokens = 2048;  // training sequence length
  int64_t batch = 8;               // sequences per step per device
};

struct ApiSpec {
  double usd_per_million_input_tokens = 0.0;
  double usd_per_million_output_tokens = 0.0;
  std::string source;  // price page and date
};

// How the study buys its devices (the `prices:` key): each layout is priced by the cheapest quote
// of these kinds (sim/spec/price_spec.h), and the Monte Carlo draws among those quotes.
struct PriceChoice {
  std::vector<std::string> kinds = {kPriceOnDemand};
  bool interruptible = false;  // the workload tolerates interruption: cloud-spot may be listed
  // With `serverless` among the kinds: every layout on a device with a serverless quote is also
  // offered as scale-to-zero workers (ServingCostModel::scale_to_zero), with these settings.
  double idle_timeout_s = 0.0;  // a worker stops after this long without a request
  double cold_start_s = 0.0;    // a request that finds no worker up waits this long
  std::string serverless_source;
  // `packed: true`: the operator serves other models on the same devices, so a layout whose
  // traffic fills less than a replica is also offered packed (ServingCostModel::packed), paying
  // its weights' share of device memory plus its load's share of the rest.
  bool packed = false;
  bool Serverless() const;
  // The kinds that price an always-on device (every kind but serverless).
  std::vector<std::string> AlwaysOnKinds() const;
};

struct CandidateSpec {
  std::string name;   // label in the report
  std::string role;   // small | large
  std::string model;  // catalogue id or config path (self-hosted)
  std::vector<std::string> hardware;
  std::vector<int> tensor_parallel = {1};
  std::vector<Precision> weights = {Precision::kBf16};
  std::optional<ApiSpec> api;  // also (or only, without hardware) served by a per-token API
  std::optional<FinetuneSpec> finetune;
  QualitySpec quality;
  int line = 0;  // where it is in the study file
};

struct StudySpec {
  std::string file;
  std::string title;
  std::string question;            // one sentence the report answers
  std::string task;                // name of the task / benchmark the scores measure
  double quality_tolerance = 0.0;  // small wins if score >= large score - tolerance
  // Where the tolerance comes from: "the study" or the benchmark's between-evaluator spread.
  std::string quality_tolerance_source;
  double horizon_months = 12.0;
  double monthly_growth = 0.0;      // traffic growth per month (0.05 = +5%)
  double requests_per_month = 0.0;  // the planning point
  double sweep_min_requests_per_month = 0.0;
  double sweep_max_requests_per_month = 0.0;
  double prompt_tokens = 0.0;  // mean per request
  double output_tokens = 0.0;  // mean per request
  SloSpec slo;
  ServingSimSettings simulation;  // how replicas are sized (sim/plan/serving.h)
  std::vector<CandidateSpec> candidates;
  // Relative 1-sigma uncertainty of predicted serving throughput (from a calibration's held-out
  // error, or the uncalibrated model's validation error); drives the uncertainty bands.
  double throughput_rel_sd = 0.0;
  std::string throughput_rel_sd_source;
  // Relative 1-sigma error of the traffic forecast (lognormal; 0: the traffic is known).
  double traffic_rel_sd = 0.0;
  std::string traffic_rel_sd_source;
  // Share of a replica's SLO capacity the fleet plans to use (headroom for peaks): `utilisation`
  // at nominal, drawn uniformly in [utilisation_min, utilisation_max] (1, 1, 1: every replica
  // runs at its SLO capacity).
  double utilisation = 1.0, utilisation_min = 1.0, utilisation_max = 1.0;
  std::string utilisation_source;
  PriceChoice prices;
  std::vector<double> finetune_token_grid;  // region map y axis (empty: from finetune specs)
};

// Reads and checks a study; errors are InputError with file:line: key.
// Ids resolve through `catalog`.
StudySpec LoadStudy(const std::string& path, const Catalog& catalog);
// The same from a parsed document (a study with some fields replaced, as `sweep-study` does);
// `path` names it in errors and locates files the study refers to.
StudySpec LoadStudy(const YAML::Node& root, const std::string& path, const Catalog& catalog);

}  // namespace rightsize
