// A sweep whose points travel as bytes through a UnitRunner (the path MPI ranks take) prints the
// same CSV and JSON, byte for byte, as the sweep predicted in place.
#include <catch2/catch.hpp>

#include "sim/plan/sweep.h"

using namespace rightsize;

TEST_CASE("a sweep through a unit runner prints the same bytes as the direct sweep") {
  SweepGrid grid;
  grid.models = {"llama-3-8b", "mixtral-8x7b"};
  grid.hardware = {"h100-sxm5-80gb", "rtx-4090", "l40s"};
  grid.batch = {1, 16, 256};
  grid.prompt_tokens = {128, 4096};
  grid.gen_tokens = {64, 1024};
  grid.weights = {Precision::kBf16, Precision::kInt4};
  grid.tensor_parallel = {1, 2, 8};
  const Catalog& catalog = Catalog::Default();
  const DeviceEfficiencyParams params = EfficiencyParams::Defaults();
  const auto direct = RunSweep(grid, catalog, params, 2);
  const LocalUnitRunner runner(3);
  const auto through_runner = RunSweep(grid, catalog, params, 2, nullptr, &runner);
  REQUIRE(direct.size() == grid.Size());
  CHECK(SweepCsv(grid, through_runner) == SweepCsv(grid, direct));
  CHECK(SweepJson(grid, through_runner).dump() == SweepJson(grid, direct).dump());
  size_t infeasible = 0;  // the grid has both kinds of row, and both travel
  for (const auto& r : direct) infeasible += r.feasible ? 0 : 1;
  CHECK(infeasible > 0);
  CHECK(infeasible < direct.size());
}
