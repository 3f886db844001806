// A Hugging Face config.json (`--model path/config.json`), then what a prediction computes from
// the spec it gives.
#include "sim/spec/hf_config.h"
#include "tests/fuzz/exercise_model.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  fuzz::Expect(
      [&] { fuzz::ExerciseModel(ParseHfConfig(fuzz::AsText(data, size), "model/config.json")); });
  return 0;
}
