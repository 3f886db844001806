// The `rightsize measure` harness: runs real transformer work on the machine it runs on and
// records it as canonical measurements, so a user can calibrate the latency model for their own
// CPU in minutes without any external benchmark tool.
//
// What runs (Eigen, single-threaded, fp32, random weights; the numbers are timings, not
// outputs):
//  1. the local device itself: peak FLOP/s from a square GEMM and memory bandwidth from a
//     STREAM-style triad a = b + s*c (McCalpin 1995), written as a hardware YAML whose source
//     says it was measured;
//  2. GEMMs at a decoder's layer shapes (QKV, output, gate+up, down) for several token counts;
//  3. decode attention (QK^T, softmax, AV over a KV cache) at several contexts and batches;
//  4. whole prefill and decode steps of a small random-weight decoder, the same operators
//     CountOps prices (embedding, norms, projections, attention, gated MLP, LM head).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/logs/measurement.h"
#include "sim/spec/hardware_spec.h"
#include "sim/spec/model_spec.h"

namespace rightsize {

struct MeasureOptions {
  std::string hardware_id = "local-cpu";  // id for the measured device (or a catalogue id)
  // Wall-clock budget per timed point, seconds (> 0): repeats until this much time has passed
  // (at least min_repeats runs) and keeps the fastest run.
  double seconds_per_point = 0.05;
  int min_repeats = 3;  // >= 1
  // Smaller grids for a CI smoke run (about a quarter of the points).
  bool quick = false;
  // Seed of the random weights (timings do not depend on it; kept for reproducibility).
  uint32_t seed = 42;
};

struct MeasureResult {
  HardwareSpec hardware;                  // measured peak and bandwidth (kind cpu)
  ModelSpec small_model;                  // the random-weight decoder whose steps were timed
  std::vector<Measurement> measurements;  // GEMM, attention (op rows) and step rows
  double elapsed_s = 0.0;                 // wall time of the whole run
};

// The small decoder the harness times (a synthetic shape, not a real model): 4 layers, d_model
// 1024, 16 heads of 64, 8 KV heads, gated MLP 2816, vocabulary 8192, tied embeddings. Its fp32
// weights (~220 MB) are far larger than a CPU's last-level cache, so decode steps stream them
// from DRAM as a real model's do, while a step still takes only tens of milliseconds on one core.
ModelSpec HarnessSmallModel();

// Runs the harness. progress (may be empty) receives one line per stage.
MeasureResult RunMeasureHarness(const MeasureOptions& options,
                                const std::function<void(const std::string&)>& progress = {});

// YAML text of a hardware spec (models/SCHEMA.md keys) and of a model spec, so the measured
// device and the small decoder can be loaded back by LoadHardwareSpecYaml / ResolveModel.
std::string HardwareSpecYaml(const HardwareSpec& hardware);
std::string ModelSpecYaml(const ModelSpec& model);

}  // namespace rightsize
