#include "sim/app/whatif.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/app/study.h"
#include "sim/plan/study.h"
#include "sim/util/error.h"
#include "sim/util/yaml_reader.h"

namespace rightsize::app {
namespace {

std::string FileName(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

InputError RequestError(const std::string& key, const std::string& message) {
  return InputError({"request", 0, key}, message);
}

double PositiveNumber(const nlohmann::json& value, const std::string& key) {
  if (!value.is_number() || !(value.get<double>() > 0)) {
    throw RequestError(key, "must be a number > 0");
  }
  return value.get<double>();
}

std::string Text(const nlohmann::json& value, const std::string& key) {
  if (!value.is_string()) throw RequestError(key, "must be a string");
  return value.get<std::string>();
}

std::vector<std::string> TextList(const nlohmann::json& value, const std::string& key) {
  if (!value.is_array()) throw RequestError(key, "must be a list of strings");
  std::vector<std::string> out;
  for (const auto& item : value) out.push_back(Text(item, key));
  return out;
}

// The study document with the question's traffic, lengths, candidates and hardware written in,
// so LoadStudy checks them exactly as it checks a study file.
YAML::Node EditedStudy(const YAML::Node& original, const WhatIfQuestion& q) {
  YAML::Node root = YAML::Clone(original);
  if (q.requests_per_month) root["traffic"]["requests_per_month"] = *q.requests_per_month;
  if (q.prompt_tokens) root["traffic"]["prompt_tokens"] = *q.prompt_tokens;
  if (q.output_tokens) root["traffic"]["output_tokens"] = *q.output_tokens;
  YAML::Node kept(YAML::NodeType::Sequence);
  std::vector<std::string> seen;
  for (YAML::Node candidate : root["candidates"]) {
    const std::string name = candidate["name"].as<std::string>("");
    seen.push_back(name);
    if (!q.candidates.empty() &&
        std::find(q.candidates.begin(), q.candidates.end(), name) == q.candidates.end())
      continue;
    const auto hardware = q.hardware.find(name);
    if (hardware != q.hardware.end()) {
      YAML::Node list(YAML::NodeType::Sequence);
      for (const auto& id : hardware->second) list.push_back(id);
      candidate["hardware"] = list;
    }
    kept.push_back(candidate);
  }
  auto check_names = [&seen](const std::string& name, const std::string& key) {
    if (std::find(seen.begin(), seen.end(), name) == seen.end()) {
      throw RequestError(key, fmt::format("no candidate '{}' in the study (it has: {})", name,
                                          fmt::join(seen, ", ")));
    }
  };
  for (const auto& name : q.candidates) check_names(name, "candidates");
  for (const auto& [name, ids] : q.hardware) check_names(name, "hardware." + name);
  root["candidates"] = kept;
  return root;
}

// Quantile levels of ServingState::ttft_cdf_s / tpot_cdf_s.
std::vector<double> CdfLevels() {
  std::vector<double> levels;
  for (int i = 0; i < kLatencyCdfPoints; ++i)
    levels.push_back(static_cast<double>(i) / (kLatencyCdfPoints - 1));
  return levels;
}

// Each candidate's chosen layout at the planning traffic, one replica at its share of it.
nlohmann::json LatencyDistributions(const CrossoverResult& r) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : r.candidates) {
    if (c.layout_at_plan_index < 0) continue;
    const LayoutPlan& l = c.layouts[c.layout_at_plan_index];
    if (!l.state.feasible) continue;
    out.push_back({{"candidate", c.spec.name},
                   {"layout", c.layout_at_plan},
                   {"replicas", l.replicas},
                   {"requests_per_s_per_replica", l.state.requests_per_s},
                   {"quantiles", CdfLevels()},
                   {"ttft_s", l.state.ttft_cdf_s},
                   {"tpot_s", l.state.tpot_cdf_s}});
  }
  return out;
}

}  // namespace

WhatIfQuestion ParseWhatIfQuestion(const std::string& body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw RequestError("body", "must be a JSON object (docs/serve.md)");
  }
  WhatIfQuestion q;
  for (const auto& [key, value] : j.items()) {
    if (key == "study") {
      q.study = Text(value, key);
    } else if (key == "requests_per_month") {
      q.requests_per_month = PositiveNumber(value, key);
    } else if (key == "prompt_tokens") {
      q.prompt_tokens = PositiveNumber(value, key);
    } else if (key == "output_tokens") {
      q.output_tokens = PositiveNumber(value, key);
    } else if (key == "slo") {
      if (!value.is_object()) throw RequestError(key, "must be an object {KEY: seconds}");
      for (const auto& [slo_key, seconds] : value.items())
        q.slo_s[slo_key] = PositiveNumber(seconds, "slo." + slo_key);
    } else if (key == "price_kind") {
      q.price_kind = Text(value, key);
    } else if (key == "candidates") {
      q.candidates = TextList(value, key);
    } else if (key == "hardware") {
      if (!value.is_object()) throw RequestError(key, "must be an object {candidate: [ids]}");
      for (const auto& [name, ids] : value.items())
        q.hardware[name] = TextList(ids, "hardware." + name);
    } else if (key == "calibration") {
      q.calibration = Text(value, key);
    } else {
      throw RequestError(key, "unknown key (docs/serve.md lists the keys)");
    }
  }
  return q;
}

WhatIf::WhatIf(WhatIfSources sources, const Catalog& catalog)
    : sources_(std::move(sources)), catalog_(catalog) {
  if (sources_.study_paths.empty()) throw InputError({"", 0, "STUDY"}, "no study file given");
  for (const auto& path : sources_.study_paths) {
    const YAML::Node root = LoadYamlFile(path);  // read once; each question edits a clone
    LoadStudy(root, path, catalog_);  // the same checks as `rightsize crossover`, once, up front
    studies_.push_back({path, root});
  }
  for (const auto& file : sources_.calibration_files) LoadCalibration({file, ""});
}

const WhatIf::Study& WhatIf::FindStudy(const std::string& name) const {
  if (name.empty()) return studies_.front();
  std::vector<std::string> names;
  for (const auto& s : studies_) {
    if (FileName(s.path) == name) return s;
    names.push_back(FileName(s.path));
  }
  throw RequestError("study",
                     fmt::format("unknown study '{}' (serving: {})", name, fmt::join(names, ", ")));
}

std::string WhatIf::FindCalibration(const std::string& name) const {
  if (name.empty()) return "";
  std::vector<std::string> names;
  for (const auto& file : sources_.calibration_files) {
    if (FileName(file) == name) return file;
    names.push_back(FileName(file));
  }
  throw RequestError(
      "calibration",
      fmt::format("unknown calibration '{}' (given on the command line: {})", name,
                  names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
}

nlohmann::json WhatIf::Choices() const {
  nlohmann::json j;
  for (const auto& s : studies_) {
    const StudySpec spec = LoadStudy(s.root, s.path, catalog_);
    nlohmann::json study = {{"file", FileName(s.path)},
                            {"title", spec.title},
                            {"question", spec.question},
                            {"task", spec.task},
                            {"requests_per_month", spec.requests_per_month},
                            {"sweep_min_requests_per_month", spec.sweep_min_requests_per_month},
                            {"sweep_max_requests_per_month", spec.sweep_max_requests_per_month},
                            {"prompt_tokens", spec.prompt_tokens},
                            {"output_tokens", spec.output_tokens},
                            {"horizon_months", spec.horizon_months},
                            {"slo", SloJson(spec.slo)},
                            {"candidates", nlohmann::json::array()}};
    for (const auto& c : spec.candidates) {
      study["candidates"].push_back({{"name", c.name},
                                     {"role", c.role},
                                     {"model", c.api ? "API" : c.model},
                                     {"hardware", c.hardware}});
    }
    j["studies"].push_back(study);
  }
  for (const auto& [id, hw] : catalog_.hardware()) {
    nlohmann::json kinds = nlohmann::json::array();
    for (const PriceSpec* p : catalog_.PricesFor(id)) {
      if (std::find(kinds.begin(), kinds.end(), p->kind) == kinds.end()) kinds.push_back(p->kind);
    }
    j["hardware"].push_back({{"id", id}, {"price_kinds", kinds}});
  }
  j["price_kinds"] = catalog_.PriceKinds();
  j["calibrations"] = nlohmann::json::array();
  for (const auto& file : sources_.calibration_files) j["calibrations"].push_back(FileName(file));
  j["slo_metrics"] = {"ttft", "tpot", "itl", "e2e"};
  j["slo_statistics"] = {"mean", "p50", "p90", "p99"};
  return j;
}

nlohmann::json WhatIf::Answer(const WhatIfQuestion& question) {
  const auto start = std::chrono::steady_clock::now();
  const Study& study = FindStudy(question.study);
  StudySpec spec = LoadStudy(EditedStudy(study.root, question), study.path, catalog_);
  if (!question.price_kind.empty()) {
    // The page's choice replaces the study's kinds; choosing spot says the workload tolerates
    // interruption.
    catalog_.CheckQuotedPriceKind(question.price_kind, {"request", 0, "price_kind"});
    spec.prices.kinds = {question.price_kind};
    spec.prices.interruptible = question.price_kind == kPriceSpot;
  }
  StudyOptions options;
  options.study_path = study.path;
  options.calibration = {FindCalibration(question.calibration), ""};
  if (!question.slo_s.empty()) {
    spec.slo.targets.clear();  // the question states the whole SLO
    for (const auto& [key, seconds] : question.slo_s)
      options.slo_overrides.push_back(fmt::format("{}={:.17g}", key, seconds));
  }
  // Only the chosen layouts are simulated at load (their latency distributions are what the page
  // draws) and the sensitivity ranking is left out (the page does not show it): every cost, P and
  // the verdict are the same as `rightsize crossover` gives.
  const std::string price_kinds = fmt::format("{}", fmt::join(spec.prices.kinds, ", "));
  const StudyRun run =
      RunLoadedStudy(std::move(spec), options, catalog_, {&capacities_, false, false});
  nlohmann::json j = ToJsonWithCurves(run);
  j["latency_distributions"] = LatencyDistributions(run.result);
  j["price_kind"] = price_kinds;
  j["elapsed_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return j;
}

}  // namespace rightsize::app
