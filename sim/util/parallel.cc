#include "sim/util/parallel.h"

#include <algorithm>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace rightsize {

int HardwareThreads() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int WorkerThreads(int requested) {
  const int cores = HardwareThreads();
  return requested <= 0 ? cores : std::min(requested, cores);
}

void RunOnThreads(int threads, const std::function<void()>& worker) {
  std::exception_ptr first_error;
  std::mutex error_mutex;
  auto guarded = [&] {
    try {
      worker();
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!first_error) first_error = std::current_exception();
    }
  };
  {
    // jthreads join when the vector is destroyed, also while an exception unwinds.
    std::vector<std::jthread> pool;
    const int n = WorkerThreads(threads);
    pool.reserve(static_cast<size_t>(n));
    for (int t = 1; t < n; ++t) {
      try {
        pool.emplace_back(guarded);
      } catch (const std::system_error&) {
        break;  // no more threads available: the ones started (and this one) do the work
      }
    }
    guarded();
  }
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace rightsize
