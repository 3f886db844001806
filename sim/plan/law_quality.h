// The law-based `quality:` block of a study candidate (docs/quality.md, "Quality from laws in a
// study"): reads the law files it names, fits the loss -> score map when the study gives data
// for it, and returns the chain (sim/quality/law_quality.h) evaluated from the candidate's N and
// its training data.
#pragma once

#include <string>

#include "sim/quality/law_quality.h"
#include "sim/util/yaml_reader.h"

namespace rightsize {

struct CandidateSpec;

// What the chain needs from the candidate's model: its parameter counts.
struct LawQualityParams {
  double total = 0.0;          // every parameter (count)
  double non_embedding = 0.0;  // without the embedding and the LM head (count)
};

// Reads a law-based `quality:` block of a candidate (it has a `law` key). Paths are tried as
// given, then relative to the study file's folder, then to the data root. Errors are
// InputError with file:line: key.
LawQualityModel ParseLawQuality(YamlReader q, const CandidateSpec& candidate,
                                const std::string& study_file, const LawQualityParams& params);

}  // namespace rightsize
