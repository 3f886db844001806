// Work units spread over the ranks of an MPI job (Boost.MPI over Open MPI): rank 0 hands out
// ranges of units one at a time from a shared counter (a dynamic queue: a rank that drew slow
// units, such as serving simulations, simply asks less often), computes ranges itself on its own
// threads meanwhile, and gathers every range's bytes in unit order. docs/mpi.md has the protocol.
#pragma once

#include <boost/mpi/communicator.hpp>

#include "sim/util/work_units.h"

namespace rightsize {

class MpiUnitRunner : public UnitRunner {
 public:
  // threads_per_rank >= 1: the worker threads each rank runs its ranges on.
  MpiUnitRunner(boost::mpi::communicator world, int threads_per_rank);

  // Rank 0 consumes every range's bytes in unit order. Every other rank computes the ranges it
  // is sent until none are left, then finalises MPI and ends the process with exit code 0: the
  // command's output is rank 0's alone. An error on any rank propagates out of that rank's call,
  // and rightsize-mpi's main aborts the whole job with it (never a hang).
  void RunInOrder(size_t units, size_t min_chunk, const EncodeUnits& encode,
                  const ConsumeUnits& consume, const UnitProgress& progress) const override;
  // Rank 0 gathers the ranges as in RunInOrder, then broadcasts every range's bytes; each rank
  // returns them (a round of dependent work; UnitRunner::RunEverywhere).
  std::vector<std::string> RunEverywhere(size_t units, size_t min_chunk,
                                         const EncodeUnits& encode) const override;
  // A worker rank finalises MPI and exits 0; rank 0 returns.
  void EndWorkers() const override;

 private:
  [[noreturn]] void Serve(const EncodeUnits& encode) const;
  // A worker rank's side of one run: computes the ranges it is sent until none are left.
  void ServeRanges(const EncodeUnits& encode) const;

  boost::mpi::communicator world_;
  int threads_per_rank_;
};

// Worker threads per rank when each of the ranks on this node should get an equal share of its
// cores (at least 1): the node's cores / the job's ranks on the node.
int ThreadsPerRank(const boost::mpi::communicator& world);

}  // namespace rightsize
