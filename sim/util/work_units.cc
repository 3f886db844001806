#include "sim/util/work_units.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <mutex>

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
  // A sweep row is ~100 bytes: 2^20 rows stay near 100 MB per message.
  constexpr size_t kMaxChunk = size_t{1} << 20;
  const size_t even = (units + kChunksPerWorker * workers - 1) / (kChunksPerWorker * workers);
  return std::max<size_t>(1, std::max(min_chunk, std::min(even, kMaxChunk)));
}

std::vector<std::string> LocalUnitRunner::Run(size_t units, size_t min_chunk,
                                              const EncodeUnits& encode,
                                              const UnitProgress& progress) const {
  const size_t chunk = ChunkUnits(units, min_chunk, static_cast<size_t>(WorkerThreads(threads_)));
  const size_t chunks = (units + chunk - 1) / chunk;
  std::vector<std::string> bytes(chunks);
  std::vector<std::exception_ptr> errors(chunks);
  std::atomic<size_t> next{0};
  size_t done = 0;
  std::mutex progress_mutex;
  RunOnThreads(threads_, [&] {
    for (size_t c = next++; c < chunks; c = next++) {
      const size_t begin = c * chunk, end = std::min(units, begin + chunk);
      try {
        bytes[c] = encode(begin, end);
      } catch (...) {
        errors[c] = std::current_exception();
      }
      if (progress) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        done += end - begin;
        progress(done, units);
      }
    }
  });
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return bytes;
}

}  // namespace rightsize
