// Sweeps: every combination of a grid of models, hardware, batch, prompt / output lengths,
// weight precision and tensor-parallel degree, predicted in parallel on all cores. The same
// forward model as `predict` (EstimateLatency + PriceInference), without the bisections for
// max batch / context, so a 100,000-point sweep takes seconds.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/cost/efficiency_params.h"
#include "sim/cost/latency.h"
#include "sim/cost/money.h"
#include "sim/cost/step_table.h"
#include "sim/spec/catalog.h"
#include "sim/util/block_compress.h"
#include "sim/util/work_units.h"

namespace rightsize {

struct SweepGrid {
  std::vector<std::string> models;    // catalogue ids or config paths
  std::vector<std::string> hardware;  // catalogue ids
  std::vector<int64_t> batch = {1};
  std::vector<int64_t> prompt_tokens = {512};
  std::vector<int64_t> gen_tokens = {128};
  std::vector<Precision> weights = {Precision::kBf16};
  std::vector<int> tensor_parallel = {1};
  size_t Size() const;
};

struct SweepRow {
  // Indices into the grid's vectors.
  uint32_t model = 0, hardware = 0, batch = 0, prompt = 0, gen = 0, weights = 0, tp = 0;
  bool feasible = false;
  std::string reason;                  // why not (only when infeasible)
  double memory_bytes_per_device = 0;  // required
  double ttft_s = 0, tpot_s = 0, e2e_latency_s = 0;
  double decode_tokens_per_s = 0;            // one replica
  double usd_per_million_output_tokens = 0;  // NaN when no price is known
  double j_per_output_token = 0;
};

using SweepProgress = std::function<void(size_t done, size_t total)>;

// One grid point at a time: the ids resolved once (unknown ids fail in the constructor), then
// Predict(i) for the i-th point in grid order (the last axis, tp, varies fastest), from scratch
// with EstimateLatency and PriceInference as `predict` does. Thread-safe. SweepCursor predicts
// the same rows faster.
class SweepPointPredictor {
 public:
  SweepPointPredictor(const SweepGrid& grid, const Catalog& catalog,
                      const DeviceEfficiencyParams& params);
  SweepRow Predict(size_t i) const;

 private:
  friend class SweepCursor;
  SweepRow IndicesOf(size_t i) const;            // the row's grid indices, nothing predicted
  Workload WorkloadOf(const SweepRow& r) const;  // the point's workload
  // The figures of a feasible point from its latency estimate.
  void SetFigures(const Workload& w, const LatencyEstimate& e, SweepRow* r) const;

  const SweepGrid& grid_;
  std::vector<ModelSpec> models_;
  std::vector<const HardwareSpec*> hardware_;
  std::vector<EfficiencyParams> hardware_params_;  // copies: the caller's params may be a temporary
  std::vector<std::optional<DevicePrice>> prices_;
};

// Predicts grid points, fastest in increasing order, reusing what neighbouring points share: per
// (model, hardware, batch, precision, TP) the weights' bytes, the layout checks and the decode
// step as an operator table over contexts (sim/cost/step_table.h); per prompt length the prefill
// step. The rows equal SweepPointPredictor::Predict's bit for bit (tests/plan/sweep_test.cc).
// Not thread-safe: one per thread.
class SweepCursor {
 public:
  explicit SweepCursor(const SweepPointPredictor& points);
  SweepRow Predict(size_t i);
  // The same row written over *row, whose reason keeps its buffer: nothing is allocated per point
  // once the buffers have grown (the streamed sweep predicts millions of points this way).
  void Predict(size_t i, SweepRow* row);

 private:
  // What the points of one (model, hardware, batch, precision, TP) share.
  struct Layout {
    bool resolved = false;
    double weights_bytes = 0.0;             // InferenceWeightBytesPerDevice
    std::string infeasible_reason;          // LayoutInfeasibleReason
    DeviceRates rates;                      // ResolveRates
    std::optional<DecodeStepTable> decode;  // built at the first feasible point
    std::optional<StepBreakdown> prefill;   // for the current prompt length
  };
  // Sets indices_ to the grid indices of point i, counted on from the last point.
  void MoveTo(size_t i);
  // The layout of the row's (model, hardware, batch, precision, TP), starting a new block of
  // layouts when the row leaves the last one's (model, hardware, batch), and dropping the prefill
  // steps when it leaves the last one's prompt length.
  Layout& LayoutOf(const SweepRow& r);

  const SweepPointPredictor& points_;
  size_t next_ = SIZE_MAX;        // the point after the last one predicted
  SweepRow indices_;              // the last point's indices
  size_t block_ = SIZE_MAX;       // (model, hardware, batch) of the layouts_
  uint32_t prompt_ = UINT32_MAX;  // prompt index of the layouts_' prefill steps
  std::vector<Layout> layouts_;   // by precision x TP index
};

// threads = 0: all cores. Rows come back in grid order. Each device is priced with
// params.For(its id). With a runner the points are split into ranges it runs (on other MPI
// ranks too); the rows are the same, bit for bit.
std::vector<SweepRow> RunSweep(const SweepGrid& grid, const Catalog& catalog,
                               const DeviceEfficiencyParams& params, int threads = 0,
                               const SweepProgress& progress = nullptr,
                               const UnitRunner* runner = nullptr);

// CSV with a header: model, hardware, batch, prompt_tokens, gen_tokens, weights, tp, feasible,
// reason, memory_bytes_per_device, ttft_s, tpot_s, e2e_latency_s, decode_tokens_per_s,
// usd_per_million_output_tokens, j_per_output_token. Numbers as printf's %.6g; a non-finite
// number and the figures of an infeasible point are empty.
std::string SweepCsv(const SweepGrid& grid, const std::vector<SweepRow>& rows);
std::string SweepCsvHeader();
std::string SweepCsvLine(const SweepGrid& grid, const SweepRow& row);

// Appends CSV lines of one grid's rows to a reused buffer: the grid's values are escaped once and
// numbers are written with std::to_chars, so a line costs no allocation (SweepCsvLine uses it).
class SweepCsvWriter {
 public:
  explicit SweepCsvWriter(const SweepGrid& grid);
  void Append(const SweepRow& row, std::string* out) const;

 private:
  // Each axis value as a CSV field followed by a comma.
  std::vector<std::string> models_, hardware_, batch_, prompt_, gen_, weights_, tp_;
};

// The same CSV as SweepCsv, streamed: the header, then the rows of each range of grid points
// (predicted, formatted and compressed in parallel by `runner`, on MPI ranks too) in grid order,
// passed to `write` on the gathering process as soon as the ranges before them are written.
// Each piece passed to `write` is CompressBlock of its text (sim/util/block_compress.h): a gzip
// member or zstd frame, so the pieces concatenate into one valid compressed file. The ranges
// have a fixed size (kMaxChunkUnits points), so the bytes do not depend on the runner. Memory
// stays bounded by a few ranges per worker, whatever the grid's size.
void StreamSweepCsv(const SweepGrid& grid, const Catalog& catalog,
                    const DeviceEfficiencyParams& params, const UnitRunner& runner,
                    BlockCompression compression,
                    const std::function<void(std::string&& bytes)>& write,
                    const SweepProgress& progress = nullptr);
nlohmann::json SweepJson(const SweepGrid& grid, const std::vector<SweepRow>& rows);

}  // namespace rightsize
