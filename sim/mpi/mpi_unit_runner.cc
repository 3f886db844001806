#include "sim/mpi/mpi_unit_runner.h"

#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>

#include "sim/util/error.h"
#include "sim/util/parallel.h"

namespace rightsize {
namespace {

// Worker -> rank 0: the bytes of the range it was last sent (empty on the first request).
constexpr int kResultTag = 1;
// Rank 0 -> worker: {begin, end} of its next range; begin == end: no more work.
constexpr int kRangeTag = 2;
// How long rank 0's dispatching thread sleeps when no request waits: short against a range's
// work (a range is >= 4096 sweep points or one serving simulation), long enough that polling
// costs rank 0's computing threads nothing measurable.
constexpr auto kPollInterval = std::chrono::microseconds(200);

// The bytes of [begin, end) computed on `threads` threads in contiguous parts, joined in order.
std::string EncodeOnThreads(size_t begin, size_t end, int threads, const EncodeUnits& encode) {
  const size_t parts = std::min<size_t>(static_cast<size_t>(std::max(1, threads)), end - begin);
  std::vector<std::string> bytes(parts);
  std::atomic<size_t> next{0};
  RunOnThreads(static_cast<int>(parts), [&] {
    for (size_t p = next++; p < parts; p = next++) {
      const size_t from = begin + (end - begin) * p / parts;
      const size_t to = begin + (end - begin) * (p + 1) / parts;
      bytes[p] = encode(from, to);
    }
  });
  std::string joined;
  for (const auto& b : bytes) joined += b;
  return joined;
}

}  // namespace

int ThreadsPerRank(const boost::mpi::communicator& world) {
  MPI_Comm node;
  MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, world.rank(), MPI_INFO_NULL, &node);
  int ranks_on_node = 1;
  MPI_Comm_size(node, &ranks_on_node);
  MPI_Comm_free(&node);
  return std::max(1, HardwareThreads() / std::max(1, ranks_on_node));
}

MpiUnitRunner::MpiUnitRunner(boost::mpi::communicator world, int threads_per_rank)
    : world_(std::move(world)), threads_per_rank_(std::max(1, threads_per_rank)) {}

std::vector<std::string> MpiUnitRunner::Run(size_t units, size_t min_chunk,
                                            const EncodeUnits& encode,
                                            const UnitProgress& progress) const {
  const size_t workers =
      static_cast<size_t>(world_.size()) * static_cast<size_t>(threads_per_rank_);
  const size_t chunk = ChunkUnits(units, min_chunk, workers);
  if (world_.rank() != 0) Serve(encode);
  return Gather(units, chunk, encode, progress);
}

std::vector<std::string> MpiUnitRunner::Gather(size_t units, size_t chunk,
                                               const EncodeUnits& encode,
                                               const UnitProgress& progress) const {
  const size_t chunks = (units + chunk - 1) / chunk;
  std::vector<std::string> bytes(chunks);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex mutex;  // error, done and progress
  size_t done = 0;
  auto range_of = [&](size_t c) { return std::pair(c * chunk, std::min(units, (c + 1) * chunk)); };
  auto finished = [&](size_t c) {
    std::lock_guard<std::mutex> lock(mutex);
    const auto [begin, end] = range_of(c);
    done += end - begin;
    if (progress) progress(done, units);
  };
  {
    // Rank 0's own share: its threads draw from the same counter as the other ranks.
    std::vector<std::jthread> pool;
    for (int t = 0; t < threads_per_rank_; ++t) {
      pool.emplace_back([&] {
        try {
          for (size_t c = next++; c < chunks && !failed; c = next++) {
            const auto [begin, end] = range_of(c);
            bytes[c] = encode(begin, end);
            finished(c);
          }
        } catch (...) {
          std::lock_guard<std::mutex> lock(mutex);
          if (!error) error = std::current_exception();
          failed = true;
        }
      });
    }
    // This thread answers the other ranks until each has been told that no work is left.
    std::vector<int64_t> held(static_cast<size_t>(world_.size()), -1);
    int serving = world_.size() - 1;
    while (serving > 0 && !failed) {
      int waiting = 0;
      MPI_Status status;
      MPI_Iprobe(MPI_ANY_SOURCE, kResultTag, world_, &waiting, &status);
      if (!waiting) {
        std::this_thread::sleep_for(kPollInterval);
        continue;
      }
      int size = 0;
      MPI_Get_count(&status, MPI_BYTE, &size);
      std::string message(static_cast<size_t>(size), '\0');
      const int rank = status.MPI_SOURCE;
      MPI_Recv(message.data(), size, MPI_BYTE, rank, kResultTag, world_, MPI_STATUS_IGNORE);
      if (held[rank] >= 0) {
        bytes[static_cast<size_t>(held[rank])] = std::move(message);
        finished(static_cast<size_t>(held[rank]));
      }
      const size_t c = next++;
      uint64_t range[2] = {0, 0};
      if (c < chunks) {
        range[0] = range_of(c).first;
        range[1] = range_of(c).second;
        held[rank] = static_cast<int64_t>(c);
      } else {
        held[rank] = -1;
        --serving;
      }
      MPI_Send(range, 2, MPI_UINT64_T, rank, kRangeTag, world_);
    }
  }
  if (error) std::rethrow_exception(error);
  return bytes;
}

void MpiUnitRunner::Serve(const EncodeUnits& encode) const {
  std::string result;
  for (;;) {
    MPI_Send(result.data(), static_cast<int>(result.size()), MPI_BYTE, 0, kResultTag, world_);
    uint64_t range[2] = {0, 0};
    MPI_Recv(range, 2, MPI_UINT64_T, 0, kRangeTag, world_, MPI_STATUS_IGNORE);
    if (range[0] == range[1]) break;
    result = EncodeOnThreads(range[0], range[1], threads_per_rank_, encode);
  }
  // Rank 0 writes the output; this rank is done. MPI_Finalize waits for the other ranks.
  std::fflush(stdout);
  MPI_Finalize();
  std::exit(0);
}

}  // namespace rightsize
