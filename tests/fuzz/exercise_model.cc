#include "tests/fuzz/exercise_model.h"

#include "sim/cost/latency.h"
#include "sim/cost/memory.h"
#include "sim/spec/catalog.h"
#include "tests/fuzz/harness_support.h"

namespace rightsize::fuzz {

void ExerciseModel(const ModelSpec& model) {
  Expect([&] {
    const ParamCounts counts = CountParams(model);
    if (counts.Total() < 0 || counts.Active() < 0) throw InvariantError("negative parameter count");
    const HardwareSpec& device = Catalog::Default().Hardware("h100-sxm5-80gb");
    Workload workload;
    workload.prompt_tokens = 128;
    workload.gen_tokens = 16;
    CheckFit(model, device, workload);
    EstimateLatency(model, device, workload);
  });
}

}  // namespace rightsize::fuzz
