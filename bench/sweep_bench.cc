// Cost per grid point of a streamed sweep on one core, by stage: predicting (SweepCursor), then
// formatting the CSV row, then compressing it (gzip level 1 or zstd level 1 blocks of 16,384
// points, as `rightsize sweep -o F.csv.gz|.zst` does). The grid is the 10^8-point grid of
// bench/scale_benchmarks.py (5 models x 5 GPUs x 200 batches x 25 prompts x 40 outputs x 5
// precisions x 4 TP); each iteration predicts one range of 16,384 points, the ranges spread over
// the whole grid.
#include <benchmark/benchmark.h>

#include <string>

#include "sim/plan/sweep.h"
#include "sim/spec/catalog.h"
#include "sim/util/block_compress.h"
#include "sim/util/work_units.h"

namespace rightsize {
namespace {

SweepGrid HundredMillionPointGrid() {
  SweepGrid g;
  g.models = {"llama-3-8b", "llama-3-70b", "qwen2.5-7b", "mixtral-8x7b", "qwen2.5-72b"};
  g.hardware = {"h100-sxm5-80gb", "a100-sxm4-80gb", "l40s", "rtx-4090", "h200-sxm-141gb"};
  g.batch.clear();
  for (int64_t b = 1; b <= 200; ++b) g.batch.push_back(b);
  g.prompt_tokens.clear();
  for (int64_t k = 1; k <= 25; ++k) g.prompt_tokens.push_back(128 * k);
  g.gen_tokens.clear();
  for (int64_t k = 1; k <= 40; ++k) g.gen_tokens.push_back(16 * k);
  g.weights = {Precision::kBf16, Precision::kFp8, Precision::kInt8, Precision::kInt4,
               Precision::kQ4_K_M};
  g.tensor_parallel = {1, 2, 4, 8};
  return g;
}

// stage 0: predict; 1: + CSV; 2: + gzip; 3: + zstd.
void SweepPoints(benchmark::State& state, int stage) {
  const SweepGrid grid = HundredMillionPointGrid();
  const SweepPointPredictor points(grid, Catalog::Default(), EfficiencyParams::Defaults());
  const SweepCsvWriter writer(grid);
  const size_t ranges = grid.Size() / kMaxChunkUnits;
  size_t range = 0, done = 0, bytes = 0;
  std::string csv;
  for (auto _ : state) {
    // A stride prime to the number of ranges visits all of them, spread over the grid.
    range = (range + 7919) % ranges;
    SweepCursor cursor(points);
    csv.clear();
    double sum = 0.0;
    SweepRow row;
    for (size_t i = range * kMaxChunkUnits; i < (range + 1) * kMaxChunkUnits; ++i) {
      cursor.Predict(i, &row);
      if (stage == 0) {
        sum += row.tpot_s;
      } else {
        writer.Append(row, &csv);
      }
    }
    benchmark::DoNotOptimize(sum);
    if (stage == 2) bytes += CompressBlock(csv, BlockCompression::kGzip).size();
    if (stage == 3) bytes += CompressBlock(csv, BlockCompression::kZstd).size();
    benchmark::DoNotOptimize(bytes);
    done += kMaxChunkUnits;
  }
  state.counters["points_per_s"] =
      benchmark::Counter(static_cast<double>(done), benchmark::Counter::kIsRate);
}

void BM_SweepPointsPredict(benchmark::State& s) { SweepPoints(s, 0); }
void BM_SweepPointsCsv(benchmark::State& s) { SweepPoints(s, 1); }
void BM_SweepPointsCsvGzip(benchmark::State& s) { SweepPoints(s, 2); }
void BM_SweepPointsCsvZstd(benchmark::State& s) { SweepPoints(s, 3); }

BENCHMARK(BM_SweepPointsPredict)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SweepPointsCsv)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SweepPointsCsvGzip)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SweepPointsCsvZstd)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace rightsize
