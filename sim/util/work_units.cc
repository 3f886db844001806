#include "sim/util/work_units.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>

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

void LocalUnitRunner::RunInOrder(size_t units, size_t min_chunk, const EncodeUnits& encode,
                                 const ConsumeUnits& consume, const UnitProgress& progress) const {
  const size_t threads = static_cast<size_t>(WorkerThreads(threads_));
  const size_t chunk = ChunkUnits(units, min_chunk, threads);
  const size_t chunks = (units + chunk - 1) / chunk;
  // Rounds of a few chunks per thread: computed in parallel, then consumed in order.
  const size_t round = kChunksAheadPerWorker * threads;
  for (size_t first = 0; first < chunks; first += round) {
    const size_t count = std::min(round, chunks - first);
    std::vector<std::string> bytes(count);
    std::vector<std::exception_ptr> errors(count);
    std::atomic<size_t> next{0};
    RunOnThreads(threads_, [&] {
      for (size_t k = next++; k < count; k = next++) {
        const size_t begin = (first + k) * chunk, end = std::min(units, begin + chunk);
        try {
          bytes[k] = encode(begin, end);
        } catch (...) {
          errors[k] = std::current_exception();
        }
      }
    });
    for (const auto& e : errors) {
      if (e) std::rethrow_exception(e);
    }
    for (size_t k = 0; k < count; ++k) {
      consume(std::move(bytes[k]));
      if (progress) progress(std::min(units, (first + k + 1) * chunk), units);
    }
  }
}

}  // namespace rightsize
