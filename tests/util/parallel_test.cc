// RunOnThreads: capped thread counts, every item done once, worker exceptions rethrown after join.
#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "sim/util/parallel.h"

using namespace rightsize;

TEST_CASE("thread requests are capped to the cores, 0 means all of them") {
  CHECK(HardwareThreads() >= 1);
  CHECK(WorkerThreads(0) == HardwareThreads());
  CHECK(WorkerThreads(1) == 1);
  CHECK(WorkerThreads(100000) == HardwareThreads());
}

TEST_CASE("RunOnThreads with an absurd thread count does every item exactly once") {
  std::vector<std::atomic<int>> hits(10000);
  std::atomic<size_t> next{0};
  RunOnThreads(100000, [&] {
    for (size_t i = next++; i < hits.size(); i = next++) ++hits[i];
  });
  for (const auto& h : hits) CHECK(h.load() == 1);
}

TEST_CASE("an exception in a worker is rethrown after every thread has joined") {
  std::atomic<int> finished{0};
  CHECK_THROWS_WITH(RunOnThreads(4,
                                 [&] {
                                   ++finished;
                                   throw std::runtime_error("worker failed");
                                 }),
                    "worker failed");
  CHECK(finished.load() == WorkerThreads(4));
}
