#include "sim/plan/sweep.h"

#include <atomic>
#include <cmath>
#include <limits>
#include <type_traits>

#include <fmt/format.h>

#include "sim/cost/latency.h"
#include "sim/cost/memory.h"
#include "sim/cost/money.h"
#include "sim/util/csv.h"
#include "sim/util/error.h"
#include "sim/util/number_text.h"
#include "sim/util/parallel.h"

namespace rightsize {

size_t SweepGrid::Size() const {
  return models.size() * hardware.size() * batch.size() * prompt_tokens.size() * gen_tokens.size() *
         weights.size() * tensor_parallel.size();
}

namespace {

void EncodeSweepRow(const SweepRow& r, ByteWriter& out) {
  for (uint32_t index : {r.model, r.hardware, r.batch, r.prompt, r.gen, r.weights, r.tp}) {
    out.PutInt(index);
  }
  out.PutBool(r.feasible);
  out.PutString(r.reason);
  for (double v : {r.memory_bytes_per_device, r.ttft_s, r.tpot_s, r.e2e_latency_s,
                   r.decode_tokens_per_s, r.usd_per_million_output_tokens, r.j_per_output_token}) {
    out.PutDouble(v);
  }
}

SweepRow DecodeSweepRow(ByteReader& in) {
  SweepRow r;
  for (uint32_t* index : {&r.model, &r.hardware, &r.batch, &r.prompt, &r.gen, &r.weights, &r.tp}) {
    *index = static_cast<uint32_t>(in.Int());
  }
  r.feasible = in.Bool();
  r.reason = in.String();
  for (double* v :
       {&r.memory_bytes_per_device, &r.ttft_s, &r.tpot_s, &r.e2e_latency_s, &r.decode_tokens_per_s,
        &r.usd_per_million_output_tokens, &r.j_per_output_token}) {
    *v = in.Double();
  }
  return r;
}

}  // namespace

SweepPointPredictor::SweepPointPredictor(const SweepGrid& grid, const Catalog& catalog,
                                         const DeviceEfficiencyParams& params)
    : grid_(grid) {
  // Resolve every id once, up front: unknown ids fail before any work starts.
  for (const auto& id : grid.models) models_.push_back(catalog.ResolveModel(id));
  for (const auto& id : grid.hardware) {
    hardware_.push_back(&catalog.Hardware(id));
    hardware_params_.push_back(params.For(id));
    prices_.push_back(ResolvePrice(catalog, id, 0.0));
  }
}

SweepRow SweepPointPredictor::IndicesOf(size_t i) const {
  const SweepGrid& g = grid_;
  size_t rest = i;
  SweepRow r;
  r.tp = static_cast<uint32_t>(rest % g.tensor_parallel.size());
  rest /= g.tensor_parallel.size();
  r.weights = static_cast<uint32_t>(rest % g.weights.size());
  rest /= g.weights.size();
  r.gen = static_cast<uint32_t>(rest % g.gen_tokens.size());
  rest /= g.gen_tokens.size();
  r.prompt = static_cast<uint32_t>(rest % g.prompt_tokens.size());
  rest /= g.prompt_tokens.size();
  r.batch = static_cast<uint32_t>(rest % g.batch.size());
  rest /= g.batch.size();
  r.hardware = static_cast<uint32_t>(rest % g.hardware.size());
  rest /= g.hardware.size();
  r.model = static_cast<uint32_t>(rest);
  return r;
}

Workload SweepPointPredictor::WorkloadOf(const SweepRow& r) const {
  Workload w;
  w.batch = grid_.batch[r.batch];
  w.prompt_tokens = grid_.prompt_tokens[r.prompt];
  w.gen_tokens = grid_.gen_tokens[r.gen];
  w.weights = grid_.weights[r.weights];
  w.parallel.tensor = grid_.tensor_parallel[r.tp];
  return w;
}

void SweepPointPredictor::SetFigures(const Workload& w, const LatencyEstimate& e,
                                     SweepRow* r) const {
  r->feasible = true;
  r->ttft_s = e.ttft_s;
  r->tpot_s = e.tpot_s;
  r->e2e_latency_s = e.e2e_latency_s;
  r->decode_tokens_per_s = e.decode_tokens_per_s;
  const InferenceCost cost = PriceInference(*hardware_[r->hardware], w, e, prices_[r->hardware]);
  r->usd_per_million_output_tokens =
      cost.priced ? cost.usd_per_million_output_tokens : std::numeric_limits<double>::quiet_NaN();
  r->j_per_output_token = cost.j_per_output_token;
}

SweepRow SweepPointPredictor::Predict(size_t i) const {
  SweepRow r = IndicesOf(i);
  const Workload w = WorkloadOf(r);
  const ModelSpec& m = models_[r.model];
  r.memory_bytes_per_device = EstimateMemoryPerDevice(m, w).Total();
  const LatencyEstimate e =
      EstimateLatency(m, *hardware_[r.hardware], w, hardware_params_[r.hardware]);
  if (!e.feasible) {
    r.reason = e.reason;
    return r;
  }
  SetFigures(w, e, &r);
  return r;
}

SweepCursor::SweepCursor(const SweepPointPredictor& points) : points_(points) {}

void SweepCursor::MoveTo(size_t i) {
  const SweepGrid& g = points_.grid_;
  if (i != next_) {
    indices_ = points_.IndicesOf(i);
  } else {
    // The next point: count up like an odometer, tp fastest.
    const std::pair<uint32_t*, size_t> axes[] = {
        {&indices_.tp, g.tensor_parallel.size()}, {&indices_.weights, g.weights.size()},
        {&indices_.gen, g.gen_tokens.size()},     {&indices_.prompt, g.prompt_tokens.size()},
        {&indices_.batch, g.batch.size()},        {&indices_.hardware, g.hardware.size()},
        {&indices_.model, g.models.size()}};
    for (const auto& [index, size] : axes) {
      if (++*index < size) break;
      *index = 0;
    }
  }
  next_ = i + 1;
}

SweepRow SweepCursor::Predict(size_t i) {
  SweepRow r;
  Predict(i, &r);
  return r;
}

SweepCursor::Layout& SweepCursor::LayoutOf(const SweepRow& r) {
  const SweepGrid& g = points_.grid_;
  const size_t block =
      (static_cast<size_t>(r.model) * g.hardware.size() + r.hardware) * g.batch.size() + r.batch;
  if (block != block_) {
    block_ = block;
    layouts_.clear();
    layouts_.resize(g.weights.size() * g.tensor_parallel.size());
    prompt_ = UINT32_MAX;
  }
  if (r.prompt != prompt_) {
    prompt_ = r.prompt;
    for (Layout& layout : layouts_) layout.prefill.reset();
  }
  return layouts_[r.weights * g.tensor_parallel.size() + r.tp];
}

void SweepCursor::Predict(size_t i, SweepRow* row) {
  const SweepPointPredictor& p = points_;
  MoveTo(i);
  SweepRow& r = *row;
  // The row starts over as a default one, keeping its reason's buffer.
  std::string reason = std::move(r.reason);
  reason.clear();
  r = indices_;
  r.reason = std::move(reason);
  Layout& layout = LayoutOf(r);
  const Workload w = p.WorkloadOf(r);
  // EstimateMemoryPerDevice's check, which Predict meets first.
  if (std::string why; !Validate(w, &why)) throw InputError({"", 0, "workload"}, why);
  const ModelSpec& m = p.models_[r.model];
  const HardwareSpec& hw = *p.hardware_[r.hardware];
  const EfficiencyParams& params = p.hardware_params_[r.hardware];
  if (!layout.resolved) {
    layout.weights_bytes = InferenceWeightBytesPerDevice(m, w);
    layout.infeasible_reason = LayoutInfeasibleReason(m, hw, w.parallel);
    layout.rates = ResolveRates(hw, w);
    layout.resolved = true;
  }
  // EstimateLatency's steps, in its order: the layout, the memory, then the two steps.
  const MemoryBreakdown memory = InferenceMemoryPerDevice(m, w, layout.weights_bytes);
  r.memory_bytes_per_device = memory.Total();
  if (!layout.infeasible_reason.empty()) {
    r.reason.append(layout.infeasible_reason);
    return;
  }
  if (!FitsDevice(memory, hw, w)) {
    AppendOutOfMemoryReason(memory, hw, w, &r.reason);
    return;
  }
  if (!layout.decode) layout.decode.emplace(m, w, layout.rates, params);
  if (!layout.prefill)
    layout.prefill = AnalyseStep(CountOps(m, w, PrefillStep(w)), layout.rates, params);
  LatencyEstimate e;
  e.feasible = true;
  e.prefill = *layout.prefill;
  e.decode = layout.decode->Breakdown(w.prompt_tokens + w.gen_tokens / 2);
  SetInferenceFigures(w, &e);
  p.SetFigures(w, e, &r);
}

std::vector<SweepRow> RunSweep(const SweepGrid& g, const Catalog& catalog,
                               const DeviceEfficiencyParams& params, int threads,
                               const SweepProgress& progress, const UnitRunner* runner) {
  const SweepPointPredictor predictor(g, catalog, params);
  const size_t total = g.Size();
  std::vector<SweepRow> rows(total);
  if (runner) {
    // Another process may predict a range: the rows travel as bytes (bit-exact doubles).
    constexpr size_t kMinChunk = 4096;  // ~1 ms of predictions per message at least
    const auto bytes = runner->Run(
        total, kMinChunk,
        [&](size_t begin, size_t end) {
          ByteWriter out;
          SweepCursor cursor(predictor);
          for (size_t i = begin; i < end; ++i) EncodeSweepRow(cursor.Predict(i), out);
          return std::move(out.Bytes());
        },
        progress);
    size_t i = 0;
    for (const auto& chunk : bytes) {
      ByteReader in(chunk);
      while (!in.AtEnd()) rows[i++] = DecodeSweepRow(in);
    }
    RS_CHECK(i == total, "the gathered sweep has the wrong number of rows");
    return rows;
  }
  std::atomic<size_t> next{0}, done{0};
  constexpr size_t kChunk = 256;
  auto worker = [&] {
    SweepCursor cursor(predictor);
    for (;;) {
      const size_t begin = next.fetch_add(kChunk);
      if (begin >= total) return;
      const size_t end = std::min(total, begin + kChunk);
      for (size_t i = begin; i < end; ++i) cursor.Predict(i, &rows[i]);
      const size_t now = done.fetch_add(end - begin) + (end - begin);
      if (progress) progress(now, total);
    }
  };
  RunOnThreads(threads, worker);
  return rows;
}

std::string SweepCsvHeader() {
  return CsvLine({"model", "hardware", "batch", "prompt_tokens", "gen_tokens", "weights", "tp",
                  "feasible", "reason", "memory_bytes_per_device", "ttft_s", "tpot_s",
                  "e2e_latency_s", "decode_tokens_per_s", "usd_per_million_output_tokens",
                  "j_per_output_token"});
}

namespace {

// A number as printf's %.6g at `at`, nothing when not finite; returns the end.
char* PutNumber(double v, char* at) { return std::isfinite(v) ? PrintG6(v, at) : at; }

// The most characters of the seven numbers of a row, their commas and the line's end: PrintG6
// writes at most 13 ("-1.23457e-100").
constexpr size_t kMaxRowNumbersChars = 7 * 14 + 1;

template <typename T>
std::vector<std::string> FieldsOf(const std::vector<T>& values) {
  std::vector<std::string> fields;
  for (const auto& v : values) {
    if constexpr (std::is_same_v<T, std::string>) {
      fields.push_back(CsvEscape(v) + ",");
    } else if constexpr (std::is_same_v<T, Precision>) {
      fields.push_back(CsvEscape(ToString(v)) + ",");
    } else {
      fields.push_back(std::to_string(v) + ",");
    }
  }
  return fields;
}

}  // namespace

SweepCsvWriter::SweepCsvWriter(const SweepGrid& g)
    : models_(FieldsOf(g.models)),
      hardware_(FieldsOf(g.hardware)),
      batch_(FieldsOf(g.batch)),
      prompt_(FieldsOf(g.prompt_tokens)),
      gen_(FieldsOf(g.gen_tokens)),
      weights_(FieldsOf(g.weights)),
      tp_(FieldsOf(g.tensor_parallel)) {}

void SweepCsvWriter::Append(const SweepRow& r, std::string* out) const {
  for (const std::string* field :
       {&models_[r.model], &hardware_[r.hardware], &batch_[r.batch], &prompt_[r.prompt],
        &gen_[r.gen], &weights_[r.weights], &tp_[r.tp]}) {
    out->append(*field);
  }
  out->append(r.feasible ? "true," : "false,");
  AppendCsvField(r.reason, out);
  // The numbers are written in place, into room made for the longest ones, then the line is cut
  // to what they took.
  const size_t start = out->size();
  out->resize(start + kMaxRowNumbersChars);
  char* at = out->data() + start;
  *at++ = ',';
  at = PutNumber(r.memory_bytes_per_device, at);
  for (double v : {r.ttft_s, r.tpot_s, r.e2e_latency_s, r.decode_tokens_per_s,
                   r.usd_per_million_output_tokens, r.j_per_output_token}) {
    *at++ = ',';
    if (r.feasible) at = PutNumber(v, at);
  }
  *at++ = '\n';
  out->resize(static_cast<size_t>(at - out->data()));
}

std::string SweepCsvLine(const SweepGrid& g, const SweepRow& r) {
  std::string line;
  SweepCsvWriter(g).Append(r, &line);
  return line;
}

std::string SweepCsv(const SweepGrid& g, const std::vector<SweepRow>& rows) {
  std::string out = SweepCsvHeader();
  out.reserve(rows.size() * 128);
  const SweepCsvWriter writer(g);
  for (const auto& r : rows) writer.Append(r, &out);
  return out;
}

void StreamSweepCsv(const SweepGrid& grid, const Catalog& catalog,
                    const DeviceEfficiencyParams& params, const UnitRunner& runner,
                    BlockCompression compression,
                    const std::function<void(std::string&& bytes)>& write,
                    const SweepProgress& progress) {
  const SweepPointPredictor predictor(grid, catalog, params);
  const SweepCsvWriter writer(grid);
  bool header_written = false;
  // Ranges of exactly kMaxChunkUnits points (the last may be shorter) whatever the runner, so
  // the compressed blocks, and the file, are the same on threads and on MPI ranks.
  runner.RunInOrder(
      grid.Size(), kMaxChunkUnits,
      [&](size_t begin, size_t end) {
        // The rows of a range become CSV, then one compressed block, where they are predicted.
        SweepCursor cursor(predictor);
        SweepRow row;
        std::string csv;
        csv.reserve((end - begin) * 128);
        for (size_t i = begin; i < end; ++i) {
          cursor.Predict(i, &row);
          writer.Append(row, &csv);
        }
        return CompressBlock(csv, compression);
      },
      [&](std::string&& bytes) {
        if (!header_written) write(CompressBlock(SweepCsvHeader(), compression));
        header_written = true;
        write(std::move(bytes));
      },
      progress);
}

nlohmann::json SweepJson(const SweepGrid& g, const std::vector<SweepRow>& rows) {
  nlohmann::json j;
  j["schema_version"] = 1;
  auto value = [](bool ok, double v) {
    return ok && std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
  };
  for (const auto& r : rows) {
    j["rows"].push_back(
        {{"model", g.models[r.model]},
         {"hardware", g.hardware[r.hardware]},
         {"batch", g.batch[r.batch]},
         {"prompt_tokens", g.prompt_tokens[r.prompt]},
         {"gen_tokens", g.gen_tokens[r.gen]},
         {"weights", ToString(g.weights[r.weights])},
         {"tp", g.tensor_parallel[r.tp]},
         {"feasible", r.feasible},
         {"reason", r.reason},
         {"memory_bytes_per_device", r.memory_bytes_per_device},
         {"ttft_s", value(r.feasible, r.ttft_s)},
         {"tpot_s", value(r.feasible, r.tpot_s)},
         {"e2e_latency_s", value(r.feasible, r.e2e_latency_s)},
         {"decode_tokens_per_s", value(r.feasible, r.decode_tokens_per_s)},
         {"usd_per_million_output_tokens", value(r.feasible, r.usd_per_million_output_tokens)},
         {"j_per_output_token", value(r.feasible, r.j_per_output_token)}});
  }
  return j;
}

}  // namespace rightsize
