// What a model spec a loader accepted must survive: exact parameter counts, the memory verdict
// and the latency of a small inference workload on one catalogue device. Any InputError is an
// acceptable answer; an overflow, a sanitizer report or another exception is a finding.
#pragma once

#include "sim/spec/model_spec.h"

namespace rightsize::fuzz {

void ExerciseModel(const ModelSpec& model);

}  // namespace rightsize::fuzz
