// Published benchmark scores (data/quality/model-benchmarks.csv and files like it): every source
// of one model's score on one benchmark, with the spellings of a model's name unified through a
// `model-names.csv` beside the table, and the between-evaluator spread of a benchmark pooled over
// the models several evaluators scored. A score is a random effect: the evaluator's own offset
// (spread between_evaluator_sd) on top of the sampling noise of the questions.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace rightsize {

struct PublishedScore {
  double score_pct = 0.0;
  std::string model;      // as the table spells it
  std::string evaluator;  // who ran the evaluation
  std::string variant;
  std::string setting;  // shots or setting as published
  int line = 0;         // in the table
};

// The spread of one benchmark's scores between evaluators, pooled over models (one-way random
// effects, the within-model variance estimator): sd^2 = sum over models scored by k >= 2
// evaluators of sum_e (x_e - mean)^2, divided by sum (k - 1). Each evaluator counts once per
// model (its rows averaged). models = 0: no model has two evaluators, sd = 0.
struct EvaluatorSpread {
  double sd = 0.0;
  int models = 0;
};

class PublishedScores {
 public:
  // Reads the scores table (columns model, variant, benchmark, shots_or_setting, score_pct,
  // evaluator) and, when one is beside it, model-names.csv (columns name, same_as, why): `name`
  // is another spelling of the model `same_as`. Throws InputError on a malformed file.
  static PublishedScores Load(const std::string& scores_file);

  // Every score of the model (any spelling) on the benchmark, in table order.
  std::vector<PublishedScore> Find(const std::string& model, const std::string& benchmark) const;
  EvaluatorSpread BetweenEvaluatorSpread(const std::string& benchmark) const;
  std::vector<std::string> ModelNames() const;
  const std::string& file() const { return file_; }

 private:
  std::string Canonical(const std::string& name) const;

  std::string file_;
  std::vector<std::pair<std::string, PublishedScore>> rows_;  // (benchmark, score)
  std::map<std::string, std::string> same_as_;                // spelling -> model
};

}  // namespace rightsize
