// The measure harness (see measure_harness.h). Everything here is single-threaded Eigen fp32:
// the measured peak and bandwidth describe exactly the kernels the step timings use, so the
// fitted efficiencies are fractions of what this code can reach on this machine.
#include "sim/logs/measure_harness.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <thread>

#include <unistd.h>

#include <fmt/format.h>
#include <Eigen/Dense>

namespace rightsize {
namespace {

using Clock = std::chrono::steady_clock;
using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXf;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Fastest wall time of fn over repeats: at least min_repeats runs and until the budget is used.
// The minimum, not the mean or median, because on a shared machine (a 2-core CI runner with a
// compiler running beside it) interference only ever adds time; the fastest run is the closest
// to what the kernel itself costs.
template <typename Fn>
double TimeBest_s(const MeasureOptions& o, Fn&& fn) {
  fn();  // warm up: page in the buffers, let the clock settle
  double best = 1e300;
  int runs = 0;
  const auto start = Clock::now();
  while (runs < o.min_repeats ||
         (Seconds(start, Clock::now()) < o.seconds_per_point && runs < 1000)) {
    const auto a = Clock::now();
    fn();
    best = std::min(best, Seconds(a, Clock::now()));
    ++runs;
  }
  return best;
}

// Operands of a timed kernel are rotated through copies totalling at least this many bytes, so
// every run streams them from DRAM as a model's weights and KV cache are streamed in a real
// step, instead of hitting a cache warmed by the previous repeat.
constexpr double kColdBytes = 256.0 * 1024 * 1024;

int CopiesForCold(double bytes_per_copy) {
  return static_cast<int>(std::clamp(std::ceil(kColdBytes / bytes_per_copy), 1.0, 4096.0));
}

// Keeps a result alive so the optimiser cannot drop the timed work.
volatile float g_sink = 0.0f;

// y = x * w, the way a CPU inference engine runs a weight matmul. For a few rows (decode
// batches) Eigen's general GEMM packs the whole weight matrix and runs its kernel far below peak,
// which no serving engine does; so small-M products walk the (row-major) weights in panels of
// kPanelRows rows, read from DRAM once and reused from cache by every row of x (llama.cpp's CPU
// mat-mul does the same with its vec_dot over cached weight blocks). Large M uses Eigen's GEMM.
void Matmul(const Matrix& x, const Matrix& w, Matrix& y) {
  constexpr Eigen::Index kSmallRows = 16, kPanelRows = 16;
  if (x.rows() > kSmallRows || x.rows() == 1) {  // Eigen's GEMM, or its GEMV for one row
    y.noalias() = x * w;
    return;
  }
  y.setZero();
  for (Eigen::Index k = 0; k < w.rows(); k += kPanelRows) {
    const Eigen::Index rows = std::min(kPanelRows, w.rows() - k);
    const auto panel = w.middleRows(k, rows);
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      y.row(i).noalias() += x.row(i).segment(k, rows) * panel;
    }
  }
}

Workload Fp32Workload() {
  Workload w;
  w.weights = w.activations = w.kv_cache = Precision::kFp32;
  w.engine = "eigen";
  return w;
}

// Peak: a 768^3 GEMM, large enough for Eigen's blocked kernel to reach its steady state and
// small enough to take ~10-30 ms on one core.
double MeasurePeakFlops(const MeasureOptions& o) {
  const int n = o.quick ? 512 : 768;
  Matrix a = Matrix::Random(n, n), b = Matrix::Random(n, n), c(n, n);
  const double t = TimeBest_s(o, [&] {
    c.noalias() = a * b;
    g_sink = c(0, 0);
  });
  return 2.0 * n * n * static_cast<double>(n) / t;
}

// STREAM triad a = b + s*c on arrays far larger than the last-level cache (3 x 64 MiB; server
// CPUs have up to hundreds of MiB of L3 in total, a VM usually sees one slice of it); bytes
// counted as STREAM does: 2 reads + 1 write per element (McCalpin 1995).
double MeasureTriadBandwidth(const MeasureOptions& o) {
  const Eigen::Index n = 16 << 20;
  Vector a = Vector::Zero(n), b = Vector::Random(n), c = Vector::Random(n);
  const double t = TimeBest_s(o, [&] {
    a.noalias() = b + 1.5f * c;
    g_sink = a(0);
  });
  return 3.0 * 4.0 * static_cast<double>(n) / t;
}

double PhysicalMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 1e9;
}

// A decoder layer's weights, random.
struct Layer {
  Matrix wqkv, wo, wgate_up, wdown;
  Vector norm1, norm2;
};

void RmsNorm(Matrix& x, const Vector& g) {
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    const float s = 1.0f / std::sqrt(x.row(r).squaredNorm() / static_cast<float>(x.cols()) + 1e-6f);
    x.row(r) = x.row(r).cwiseProduct(g.transpose()) * s;
  }
}

// The small random-weight decoder with a KV cache per sequence.
class SmallDecoder {
 public:
  SmallDecoder(const ModelSpec& m, int64_t max_batch, int64_t max_context) : m_(m) {
    const auto h = m.d_model, q = m.QueryDim(), kv = m.KvDim(), f = m.d_ff;
    for (int64_t l = 0; l < m.num_layers; ++l) {
      layers_.push_back({Matrix::Random(h, q + 2 * kv) * 0.02f, Matrix::Random(q, h) * 0.02f,
                         Matrix::Random(h, 2 * f) * 0.02f, Matrix::Random(f, h) * 0.02f,
                         Vector::Ones(h), Vector::Ones(h)});
    }
    embedding_ = Matrix::Random(m.vocab_size, h) * 0.02f;
    lm_head_ = embedding_.transpose();  // tied: same values, stored h x vocab for the matmul
    final_norm_ = Vector::Ones(h);
    k_cache_.assign(static_cast<size_t>(m.num_layers * max_batch), Matrix::Random(max_context, kv));
    v_cache_.assign(static_cast<size_t>(m.num_layers * max_batch), Matrix::Random(max_context, kv));
    max_batch_ = max_batch;
  }

  // One step: `batch` sequences each add `new_tokens` tokens after `past` cached tokens.
  float Step(int64_t batch, int64_t new_tokens, int64_t past) {
    const auto h = m_.d_model, q = m_.QueryDim(), kv = m_.KvDim(), hd = m_.head_dim, f = m_.d_ff;
    const auto tokens = batch * new_tokens;
    Matrix x(tokens, h);
    for (int64_t t = 0; t < tokens; ++t) x.row(t) = embedding_.row((t * 7919) % m_.vocab_size);
    const int64_t group = m_.num_heads / m_.num_kv_heads;
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    for (int64_t l = 0; l < m_.num_layers; ++l) {
      Layer& L = layers_[static_cast<size_t>(l)];
      Matrix y = x;
      RmsNorm(y, L.norm1);
      Matrix qkv(tokens, q + 2 * kv);
      Matmul(y, L.wqkv, qkv);
      Matrix attn(tokens, q);
      for (int64_t b = 0; b < batch; ++b) {
        Matrix& K = k_cache_[static_cast<size_t>(l * max_batch_ + b)];
        Matrix& V = v_cache_[static_cast<size_t>(l * max_batch_ + b)];
        K.middleRows(past, new_tokens) = qkv.block(b * new_tokens, q, new_tokens, kv);
        V.middleRows(past, new_tokens) = qkv.block(b * new_tokens, q + kv, new_tokens, kv);
        const int64_t ctx = past + new_tokens;
        for (int64_t head = 0; head < m_.num_heads; ++head) {
          const int64_t kvh = head / group;
          Matrix scores = qkv.block(b * new_tokens, head * hd, new_tokens, hd) *
                          K.block(0, kvh * hd, ctx, hd).transpose() * scale;
          for (int64_t i = 0; i < new_tokens; ++i) {  // causal mask + softmax per row
            const int64_t visible = past + i + 1;
            auto row = scores.row(i);
            const float mx = row.head(visible).maxCoeff();
            row.head(visible) = (row.head(visible).array() - mx).exp();
            row.head(visible) /= row.head(visible).sum();
            if (visible < ctx) row.tail(ctx - visible).setZero();
          }
          attn.block(b * new_tokens, head * hd, new_tokens, hd) =
              scores * V.block(0, kvh * hd, ctx, hd);
        }
      }
      Matrix o(tokens, h);
      Matmul(attn, L.wo, o);
      x += o;
      y = x;
      RmsNorm(y, L.norm2);
      Matrix gu(tokens, 2 * f);
      Matmul(y, L.wgate_up, gu);
      Matrix act = (gu.leftCols(f).array() / (1.0f + (-gu.leftCols(f).array()).exp())) *
                   gu.rightCols(f).array();  // SiLU(gate) * up
      Matrix down(tokens, h);
      Matmul(act, L.wdown, down);
      x += down;
    }
    RmsNorm(x, final_norm_);
    // Logits for the last token of every sequence (tied embeddings: the LM head is E^T).
    Matrix last(batch, h);
    for (int64_t b = 0; b < batch; ++b) last.row(b) = x.row((b + 1) * new_tokens - 1);
    Matrix logits(batch, m_.vocab_size);
    Matmul(last, lm_head_, logits);
    return logits(0, 0);
  }

 private:
  ModelSpec m_;
  std::vector<Layer> layers_;
  Matrix embedding_;
  Matrix lm_head_;
  Vector final_norm_;
  std::vector<Matrix> k_cache_, v_cache_;
  int64_t max_batch_ = 1;
};

std::string YamlNumber(double v) { return fmt::format("{:.6g}", v); }

}  // namespace

ModelSpec HarnessSmallModel() {
  ModelSpec m;
  m.id = "measure-small-decoder";
  m.name = "rightsize measure harness decoder (random weights)";
  m.source = "synthetic shape chosen by sim/logs/measure_harness.cc, not a real model";
  m.num_layers = 4;
  m.d_model = 1024;
  m.num_heads = 16;
  m.num_kv_heads = 8;
  m.head_dim = 64;
  m.d_ff = 2816;
  m.vocab_size = 8192;
  m.tied_embeddings = true;
  m.mlp = MlpKind::kGated;
  m.norm = NormKind::kRmsNorm;
  m.max_context_tokens = 4096;
  m.layer_attention.assign(static_cast<size_t>(m.num_layers), AttentionKind::kFull);
  return m;
}

namespace {

// 1. The device: its GEMM peak and triad bandwidth, measured, with the machine's memory and cores.
HardwareSpec MeasureDevice(const MeasureOptions& o) {
  HardwareSpec hw;
  hw.id = o.hardware_id;
  hw.name = "Local CPU (measured)";
  hw.vendor = "unknown";
  hw.kind = DeviceKind::kCpu;
  const double peak = MeasurePeakFlops(o);
  const double bandwidth = MeasureTriadBandwidth(o);
  hw.peak_flops_per_s[Precision::kFp32] = peak;
  hw.memory_bandwidth_bytes_per_s = bandwidth;
  hw.memory_bytes = PhysicalMemoryBytes();
  CpuSpec cpu;
  cpu.cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  hw.cpu = cpu;
  const std::time_t now = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof(date), "%Y-%m-%d", std::gmtime(&now));
  hw.source = std::string("MEASURED by `rightsize measure` on ") + date +
              ": peak_flops_per_s.fp32 = single-threaded Eigen fp32 GEMM, "
              "memory_bandwidth_bytes_per_s = single-threaded STREAM-style triad";
  hw.notes =
      "not a datasheet value; cores = std::thread::hardware_concurrency() (logical CPUs); "
      "memory_bytes = physical memory of the machine";

  return hw;
}

// 2. GEMMs at the decoder's layer shapes; M spans the memory-bound (GEMV-like) to the
// compute-bound regime so both efficiencies are pinned.
void MeasureGemms(const MeasureOptions& o, const ModelSpec& model, const HardwareSpec& hw,
                  const Workload& w, std::vector<Measurement>* out) {
  const SourceLocation where{"rightsize measure", 0, ""};
  const std::vector<int64_t> gemm_tokens =
      o.quick ? std::vector<int64_t>{1, 16, 128} : std::vector<int64_t>{1, 4, 16, 64, 256};
  const double h = static_cast<double>(model.d_model);
  struct Shape {
    const char* name;
    double k, n;
  };
  const Shape shapes[] = {
      {"qkv_proj", h, static_cast<double>(model.QueryDim() + 2 * model.KvDim())},
      {"out_proj", static_cast<double>(model.QueryDim()), h},
      {"mlp_gate_up", h, 2.0 * static_cast<double>(model.d_ff)},
      {"mlp_down", static_cast<double>(model.d_ff), h},
      {"lm_head", h, static_cast<double>(model.vocab_size)}};
  for (const Shape& s : shapes) {
    const auto k = static_cast<Eigen::Index>(s.k), n = static_cast<Eigen::Index>(s.n);
    std::vector<Matrix> weights(static_cast<size_t>(CopiesForCold(s.k * s.n * 4.0)));
    for (size_t c = 0; c < weights.size(); ++c)
      weights[c].setConstant(k, n, 0.01f * static_cast<float>(c + 1));
    size_t next = 0;
    for (int64_t m : gemm_tokens) {
      Matrix x = Matrix::Random(m, k);
      Matrix y(m, n);
      const double t = TimeBest_s(o, [&] {
        Matmul(x, weights[next], y);
        next = (next + 1) % weights.size();
        g_sink = y(0, 0);
      });
      Measurement meas = MakeOpMeasurement({GemmOp(s.name, static_cast<double>(m), s.k, s.n, 4.0)},
                                           hw.id, w, t, where);
      meas.format = "measure";
      meas.label = fmt::format("gemm {} m={} k={} n={}", s.name, m, s.k, s.n);
      out->push_back(std::move(meas));
    }
  }
}

// 3. Decode attention of one new token per sequence against `context` cached tokens, all heads:
// QK^T (2 x ctx x hd per head) + AV (2 x ctx x hd), reading K and V of the KV heads. Returns the
// number of contexts.
size_t MeasureDecodeAttention(const MeasureOptions& o, const ModelSpec& model,
                              const HardwareSpec& hw, const Workload& w,
                              std::vector<Measurement>* measurements) {
  const SourceLocation where{"rightsize measure", 0, ""};
  const std::vector<int64_t> contexts =
      o.quick ? std::vector<int64_t>{256, 2048} : std::vector<int64_t>{128, 512, 1024, 2048, 4096};
  const int64_t hd = model.head_dim, group = model.num_heads / model.num_kv_heads;
  for (int64_t ctx : contexts) {
    // A batch of sequences whose caches together exceed the cold-data size: batched decode
    // attention, each sequence's K and V read once.
    const double kv_bytes = 2.0 * static_cast<double>(ctx * model.KvDim()) * 4.0;
    const int64_t seqs = std::min<int64_t>(CopiesForCold(kv_bytes), 256);
    std::vector<Matrix> K(static_cast<size_t>(seqs)), V(static_cast<size_t>(seqs));
    for (int64_t b = 0; b < seqs; ++b) {
      K[static_cast<size_t>(b)].setConstant(ctx, model.KvDim(), 0.01f);
      V[static_cast<size_t>(b)].setConstant(ctx, model.KvDim(), 0.02f);
    }
    Matrix qv = Matrix::Random(1, model.QueryDim()), out(1, model.QueryDim());
    const double t = TimeBest_s(o, [&] {
      for (int64_t b = 0; b < seqs; ++b) {
        const Matrix& Kb = K[static_cast<size_t>(b)];
        const Matrix& Vb = V[static_cast<size_t>(b)];
        for (int64_t head = 0; head < model.num_heads; ++head) {
          const int64_t kvh = head / group;
          Matrix s = qv.block(0, head * hd, 1, hd) * Kb.block(0, kvh * hd, ctx, hd).transpose();
          s = (s.array() - s.maxCoeff()).exp();
          s /= s.sum();
          out.block(0, head * hd, 1, hd) = s * Vb.block(0, kvh * hd, ctx, hd);
        }
      }
      g_sink = out(0, 0);
    });
    const double batch = static_cast<double>(seqs);
    OpCost op{"attention", OpKind::kAttention};
    op.flops = 4.0 * static_cast<double>(ctx * model.QueryDim()) * batch;
    op.bytes_read = (kv_bytes + static_cast<double>(model.QueryDim()) * 4.0) * batch;
    op.bytes_written = static_cast<double>(model.QueryDim()) * 4.0 * batch;
    op.launches = 1.0;
    Measurement meas = MakeOpMeasurement({op}, hw.id, w, t, where);
    meas.format = "measure";
    meas.label = fmt::format("decode attention ctx={} batch={}", ctx, seqs);
    measurements->push_back(std::move(meas));
  }
  return contexts.size();
}

// 4. Whole decode and prefill steps of the small decoder; returns the step counts as text.
std::string MeasureDecoderSteps(const MeasureOptions& o, const ModelSpec& model,
                                const HardwareSpec& hw, const Workload& w,
                                std::vector<Measurement>* out) {
  const SourceLocation where{"rightsize measure", 0, ""};
  const std::vector<int64_t> batches =
      o.quick ? std::vector<int64_t>{1, 4} : std::vector<int64_t>{1, 2, 4, 8};
  const std::vector<int64_t> pasts =
      o.quick ? std::vector<int64_t>{64, 1024} : std::vector<int64_t>{64, 512, 2048};
  const std::vector<int64_t> prompts =
      o.quick ? std::vector<int64_t>{32, 128} : std::vector<int64_t>{16, 64, 256};
  const int64_t max_batch = batches.back();
  const int64_t max_context = std::max(pasts.back() + 1, prompts.back());
  SmallDecoder decoder(model, max_batch, max_context);
  for (int64_t batch : batches) {
    for (int64_t past : pasts) {
      const double t = TimeBest_s(o, [&] { g_sink = decoder.Step(batch, 1, past); });
      Workload sw = w;
      sw.batch = batch;
      sw.prompt_tokens = past;
      sw.gen_tokens = 1;
      Measurement meas = MakeStepMeasurement(model, hw.id, sw, DecodeStep(sw, past),
                                             MetricKind::kStepTime, t, where);
      meas.format = "measure";
      out->push_back(std::move(meas));
    }
  }
  for (int64_t prompt : prompts) {
    const int64_t batch = 1;
    const double t = TimeBest_s(o, [&] { g_sink = decoder.Step(batch, prompt, 0); });
    Workload sw = w;
    sw.batch = batch;
    sw.prompt_tokens = prompt;
    sw.gen_tokens = 1;
    Measurement meas =
        MakeStepMeasurement(model, hw.id, sw, PrefillStep(sw), MetricKind::kStepTime, t, where);
    meas.format = "measure";
    out->push_back(std::move(meas));
  }
  return fmt::format("{} decode, {} prefill", batches.size() * pasts.size(), prompts.size());
}

}  // namespace

MeasureResult RunMeasureHarness(const MeasureOptions& o,
                                const std::function<void(const std::string&)>& progress) {
  RS_CHECK(o.seconds_per_point > 0 && o.min_repeats >= 1, "measure options out of range");
  const auto start = Clock::now();
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  std::srand(o.seed);
  MeasureResult result;
  result.hardware = MeasureDevice(o);
  const HardwareSpec& hw = result.hardware;
  say(fmt::format("device: GEMM peak {:.1f} GFLOP/s, triad bandwidth {:.1f} GB/s, {} logical CPUs",
                  hw.peak_flops_per_s.at(Precision::kFp32) / 1e9,
                  hw.memory_bandwidth_bytes_per_s / 1e9, hw.cpu->cores));
  const ModelSpec model = HarnessSmallModel();
  result.small_model = model;
  const Workload w = Fp32Workload();
  MeasureGemms(o, model, hw, w, &result.measurements);
  say(fmt::format("GEMMs: {} points", result.measurements.size()));
  const size_t contexts = MeasureDecodeAttention(o, model, hw, w, &result.measurements);
  say(fmt::format("attention: {} contexts", contexts));
  say("decoder steps: " + MeasureDecoderSteps(o, model, hw, w, &result.measurements));
  result.elapsed_s = Seconds(start, Clock::now());
  return result;
}

std::string HardwareSpecYaml(const HardwareSpec& hw) {
  std::string out;
  out += "id: " + hw.id + "\n";
  out += "name: \"" + hw.name + "\"\n";
  out += "vendor: " + hw.vendor + "\n";
  out += "kind: " + ToString(hw.kind) + "\n";
  out += "source: \"" + hw.source + "\"\n";
  out += "notes: \"" + hw.notes + "\"\n";
  out += "memory_bytes: " + YamlNumber(hw.memory_bytes) + "\n";
  out += "memory_bandwidth_bytes_per_s: " + YamlNumber(hw.memory_bandwidth_bytes_per_s) + "\n";
  out += "peak_flops_per_s:\n";
  for (const auto& [precision, flops] : hw.peak_flops_per_s) {
    out += "  " + ToString(precision) + ": " + YamlNumber(flops) + "\n";
  }
  if (hw.cpu) out += "cpu:\n  cores: " + std::to_string(hw.cpu->cores) + "\n";
  return out;
}

std::string ModelSpecYaml(const ModelSpec& m) {
  std::string out;
  out += "id: " + m.id + "\n";
  out += "name: \"" + m.name + "\"\n";
  out += "source: \"" + m.source + "\"\n";
  out += "architecture:\n";
  out += fmt::format("  num_layers: {}\n  d_model: {}\n  num_heads: {}\n  num_kv_heads: {}\n",
                     m.num_layers, m.d_model, m.num_heads, m.num_kv_heads);
  out += fmt::format("  head_dim: {}\n  d_ff: {}\n  vocab_size: {}\n", m.head_dim, m.d_ff,
                     m.vocab_size);
  out += std::string("  tied_embeddings: ") + (m.tied_embeddings ? "true" : "false") + "\n";
  out += std::string("  mlp: ") + (m.mlp == MlpKind::kGated ? "gated" : "plain") + "\n";
  out += std::string("  norm: ") + (m.norm == NormKind::kRmsNorm ? "rmsnorm" : "layernorm") + "\n";
  out += fmt::format("  max_context_tokens: {}\n", m.max_context_tokens);
  return out;
}

}  // namespace rightsize
