// `rightsize serve`: what-if questions on the studies named on the command line. A question
// replaces a few inputs of one study (traffic, request lengths, SLO targets, which candidates and
// on which hardware, the kind of price, a calibration) and runs the same crossover as `rightsize
// crossover` (RunLoadedStudy), so the page and the CLI give the same answer to the same inputs.
// A question names files only by their place in WhatIfSources: it can read nothing else.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "sim/plan/capacity.h"
#include "sim/spec/catalog.h"

namespace rightsize::app {

// What the user named on the command line.
struct WhatIfSources {
  std::vector<std::string> study_paths;        // study YAML files; the first is the default
  std::vector<std::string> calibration_files;  // calibrations a question may choose
};

// One question, as the page sends it (docs/serve.md). Unset fields keep the study's value.
struct WhatIfQuestion {
  std::string study;  // a study's file name (its last path component); "" = the first
  std::optional<double> requests_per_month;  // planning traffic, in the study's sweep range
  std::optional<double> prompt_tokens;       // mean per request, >= 1
  std::optional<double> output_tokens;       // mean per request, >= 1
  std::map<std::string, double> slo_s;       // SLO key (ttft_p99_s, tpot_mean_s, ...) -> seconds
  std::string price_kind;                    // a PriceSpec::kind; "" = any (cheapest quote)
  std::vector<std::string> candidates;       // candidate names to keep; empty = all
  std::map<std::string, std::vector<std::string>> hardware;  // candidate -> hardware ids
  std::string calibration;  // a calibration file's name among the sources; "" = defaults
};

// Reads a question from the request body. InputError ("request: KEY: ...") for unknown keys and
// values of the wrong type.
WhatIfQuestion ParseWhatIfQuestion(const std::string& body);

class WhatIf {
 public:
  // Reads every study once (InputError as `rightsize crossover` gives for a bad file).
  WhatIf(WhatIfSources sources, const Catalog& catalog);

  // What the page offers: each study's inputs and candidates, the catalogue's hardware and price
  // kinds, the calibrations, the SLO keys.
  nlohmann::json Choices() const;

  // The answer: the crossover document with its curves (ToJsonWithCurves: plan per candidate,
  // verdict with P, cost vs traffic, Pareto front), plus the simulated TTFT / TPOT distributions
  // of each candidate's chosen layout. InputError for a question the study rejects.
  nlohmann::json Answer(const WhatIfQuestion& question);

 private:
  struct Study {
    std::string path;
    YAML::Node root;
  };
  const Study& FindStudy(const std::string& name) const;
  std::string FindCalibration(const std::string& name) const;

  WhatIfSources sources_;
  const Catalog& catalog_;
  std::vector<Study> studies_;
  CapacityCache capacities_;  // replica capacities from earlier questions
};

}  // namespace rightsize::app
