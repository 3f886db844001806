// rightsize's canonical measurement CSV (what `rightsize measure` writes), through its in-memory
// entry point.
#include "sim/logs/readers.h"
#include "tests/fuzz/harness_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rightsize;
  fuzz::Expect([&] {
    ParseCanonicalCsv(fuzz::AsText(data, size), "canonical.csv",
                      LogReadOptions{Catalog::Default()});
  });
  return 0;
}
