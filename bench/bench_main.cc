// The benchmarks' main: Google Benchmark's, after pointing the data lookup at the source tree
// (sim/util/data_paths.h), as the CLI does when nothing else is given.
#include <benchmark/benchmark.h>

#include "sim/util/data_paths.h"

int main(int argc, char** argv) {
  rightsize::ConfigureDataPaths({"", RIGHTSIZE_SOURCE_DIR});
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
