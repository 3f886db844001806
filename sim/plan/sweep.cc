#include "sim/plan/sweep.h"

#include <atomic>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "sim/cost/latency.h"
#include "sim/cost/memory.h"
#include "sim/cost/money.h"
#include "sim/util/csv.h"
#include "sim/util/error.h"
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
    hardware_params_.push_back(&params.For(id));
    prices_.push_back(ResolvePrice(catalog, id, 0.0));
  }
}

SweepRow SweepPointPredictor::Predict(size_t i) const {
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
  Workload w;
  w.batch = g.batch[r.batch];
  w.prompt_tokens = g.prompt_tokens[r.prompt];
  w.gen_tokens = g.gen_tokens[r.gen];
  w.weights = g.weights[r.weights];
  w.parallel.tensor = g.tensor_parallel[r.tp];
  const ModelSpec& m = models_[r.model];
  const HardwareSpec& hw = *hardware_[r.hardware];
  r.memory_bytes_per_device = EstimateMemoryPerDevice(m, w).Total();
  const LatencyEstimate e = EstimateLatency(m, hw, w, *hardware_params_[r.hardware]);
  r.feasible = e.feasible;
  if (!e.feasible) {
    r.reason = e.reason;
    return r;
  }
  r.ttft_s = e.ttft_s;
  r.tpot_s = e.tpot_s;
  r.e2e_latency_s = e.e2e_latency_s;
  r.decode_tokens_per_s = e.decode_tokens_per_s;
  const InferenceCost cost = PriceInference(hw, w, e, prices_[r.hardware]);
  r.usd_per_million_output_tokens =
      cost.priced ? cost.usd_per_million_output_tokens : std::numeric_limits<double>::quiet_NaN();
  r.j_per_output_token = cost.j_per_output_token;
  return r;
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
          for (size_t i = begin; i < end; ++i) EncodeSweepRow(predictor.Predict(i), out);
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
    for (;;) {
      const size_t begin = next.fetch_add(kChunk);
      if (begin >= total) return;
      const size_t end = std::min(total, begin + kChunk);
      for (size_t i = begin; i < end; ++i) rows[i] = predictor.Predict(i);
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

std::string SweepCsvLine(const SweepGrid& g, const SweepRow& r) {
  auto num = [](double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : std::string(); };
  return CsvLine({g.models[r.model], g.hardware[r.hardware], std::to_string(g.batch[r.batch]),
                  std::to_string(g.prompt_tokens[r.prompt]), std::to_string(g.gen_tokens[r.gen]),
                  ToString(g.weights[r.weights]), std::to_string(g.tensor_parallel[r.tp]),
                  r.feasible ? "true" : "false", r.reason, num(r.memory_bytes_per_device),
                  r.feasible ? num(r.ttft_s) : "", r.feasible ? num(r.tpot_s) : "",
                  r.feasible ? num(r.e2e_latency_s) : "",
                  r.feasible ? num(r.decode_tokens_per_s) : "",
                  r.feasible ? num(r.usd_per_million_output_tokens) : "",
                  r.feasible ? num(r.j_per_output_token) : ""});
}

std::string SweepCsv(const SweepGrid& g, const std::vector<SweepRow>& rows) {
  std::string out = SweepCsvHeader();
  out.reserve(rows.size() * 160);
  for (const auto& r : rows) out += SweepCsvLine(g, r);
  return out;
}

void StreamSweepCsv(const SweepGrid& grid, const Catalog& catalog,
                    const DeviceEfficiencyParams& params, const UnitRunner& runner,
                    const std::function<void(std::string&& csv)>& write,
                    const SweepProgress& progress) {
  const SweepPointPredictor predictor(grid, catalog, params);
  bool header_written = false;
  runner.RunInOrder(
      grid.Size(), 4096,
      [&](size_t begin, size_t end) {
        // The rows of a range become CSV where they are predicted (in parallel, on any rank).
        std::string csv;
        for (size_t i = begin; i < end; ++i) csv += SweepCsvLine(grid, predictor.Predict(i));
        return csv;
      },
      [&](std::string&& csv) {
        if (!header_written) write(SweepCsvHeader());
        header_written = true;
        write(std::move(csv));
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
