// A model YAML (models/architectures/*.yaml or `--model path.yaml`), then what a prediction
// computes from the spec it gives.
#include "sim/spec/yaml_loaders.h"
#include "tests/fuzz/exercise_model.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  const std::string path = fuzz::WriteInput(data, size, "model.yaml");
  fuzz::Expect([&] { fuzz::ExerciseModel(LoadModelSpecYaml(path)); });
  return 0;
}
