// Work split into numbered units [0, count) whose results travel as bytes, so that the same work
// runs on this process's threads (LocalUnitRunner) or is spread over the ranks of an MPI job
// (sim/mpi/mpi_unit_runner.h) and gathered where the output is written. `sweep`, `sweep-study`
// and `plan` describe their work this way; docs/mpi.md explains the split.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace rightsize {

// Appends values as bytes. Numbers keep their exact bits (a double is its 8 bytes), so a result
// decoded in another process prints the same digits as the one computed here.
class ByteWriter {
 public:
  void PutDouble(double value);
  void PutInt(int64_t value);
  void PutBool(bool value);
  void PutString(const std::string& value);
  std::string& Bytes() { return bytes_; }

 private:
  std::string bytes_;
};

// Reads back what a ByteWriter wrote, in the same order. InvariantError when the bytes run out
// (a message cut short is a bug, never user input).
class ByteReader {
 public:
  explicit ByteReader(const std::string& bytes) : bytes_(bytes) {}
  double Double();
  int64_t Int();
  bool Bool();
  std::string String();
  bool AtEnd() const { return offset_ == bytes_.size(); }

 private:
  void Take(void* out, size_t size);
  const std::string& bytes_;
  size_t offset_ = 0;
};

// Encodes the results of units [begin, end) (end - begin >= 1) as bytes; called from several
// threads at once, so it must not share mutable state.
using EncodeUnits = std::function<std::string(size_t begin, size_t end)>;
// Units done of the total, called on the process that gathers, one call at a time.
using UnitProgress = std::function<void(size_t done, size_t total)>;

// The bytes of consecutive ranges, handed over in unit order on the gathering process only.
using ConsumeUnits = std::function<void(std::string&& bytes)>;

class UnitRunner {
 public:
  virtual ~UnitRunner() = default;
  // Runs encode over consecutive ranges that cover [0, units) exactly once, each of at least
  // min_chunk units (the last may be shorter, none longer than kMaxChunkUnits unless min_chunk
  // is), and hands their bytes to consume in unit order as they become ready. At most a few
  // ranges per worker wait to be consumed at any time, so memory stays bounded whatever `units`
  // is. A range's error (or consume's) ends the run with that error. On an MPI worker rank this
  // does not return: the rank ends once the units are done (the gathering rank writes the output).
  virtual void RunInOrder(size_t units, size_t min_chunk, const EncodeUnits& encode,
                          const ConsumeUnits& consume, const UnitProgress& progress) const = 0;
  // RunInOrder, every range's bytes collected in unit order.
  std::vector<std::string> Run(size_t units, size_t min_chunk, const EncodeUnits& encode,
                               const UnitProgress& progress) const;
  // Run, but every range's bytes come back in unit order on every process (an MPI runner
  // gathers them on rank 0 and broadcasts them), and a worker rank returns instead of ending:
  // for work in dependent rounds, each round's units chosen from the last round's results
  // (calibrate's cross-validated greedy parameter sharing). Every process must call it with the
  // same units; after the last round the caller ends the worker ranks with EndWorkers.
  virtual std::vector<std::string> RunEverywhere(size_t units, size_t min_chunk,
                                                 const EncodeUnits& encode) const;
  // Ends every process but the one that writes the output (MPI: the worker ranks finalise and
  // exit 0); nothing on a local runner. Work after it runs on the writing process alone.
  virtual void EndWorkers() const {}
};

// The units on `threads` threads of this process (0: all cores), which take the next range as
// soon as they finish one while the calling thread consumes the finished ones in order (a
// streamed sweep's writing overlaps its computing). With several failing ranges, the error of the
// first range in unit order is the one rethrown, as a serial loop would.
class LocalUnitRunner : public UnitRunner {
 public:
  explicit LocalUnitRunner(int threads) : threads_(threads) {}
  void RunInOrder(size_t units, size_t min_chunk, const EncodeUnits& encode,
                  const ConsumeUnits& consume, const UnitProgress& progress) const override;

 private:
  int threads_;
};

// The most units in one range (unless min_chunk asks for more): ~2 MB of sweep CSV, so that the
// ranges waiting to be written (kChunksAheadPerWorker per worker) stay a few tens of MB however
// large the sweep, and one MPI message far below its 2 GiB limit.
inline constexpr size_t kMaxChunkUnits = size_t{1} << 14;
// Ranges each worker may have done but not yet consumed (the bound on memory of RunInOrder).
inline constexpr size_t kChunksAheadPerWorker = 4;

// The chunk size a runner hands out: at least min_chunk, and small enough that `workers` workers
// get about 8 chunks each (uneven units balance), at most kMaxChunkUnits.
size_t ChunkUnits(size_t units, size_t min_chunk, size_t workers);

}  // namespace rightsize
