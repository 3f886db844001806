// Why hand-written vectors: the objective costs 2 exp, 1 log and a division per point and runs
// ~90 times per start, 4,500 starts per fit. Library exp/log are scalar calls; Eigen's vector
// versions are fixed at compile time to the build's baseline ISA (SSE2 here). The kernel below
// uses GCC/Clang vector extensions over 8 doubles with polynomial exp/log (Taylor series on a
// reduced argument evaluated by Estrin's scheme, ~2 ulp), compiled for AVX-512, AVX2 and the
// baseline (target_clones picks one at load time), so the same binary runs everywhere and uses the
// wide units where present. The file is compiled with -ffp-contract=off (sim/fit/CMakeLists.txt):
// no variant fuses a multiply-add, so all of them give the same bits.
#include "sim/fit/hoffmann_objective.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace rightsize {
namespace {

constexpr int kLanes = 8;
typedef double Doubles __attribute__((vector_size(kLanes * sizeof(double))));
typedef int64_t Int64s __attribute__((vector_size(kLanes * sizeof(int64_t))));
typedef uint64_t Uint64s __attribute__((vector_size(kLanes * sizeof(uint64_t))));

// Beyond this |t| the unshifted sum exp(t0) + exp(t1) + exp(e) could overflow or underflow.
constexpr double kUnshiftedLimit = 700.0;

// GCC only: the sanitizer build (Clang) takes the portable loop.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define RS_VECTOR_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define RS_VECTOR_CLONES
#endif
#define RS_INLINE inline __attribute__((always_inline))

RS_INLINE void Splat(double v, Doubles* out) {
  for (int k = 0; k < kLanes; ++k) (*out)[k] = v;
}

RS_INLINE void Load(const double* p, Doubles* out) { std::memcpy(out, p, sizeof(Doubles)); }

RS_INLINE void Select(const Int64s& mask, const Doubles& yes, const Doubles& no, Doubles* out) {
  *out = (Doubles)(((Int64s)yes & mask) | ((Int64s)no & ~mask));
}

RS_INLINE void Clamp(const Doubles& x, double low, double high, Doubles* out) {
  Doubles low_v, high_v, t;
  Splat(low, &low_v);
  Splat(high, &high_v);
  Select(x < low_v, low_v, x, &t);
  Select(t > high_v, high_v, t, out);
}

// exp(x) = 2^k exp(r), x = k ln 2 + r, |r| <= ln 2 / 2 (Cody-Waite split of ln 2), exp(r) by
// its Taylor series to degree 13 (remainder < 1e-17; within 2 ulp of the C library). 2^k is built
// in the exponent bits; k = round(x / ln 2) comes from adding 1.5 2^52, which leaves k in the low
// mantissa bits. kClamp = false leaves out the clamp, for x known to lie in [-708, 708].
template <bool kClamp = true>
RS_INLINE void Exp(const Doubles& x_in, Doubles* out) {
  constexpr double kLog2e = 1.4426950408889634;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kShift = 6755399441055744.0;  // 1.5 * 2^52
  Doubles x = x_in;
  if (kClamp) Clamp(x_in, -708.0, 708.0, &x);
  const Doubles shifted = x * kLog2e + kShift;
  Doubles shift_v;
  Splat(kShift, &shift_v);
  const Int64s k = (Int64s)shifted - (Int64s)shift_v;
  const Doubles kd = shifted - kShift;
  const Doubles r = (x - kd * kLn2Hi) - kd * kLn2Lo;
  // 1 / j! rounded once each (j! itself is exact in a double up to 22!).
  constexpr std::array<double, 14> kInverseFactorial = [] {
    std::array<double, 14> inverse{};
    double factorial = 1.0;
    for (int j = 0; j < 14; ++j) {
      if (j > 0) factorial *= j;
      inverse[static_cast<size_t>(j)] = 1.0 / factorial;
    }
    return inverse;
  }();
  // Estrin's scheme: the same degree-13 polynomial with a dependency chain of 4 multiply-adds
  // instead of 13 (the kernel is bound by that latency, not by the count of operations).
  const auto c = [&](int j) { return kInverseFactorial[static_cast<size_t>(j)]; };
  const Doubles r2 = r * r;
  const Doubles r4 = r2 * r2;
  const Doubles r8 = r4 * r4;
  const Doubles q0 = c(0) + c(1) * r, q1 = c(2) + c(3) * r, q2 = c(4) + c(5) * r;
  const Doubles q3 = c(6) + c(7) * r, q4 = c(8) + c(9) * r, q5 = c(10) + c(11) * r;
  const Doubles q6 = c(12) + c(13) * r;
  const Doubles p = (q0 + q1 * r2 + (q2 + q3 * r2) * r4) + (q4 + q5 * r2 + q6 * r4) * r8;
  *out = p * (Doubles)((Uint64s)(k + 1023) << 52);  // unsigned: no overflow on NaN input
}

// log(x) = k ln 2 + log(m), m in [sqrt(1/2), sqrt(2)); log(m) = 2 atanh(s), s = (m-1)/(m+1),
// |s| <= 0.1716, by its series 2 s sum_j s^(2j) / (2j + 1) to j = 11 (remainder < 1e-18; within
// 2 ulp of the C library).
// Also 1 / x, from the same division: with R = 1 / ((m + 1) x), s = (m - 1) x R and
// 1 / x = (m + 1) R (one vector division instead of two; a few ulp, for x in [1e-304, 1e305]).
RS_INLINE void LogAndInverse(const Doubles& x, Doubles* out, Doubles* inverse) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kShift = 6755399441055744.0;  // 1.5 * 2^52: k + kShift is exact for |k| < 2^51
  constexpr int64_t kMantissa = 0x000FFFFFFFFFFFFF;
  constexpr int64_t kOneBits = 0x3FF0000000000000;
  const Int64s bits = (Int64s)x;
  Int64s k = (bits >> 52) - 1023;
  Doubles m = (Doubles)((bits & kMantissa) | kOneBits);
  const Int64s big = m > 1.4142135623730951;
  Select(big, m * 0.5, m, &m);
  k -= big;  // a true comparison is -1
  Doubles shift_v;
  Splat(kShift, &shift_v);
  const Doubles kd = (Doubles)(k + (Int64s)shift_v) - kShift;
  const Doubles m_plus_1 = m + 1.0;
  const Doubles r = 1.0 / (m_plus_1 * x);
  *inverse = m_plus_1 * r;
  const Doubles s = (m - 1.0) * (x * r);
  const Doubles z = s * s;
  // sum_{j=0}^{11} z^j / (2j + 1) by Estrin's scheme (see Exp).
  const auto c = [](int j) { return 1.0 / (2 * j + 1); };
  const Doubles z2 = z * z;
  const Doubles z4 = z2 * z2;
  const Doubles z8 = z4 * z4;
  const Doubles q0 = c(0) + c(1) * z, q1 = c(2) + c(3) * z, q2 = c(4) + c(5) * z;
  const Doubles q3 = c(6) + c(7) * z, q4 = c(8) + c(9) * z, q5 = c(10) + c(11) * z;
  const Doubles series = (q0 + q1 * z2 + (q2 + q3 * z2) * z4) + (q4 + q5 * z2) * z8;
  *out = kd * kLn2Hi + (kd * kLn2Lo + 2.0 * s * series);
}

RS_INLINE void Abs(const Doubles& x, Doubles* out) {
  constexpr int64_t kNoSign = 0x7FFFFFFFFFFFFFFF;
  *out = (Doubles)((Int64s)x & kNoSign);
}

struct KernelInput {
  const double* log_n;
  const double* log_d;
  const double* log_loss;
  const double* weight;
  int num_padded;
  double p[kChinchillaNumParams];
  double huber_delta;
  bool shifted;  // subtract the largest of t0, t1, e per point before exp
};

// sums = {Huber sum, sum q w0, sum q w1, sum q w2, sum q w0 log N, sum q w1 log D}, unscaled.
// kShifted: subtract the largest of t0, t1, e per point before exp; without, every exponent lies
// within +-700 (KernelInput::shifted), so exp needs no clamp.
template <bool kShifted>
RS_INLINE void KernelLoop(const KernelInput& in, double* sums) {
  const double a = in.p[0], b = in.p[1], e = in.p[2], alpha = in.p[3], beta = in.p[4];
  const double delta = in.huber_delta;
  Doubles total[6];
  for (Doubles& t : total) Splat(0.0, &t);
  Doubles e_v, exp_e;
  Splat(e, &e_v);
  Splat(std::exp(e), &exp_e);
  for (int i = 0; i < in.num_padded; i += kLanes) {
    Doubles log_n, log_d, log_loss, weight;
    Load(in.log_n + i, &log_n);
    Load(in.log_d + i, &log_d);
    Load(in.log_loss + i, &log_loss);
    Load(in.weight + i, &weight);
    Doubles t0 = a - alpha * log_n;
    Doubles t1 = b - beta * log_d;
    Doubles top, w0, w1, w2;
    if (kShifted) {
      Select(t0 > t1, t0, t1, &top);
      Select(top > e_v, top, e_v, &top);
      Exp(e_v - top, &w2);
      t0 -= top;
      t1 -= top;
    } else {
      Splat(0.0, &top);
      w2 = exp_e;
    }
    Exp<kShifted>(t0, &w0);
    Exp<kShifted>(t1, &w1);
    const Doubles sum = w0 + w1 + w2;
    Doubles log_sum, inverse_sum;
    LogAndInverse(sum, &log_sum, &inverse_sum);
    const Doubles residual = top + log_sum - log_loss;
    Doubles slope, abs_residual, abs_slope;
    Clamp(residual, -delta, delta, &slope);
    Abs(residual, &abs_residual);
    Abs(slope, &abs_slope);
    total[0] += weight * (0.5 * slope * slope + delta * (abs_residual - abs_slope));
    const Doubles q = weight * slope * inverse_sum;
    total[1] += q * w0;
    total[2] += q * w1;
    total[3] += q * w2;
    total[4] += q * w0 * log_n;
    total[5] += q * w1 * log_d;
  }
  for (int s = 0; s < 6; ++s) {
    double value = 0.0;
    for (int k = 0; k < kLanes; ++k) value += total[s][k];
    sums[s] = value;
  }
}

RS_VECTOR_CLONES void HoffmannKernel(const KernelInput& in, double* sums) {
  if (in.shifted)
    KernelLoop<true>(in, sums);
  else
    KernelLoop<false>(in, sums);
}

}  // namespace

void VectorExp8(const double* x, double* out) {
  Doubles v, r;
  Load(x, &v);
  Exp(v, &r);
  std::memcpy(out, &r, sizeof r);
}

void VectorLog8(const double* x, double* out) {
  Doubles v, r, inverse;
  Load(x, &v);
  LogAndInverse(v, &r, &inverse);
  std::memcpy(out, &r, sizeof r);
}

HoffmannHuberGradient::HoffmannHuberGradient(const std::vector<LogLossObservation>& points,
                                             double huber_delta, double scale)
    : num_points_(static_cast<int>(points.size())), huber_delta_(huber_delta), scale_(scale) {
  const size_t padded = (points.size() + kLanes - 1) / kLanes * kLanes;
  for (std::vector<double>* column : {&log_n_, &log_d_, &log_loss_, &weight_})
    column->reserve(padded);
  for (size_t i = 0; i < padded; ++i) {
    const LogLossObservation& point = points[std::min(i, points.size() - 1)];
    log_n_.push_back(point.log_n);
    log_d_.push_back(point.log_d);
    log_loss_.push_back(point.log_loss);
    weight_.push_back(i < points.size() ? 1.0 : 0.0);
  }
  if (points.empty()) return;
  const auto [n_min, n_max] = std::minmax_element(log_n_.begin(), log_n_.end());
  const auto [d_min, d_max] = std::minmax_element(log_d_.begin(), log_d_.end());
  log_n_min_ = *n_min;
  log_n_max_ = *n_max;
  log_d_min_ = *d_min;
  log_d_max_ = *d_max;
}

bool HoffmannHuberGradient::Evaluate(const double* p, double* cost, double* gradient) const {
  KernelInput in{log_n_.data(),
                 log_d_.data(),
                 log_loss_.data(),
                 weight_.data(),
                 static_cast<int>(weight_.size()),
                 {p[0], p[1], p[2], p[3], p[4]},
                 huber_delta_,
                 true};
  // t0 and t1 are linear in log N and log D, so their extremes sit at the columns' ends.
  const double largest_term = std::max(
      {std::abs(p[0] - p[3] * log_n_min_), std::abs(p[0] - p[3] * log_n_max_),
       std::abs(p[1] - p[4] * log_d_min_), std::abs(p[1] - p[4] * log_d_max_), std::abs(p[2])});
  in.shifted = !(largest_term <= kUnshiftedLimit);
  double sums[6];
  HoffmannKernel(in, sums);
  const double value = scale_ * sums[0];
  if (!std::isfinite(value)) return false;
  *cost = value;
  if (gradient == nullptr) return true;
  gradient[0] = scale_ * sums[1];
  gradient[1] = scale_ * sums[2];
  gradient[2] = scale_ * sums[3];
  gradient[3] = -scale_ * sums[4];
  gradient[4] = -scale_ * sums[5];
  return std::all_of(gradient, gradient + kChinchillaNumParams,
                     [](double g) { return std::isfinite(g); });
}

}  // namespace rightsize
