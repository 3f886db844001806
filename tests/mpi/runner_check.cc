// MpiUnitRunner on its own, under `mpirun -np 2` (tests/mpi/CMakeLists.txt):
//   runner_check ok    -- 10,000 units with uneven costs gathered in unit order on rank 0 (exit 0)
//   runner_check fail  -- rank 1 throws an InputError from its first range: the job ends with
//                         exit code 2 and rank 1's message, never waiting for the failed rank
#include <fmt/format.h>
#include <boost/mpi/environment.hpp>

#include <string>

#include "sim/cli/exit_codes.h"
#include "sim/mpi/mpi_unit_runner.h"
#include "sim/util/error.h"

int main(int argc, char** argv) {
  using namespace rightsize;
  boost::mpi::environment environment(argc, argv, boost::mpi::threading::funneled);
  boost::mpi::communicator world;
  const bool fail = argc > 1 && std::string(argv[1]) == "fail";
  const MpiUnitRunner runner(world, 1);
  const int rank = world.rank();
  const int code = RunWithErrorHandling([&] {
    constexpr size_t kUnits = 10000;
    const auto bytes = runner.Run(
        kUnits, 1,
        [&](size_t begin, size_t end) {
          if (fail && rank == 1) {
            throw InputError({"", 0, "unit"},
                             fmt::format("units {}..{} fail on rank 1", begin, end));
          }
          std::string out;
          for (size_t i = begin; i < end; ++i) {
            volatile double spin = 0;  // uneven work: unit i costs ~i % 97 steps
            for (size_t k = 0; k < (i % 97) * 100; ++k) spin = spin + 1.0;
            out += fmt::format("{},", i);
          }
          return out;
        },
        nullptr);
    std::string expected, gathered;
    for (size_t i = 0; i < kUnits; ++i) expected += fmt::format("{},", i);
    for (const auto& b : bytes) gathered += b;
    if (gathered != expected) {
      fmt::print(stderr, "runner_check: units gathered out of order or incomplete\n");
      return 1;
    }
    fmt::print("runner_check: {} units gathered in order from {} ranks\n", kUnits, world.size());
    return 0;
  });
  if (code != 0) environment.abort(code);
  return code;
}
