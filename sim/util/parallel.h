// The one way rightsize runs work on several threads: `sweep`, `sweep-study`, the Chinchilla
// start grid and the bootstrap all call RunOnThreads with a worker that pulls items from a shared
// counter until none are left.
#pragma once

#include <functional>

namespace rightsize {

// This machine's cores (std::thread::hardware_concurrency, at least 1).
int HardwareThreads();

// Threads to use for a requested count: 0 (or less) = every core; otherwise at most the cores,
// because every worker here is CPU-bound and more threads than cores only add switching (a
// request of 100000 would also exhaust the process's thread limit). The CLI says when it caps.
int WorkerThreads(int requested);

// Runs `worker` on `threads` threads (capped by WorkerThreads; the calling thread is one of them)
// and returns when all have finished. If the system refuses to start a thread, the work runs on
// the threads that did start. The first exception a worker throws is rethrown here after every
// thread has been joined (never std::terminate: Python calls this library).
void RunOnThreads(int threads, const std::function<void()>& worker);

}  // namespace rightsize
