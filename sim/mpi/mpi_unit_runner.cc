#include "sim/mpi/mpi_unit_runner.h"

#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include <boost/mpi/collectives.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include "sim/util/error.h"
#include "sim/util/parallel.h"

namespace rightsize {
namespace {

// Worker -> rank 0: the bytes of the oldest range it holds, which also asks for another one.
constexpr int kResultTag = 1;
// Rank 0 -> worker: {begin, end} of its next range; begin == end: no more work.
constexpr int kRangeTag = 2;
// Worker -> rank 0, at its start: a request for a range, with no result.
constexpr int kRequestTag = 3;
// Ranges a worker rank holds at once: it computes one while the next is already on its way, so
// it never waits for rank 0 to answer between ranges.
constexpr int kRangesPerWorker = 2;
// How long rank 0's dispatching thread sleeps when nothing is waiting: short against a range's
// work (>= 4096 sweep points, or one serving simulation), long enough that polling costs rank
// 0's computing threads nothing measurable.
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

// Rank 0's side of one RunInOrder: its threads and the other ranks draw ranges from one counter,
// never more than `window` ranges ahead of the next one to consume; the calling thread consumes
// in order and answers the other ranks (only it calls MPI: MPI_THREAD_FUNNELED).
class Gathering {
 public:
  Gathering(const boost::mpi::communicator& world, size_t units, size_t chunk, size_t window,
            const EncodeUnits& encode, const ConsumeUnits& consume, const UnitProgress& progress)
      : world_(world),
        units_(units),
        chunk_(chunk),
        chunks_((units + chunk - 1) / chunk),
        window_(window),
        encode_(encode),
        consume_(consume),
        progress_(progress),
        held_(static_cast<size_t>(world.size())) {}

  void Run(int threads) {
    {
      std::vector<std::jthread> pool;
      for (int t = 0; t < threads; ++t) pool.emplace_back([this] { ComputeHere(); });
      try {
        AnswerRanksAndConsume();
      } catch (...) {
        Failed(std::current_exception());
      }
    }  // joins: every thread sees `failed_` or the end of the ranges
    if (error_) std::rethrow_exception(error_);
  }

 private:
  static constexpr size_t kNone = std::numeric_limits<size_t>::max();

  std::pair<size_t, size_t> Range(size_t c) const {
    return {c * chunk_, std::min(units_, (c + 1) * chunk_)};
  }

  // The next range to hand out: chunks_ when none is left (or a range failed), kNone while the
  // window is full. Call with mutex_ held.
  size_t Take() {
    if (failed_ || next_ >= chunks_) return chunks_;
    return next_ < consumed_ + window_ ? next_++ : kNone;
  }

  void Failed(std::exception_ptr error) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = error;
      failed_ = true;
    }
    window_moved_.notify_all();
  }

  void ComputeHere() {
    for (;;) {
      size_t c = 0;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        window_moved_.wait(lock, [&] { return (c = Take()) != kNone; });
        if (c >= chunks_) return;
      }
      try {
        std::string bytes = encode_(Range(c).first, Range(c).second);
        std::lock_guard<std::mutex> lock(mutex_);
        ready_.emplace(c, std::move(bytes));
      } catch (...) {
        Failed(std::current_exception());
        return;
      }
    }
  }

  // Consumes the ranges that are next in order; true when it consumed any.
  bool ConsumeReady() {
    bool any = false;
    for (;;) {
      std::string bytes;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto it = ready_.find(consumed_);
        if (failed_ || it == ready_.end()) return any;
        bytes = std::move(it->second);
        ready_.erase(it);
      }
      consume_(std::move(bytes));
      size_t done = 0;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        done = Range(consumed_).second;
        ++consumed_;
      }
      window_moved_.notify_all();
      if (progress_) progress_(done, units_);
      any = true;
    }
  }

  // Sends `rank` its next range, or that no work is left; false while the window is full.
  bool Answer(int rank) {
    size_t c = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      c = Take();
    }
    if (c == kNone) return false;
    uint64_t range[2] = {0, 0};
    if (c < chunks_) {
      range[0] = Range(c).first;
      range[1] = Range(c).second;
      held_[static_cast<size_t>(rank)].push_back(c);
    } else {
      --serving_;
    }
    MPI_Send(range, 2, MPI_UINT64_T, rank, kRangeTag, world_);
    return true;
  }

  // A waiting result (stored under the oldest range its rank holds: messages between two ranks
  // arrive in order) or first request from any rank; the rank then waits in `waiting` for its
  // next range. False when none waits.
  bool Receive(std::vector<int>& waiting) {
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, kResultTag, world_, &flag, &status);
    if (!flag) MPI_Iprobe(MPI_ANY_SOURCE, kRequestTag, world_, &flag, &status);
    if (!flag) return false;
    int size = 0;
    MPI_Get_count(&status, MPI_BYTE, &size);
    std::string message(static_cast<size_t>(size), '\0');
    const int rank = status.MPI_SOURCE;
    MPI_Recv(message.data(), size, MPI_BYTE, rank, status.MPI_TAG, world_, MPI_STATUS_IGNORE);
    if (status.MPI_TAG == kResultTag) {
      auto& held = held_[static_cast<size_t>(rank)];
      RS_CHECK(!held.empty(), "a rank sent a result for a range it was not given");
      const size_t c = held.front();
      held.pop_front();
      std::lock_guard<std::mutex> lock(mutex_);
      ready_.emplace(c, std::move(message));
    }
    waiting.push_back(rank);
    return true;
  }

  void AnswerRanksAndConsume() {
    std::vector<int> waiting;  // ranks whose request is not answered yet
    for (;;) {
      bool busy = ConsumeReady();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (failed_ || (consumed_ == chunks_ && serving_ == 0)) return;
      }
      std::erase_if(waiting, [&](int rank) { return Answer(rank) && (busy = true); });
      busy = Receive(waiting) || busy;
      if (!busy) std::this_thread::sleep_for(kPollInterval);
    }
  }

  const boost::mpi::communicator& world_;
  const size_t units_, chunk_, chunks_, window_;
  const EncodeUnits& encode_;
  const ConsumeUnits& consume_;
  const UnitProgress& progress_;
  std::vector<std::deque<size_t>> held_;  // by rank: the ranges it was sent, oldest first
  // Requests of the other ranks still to be answered with "no work left" (each rank has
  // kRangesPerWorker requests open when the work runs out).
  int serving_ = kRangesPerWorker * (world_.size() - 1);

  std::mutex mutex_;  // the members below
  std::condition_variable window_moved_;
  size_t next_ = 0, consumed_ = 0;
  std::map<size_t, std::string> ready_;  // computed ranges not yet consumed, by index
  bool failed_ = false;
  std::exception_ptr error_;
};

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

void MpiUnitRunner::RunInOrder(size_t units, size_t min_chunk, const EncodeUnits& encode,
                               const ConsumeUnits& consume, const UnitProgress& progress) const {
  const size_t workers =
      static_cast<size_t>(world_.size()) * static_cast<size_t>(threads_per_rank_);
  const size_t chunk = ChunkUnits(units, min_chunk, workers);
  if (world_.rank() != 0) Serve(encode);
  Gathering(world_, units, chunk, kChunksAheadPerWorker * workers, encode, consume, progress)
      .Run(threads_per_rank_);
}

void MpiUnitRunner::Serve(const EncodeUnits& encode) const {
  ServeRanges(encode);
  EndWorkers();
  std::abort();  // unreachable: EndWorkers ends every rank but 0, and rank 0 never serves
}

void MpiUnitRunner::ServeRanges(const EncodeUnits& encode) const {
  for (int r = 0; r < kRangesPerWorker; ++r) {
    MPI_Send(nullptr, 0, MPI_BYTE, 0, kRequestTag, world_);
  }
  // Each result sent asks for one more range; once one answer says no work is left, the answers
  // to the requests still open say so too (rank 0 hands out ranges in order), and are drained.
  bool done = false;
  for (int open = kRangesPerWorker; open > 0; --open) {
    uint64_t range[2] = {0, 0};
    MPI_Recv(range, 2, MPI_UINT64_T, 0, kRangeTag, world_, MPI_STATUS_IGNORE);
    done = done || range[0] == range[1];
    if (done) continue;
    const std::string result = EncodeOnThreads(range[0], range[1], threads_per_rank_, encode);
    MPI_Send(result.data(), static_cast<int>(result.size()), MPI_BYTE, 0, kResultTag, world_);
    ++open;
  }
}

std::vector<std::string> MpiUnitRunner::RunEverywhere(size_t units, size_t min_chunk,
                                                      const EncodeUnits& encode) const {
  const size_t workers =
      static_cast<size_t>(world_.size()) * static_cast<size_t>(threads_per_rank_);
  const size_t chunk = ChunkUnits(units, min_chunk, workers);
  std::vector<std::string> bytes;
  if (world_.rank() == 0) {
    const ConsumeUnits consume = [&](std::string&& b) { bytes.push_back(std::move(b)); };
    const UnitProgress no_progress;
    Gathering(world_, units, chunk, kChunksAheadPerWorker * workers, encode, consume, no_progress)
        .Run(threads_per_rank_);
  } else {
    ServeRanges(encode);
  }
  // Every rank goes on to the next round from the same results.
  boost::mpi::broadcast(world_, bytes, 0);
  return bytes;
}

void MpiUnitRunner::EndWorkers() const {
  if (world_.rank() == 0) return;
  // Rank 0 writes the output; this rank is done. MPI_Finalize waits for the other ranks.
  std::fflush(stdout);
  MPI_Finalize();
  std::exit(0);
}

}  // namespace rightsize
