// A fine-tuning gain taken from evidence instead of an assumed score: a table of published base
// vs fine-tuned scores across many tasks (`quality: {..., finetune_gain: {table, base_model}}`,
// examples/README.md). The candidate scores its base score plus the mean gain over the tasks the
// table has for that base model; the spread of the gain over tasks is its standard deviation.
#pragma once

#include <string>

#include "sim/util/yaml_reader.h"

namespace rightsize {

struct QualitySpec;  // sim/plan/study.h

struct FinetuneGain {
  double mean_points = 0.0;  // mean over tasks of fine-tuned - base score (score points)
  double sd_points = 0.0;    // sample standard deviation of that gain over tasks (n - 1), >= 0
  int tasks = 0;             // tasks the base model has in the table, >= 2
  std::string table;         // the table as the study names it
  std::string base_model;    // the `model` value whose rows were used
};

// Columns of a gains table: task, model, base_score, finetuned_score (in the study's score unit,
// e.g. % for an accuracy), source. One row per (task, model).
inline constexpr const char* kFinetuneGainColumns[] = {"task", "model", "base_score",
                                                       "finetuned_score", "source"};

// Reads a `finetune_gain:` block ({table: CSV or ID, base_model: NAME}); a table ending in
// ".csv" is a path resolved like the study's other files (as given, beside the study, under the
// data root), any other value the id of a bundled table, data/quality/<id>.csv (lora-land-2024:
// Zhao et al. 2024 Table 12). Errors are
// InputError at the block's file:line: key (unknown table or model, fewer than two tasks) or at
// the table's file:line: column.
FinetuneGain ReadFinetuneGain(YamlReader block, const std::string& study_file);

// base + mean gain, sd = sqrt(base sd^2 + gain sd^2), and the source says so.
void ApplyFinetuneGain(const FinetuneGain& gain, QualitySpec* quality);

}  // namespace rightsize
