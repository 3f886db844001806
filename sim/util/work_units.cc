#include "sim/util/work_units.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "sim/util/error.h"
#include "sim/util/parallel.h"

namespace rightsize {

void ByteWriter::PutDouble(double value) {
  char raw[sizeof value];
  std::memcpy(raw, &value, sizeof value);
  bytes_.append(raw, sizeof raw);
}

void ByteWriter::PutInt(int64_t value) {
  char raw[sizeof value];
  std::memcpy(raw, &value, sizeof value);
  bytes_.append(raw, sizeof raw);
}

void ByteWriter::PutBool(bool value) { bytes_.push_back(value ? '\1' : '\0'); }

void ByteWriter::PutString(const std::string& value) {
  PutInt(static_cast<int64_t>(value.size()));
  bytes_ += value;
}

void ByteReader::Take(void* out, size_t size) {
  RS_CHECK(size <= bytes_.size() - offset_, "encoded unit results end early");
  std::memcpy(out, bytes_.data() + offset_, size);
  offset_ += size;
}

double ByteReader::Double() {
  double value = 0.0;
  Take(&value, sizeof value);
  return value;
}

int64_t ByteReader::Int() {
  int64_t value = 0;
  Take(&value, sizeof value);
  return value;
}

bool ByteReader::Bool() {
  char value = 0;
  Take(&value, 1);
  return value != 0;
}

std::string ByteReader::String() {
  const int64_t size = Int();
  RS_CHECK(size >= 0 && static_cast<size_t>(size) <= bytes_.size() - offset_,
           "encoded unit results end early");
  std::string value = bytes_.substr(offset_, static_cast<size_t>(size));
  offset_ += static_cast<size_t>(size);
  return value;
}

size_t ChunkUnits(size_t units, size_t min_chunk, size_t workers) {
  // 8 chunks per worker: a worker that drew slow units is not left the last long chunk.
  constexpr size_t kChunksPerWorker = 8;
  const size_t even = (units + kChunksPerWorker * workers - 1) / (kChunksPerWorker * workers);
  return std::max<size_t>(1, std::max(min_chunk, std::min(even, kMaxChunkUnits)));
}

std::vector<std::string> UnitRunner::Run(size_t units, size_t min_chunk, const EncodeUnits& encode,
                                         const UnitProgress& progress) const {
  std::vector<std::string> bytes;
  RunInOrder(
      units, min_chunk, encode, [&](std::string&& b) { bytes.push_back(std::move(b)); }, progress);
  return bytes;
}

std::vector<std::string> UnitRunner::RunEverywhere(size_t units, size_t min_chunk,
                                                   const EncodeUnits& encode) const {
  return Run(units, min_chunk, encode, nullptr);
}

namespace {

// LocalUnitRunner's pipeline: worker threads take ranges in order from a counter, never more than
// `window` ranges ahead of the next one to consume, while the calling thread consumes the finished
// ones in order. Nothing waits for a whole round: a thread that finishes a range takes the next
// at once, and the writing overlaps the computing.
class InOrderPipeline {
 public:
  InOrderPipeline(size_t units, size_t chunk, size_t window, const EncodeUnits& encode)
      : units_(units),
        chunk_(chunk),
        chunks_((units + chunk - 1) / chunk),
        window_(window),
        encode_(encode),
        slots_(window) {}

  // Consumes every range in unit order on the calling thread; rethrows the error of the first
  // failing range in unit order (or consume's) once the threads have stopped.
  void Run(int threads, const ConsumeUnits& consume, const UnitProgress& progress) {
    std::exception_ptr error;
    {
      std::vector<std::jthread> pool;
      for (int t = 0; t < threads; ++t) {
        try {
          pool.emplace_back([this] { Compute(); });
        } catch (const std::system_error&) {
          if (pool.empty()) throw;
          break;  // no more threads available: the ones started do the work
        }
      }
      try {
        ConsumeInOrder(consume, progress);
      } catch (...) {
        error = std::current_exception();
        Stop();
      }
    }  // joins the threads
    if (error) std::rethrow_exception(error);
  }

 private:
  struct Slot {
    bool ready = false;
    std::string bytes;
    std::exception_ptr error;
  };

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped_ = true;
    }
    window_moved_.notify_all();
  }

  void Compute() {
    for (;;) {
      size_t c = 0;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        window_moved_.wait(
            lock, [&] { return stopped_ || next_ >= chunks_ || next_ < consumed_ + window_; });
        if (stopped_ || next_ >= chunks_) return;
        c = next_++;
      }
      Slot done;
      try {
        done.bytes = encode_(c * chunk_, std::min(units_, (c + 1) * chunk_));
      } catch (...) {
        done.error = std::current_exception();
      }
      done.ready = true;
      const bool failed = done.error != nullptr;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        // A failed range stops the taking of new ones; those taken before it still finish.
        if (failed) stopped_ = true;
        slots_[c % window_] = std::move(done);
      }
      range_done_.notify_all();
      if (failed) window_moved_.notify_all();
    }
  }

  void ConsumeInOrder(const ConsumeUnits& consume, const UnitProgress& progress) {
    for (size_t c = 0; c < chunks_; ++c) {
      Slot slot;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        range_done_.wait(lock, [&] { return slots_[c % window_].ready; });
        slot = std::move(slots_[c % window_]);
        slots_[c % window_] = Slot{};
      }
      if (slot.error) std::rethrow_exception(slot.error);
      consume(std::move(slot.bytes));
      {
        std::lock_guard<std::mutex> lock(mutex_);
        consumed_ = c + 1;
      }
      window_moved_.notify_all();
      if (progress) progress(std::min(units_, (c + 1) * chunk_), units_);
    }
  }

  const size_t units_, chunk_, chunks_, window_;
  const EncodeUnits& encode_;
  std::mutex mutex_;  // the members below
  std::condition_variable window_moved_, range_done_;
  std::vector<Slot> slots_;  // range c in slots_[c % window_] until consumed
  size_t next_ = 0, consumed_ = 0;
  bool stopped_ = false;
};

}  // namespace

void LocalUnitRunner::RunInOrder(size_t units, size_t min_chunk, const EncodeUnits& encode,
                                 const ConsumeUnits& consume, const UnitProgress& progress) const {
  if (units == 0) return;
  const int threads = WorkerThreads(threads_);
  const size_t chunk = ChunkUnits(units, min_chunk, static_cast<size_t>(threads));
  InOrderPipeline(units, chunk, kChunksAheadPerWorker * static_cast<size_t>(threads), encode)
      .Run(threads, consume, progress);
}

}  // namespace rightsize
