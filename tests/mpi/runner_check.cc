// MpiUnitRunner on its own, under `mpirun -np 2` (tests/mpi/CMakeLists.txt):
//   runner_check ok    -- 10,000 units with uneven costs gathered in unit order on rank 0 (exit 0)
//   runner_check fail  -- rank 1 throws an InputError from its first range: the job ends with
//                         exit code 2 and rank 1's message, never waiting for the failed rank
//   runner_check rounds       -- 5 dependent rounds of RunEverywhere (each round's units are
//                                offset by the sum of the last round's results, known to every
//                                rank), then EndWorkers: rank 0 checks the last sum (exit 0)
//   runner_check rounds-fail  -- rank 1 throws in round 2 (the third): exit code 2 and rank 1's
//                                message
#include <fmt/format.h>
#include <boost/mpi/environment.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "sim/cli/exit_codes.h"
#include "sim/mpi/mpi_unit_runner.h"
#include "sim/util/error.h"

namespace {

using namespace rightsize;

int InOrder(const MpiUnitRunner& runner, int rank, int ranks, bool fail) {
  constexpr size_t kUnits = 10000;
  const auto bytes = runner.Run(
      kUnits, 1,
      [&](size_t begin, size_t end) {
        if (fail && rank == 1) {
          throw InputError({"", 0, "unit"}, fmt::format("units {}..{} fail on rank 1", begin, end));
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
  fmt::print("runner_check: {} units gathered in order from {} ranks\n", kUnits, ranks);
  return 0;
}

// Round r's unit i yields offset + i, where offset is the sum of round r-1's results (0 first):
// a rank that did not receive the previous round's results computes wrong units.
int Rounds(const MpiUnitRunner& runner, int rank, int ranks, bool fail) {
  constexpr size_t kUnits = 40;
  constexpr int kRounds = 5;
  uint64_t offset = 0, expected = 0;
  for (int round = 0; round < kRounds; ++round) {
    const auto bytes = runner.RunEverywhere(kUnits, 1, [&](size_t begin, size_t end) {
      if (fail && rank == 1 && round == 2) {
        throw InputError({"", 0, "unit"}, fmt::format("round {} fails on rank 1", round));
      }
      ByteWriter out;
      for (size_t i = begin; i < end; ++i) {
        // 1 ms a unit: long enough that both ranks draw ranges in every round.
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        out.PutInt(static_cast<int64_t>(offset + i));
      }
      return std::move(out.Bytes());
    });
    uint64_t sum = 0;
    for (const auto& chunk : bytes) {
      ByteReader in(chunk);
      while (!in.AtEnd()) sum += static_cast<uint64_t>(in.Int());
    }
    expected = kUnits * expected + kUnits * (kUnits - 1) / 2;  // the same, computed serially
    offset = sum;
  }
  runner.EndWorkers();
  if (offset != expected) {
    fmt::print(stderr, "runner_check: {} rounds gave {}, expected {}\n", kRounds, offset, expected);
    return 1;
  }
  fmt::print("runner_check: {} dependent rounds on {} ranks, sum {}\n", kRounds, ranks, offset);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  boost::mpi::environment environment(argc, argv, boost::mpi::threading::funneled);
  boost::mpi::communicator world;
  const std::string mode = argc > 1 ? argv[1] : "ok";
  const MpiUnitRunner runner(world, 1);
  const int code = RunWithErrorHandling([&] {
    if (mode == "rounds" || mode == "rounds-fail") {
      return Rounds(runner, world.rank(), world.size(), mode == "rounds-fail");
    }
    return InOrder(runner, world.rank(), world.size(), mode == "fail");
  });
  if (code != 0) environment.abort(code);
  return code;
}
