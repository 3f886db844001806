// rightsize-mpi: the rightsize command line, with `sweep`, `sweep-study`, `plan`, the bootstrap
// of `fit-law`, the grid of `simulate --set` and the cross-validation folds of `calibrate`
// (those of `--share auto`'s trials included) spread over the ranks of an MPI job (`mpirun -np N
// rightsize-mpi sweep ...`; docs/mpi.md). Rank 0 parses
// the same flags as every rank, gathers the work units and writes the output, byte-identical to
// `rightsize`; the other ranks compute units and print nothing. Any rank's error aborts the job
// with that rank's message and exit code.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <set>
#include <string>

#include <fmt/format.h>
#include <boost/mpi/environment.hpp>

#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/mpi/mpi_unit_runner.h"

namespace {

// The subcommand named on the command line ("" when none): the first argument that is neither
// a flag nor the value of the one top-level option that takes a value (--models-dir).
std::string Subcommand(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--models-dir") {
      ++i;
    } else if (!arg.empty() && arg[0] != '-') {
      return arg;
    }
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  boost::mpi::environment environment(argc, argv, boost::mpi::threading::funneled);
  boost::mpi::communicator world;
  if (world.size() == 1) return rightsize::RunCli(argc, argv);

  // Only these commands split their work; any other would run whole on every rank and write its
  // output N times.
  const std::set<std::string> split_commands = {"sweep",   "sweep-study", "plan",
                                                "fit-law", "simulate",    "calibrate"};
  const std::string command = Subcommand(argc, argv);
  if (!command.empty() && !split_commands.contains(command)) {
    if (world.rank() == 0) {
      fmt::print(
          stderr,
          "rightsize-mpi: error: {}: only sweep, sweep-study, plan, fit-law (its bootstrap), "
          "simulate (its --set grid) and calibrate (its cross-validation folds) split across "
          "ranks; "
          "run it with rightsize (or with mpirun -np 1)\n",
          command);
    }
    return rightsize::kExitInputError;
  }
  // Rank 0 alone prints the output (help and version included).
  if (world.rank() != 0) {
    const int null_fd = ::open("/dev/null", O_WRONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDOUT_FILENO);
  }
  const rightsize::MpiUnitRunner runner(world, rightsize::ThreadsPerRank(world));
  const int exit_code = rightsize::RunCli(argc, argv, &runner);
  if (exit_code != rightsize::kExitOk) {
    // The error is printed; end every rank now rather than leave them waiting for work.
    std::fflush(stderr);
    environment.abort(exit_code);
  }
  return exit_code;
}
