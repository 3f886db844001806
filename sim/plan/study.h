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

struct CandidateSpec {
  std::string name;   // label in the report
  std::string role;   // small | large
  std::string model;  // catalogue id or config path (self-hosted)
  std::vector<std::string> hardware;
  std::vector<int> tensor_parallel = {1};
  std::vector<Precision> weights = {Precision::kBf16};
  std::optional<ApiSpec> api;  // served by an API instead
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
  std::vector<double> finetune_token_grid;  // region map y axis (empty: from finetune specs)
};

// Reads and checks a study; errors are InputError with file:line: key.
// Ids resolve through `catalog`.
StudySpec LoadStudy(const std::string& path, const Catalog& catalog);
// The same from a parsed document (a study with some fields replaced, as `sweep-study` does);
// `path` names it in errors and locates files the study refers to.
StudySpec LoadStudy(const YAML::Node& root, const std::string& path, const Catalog& catalog);

}  // namespace rightsize
