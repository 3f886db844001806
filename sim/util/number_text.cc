#include "sim/util/number_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace rightsize {
namespace {

// 10^-20 .. 10^20: exact from 10^0 to 10^20 (powers of ten are exact up to 10^22), the
// negative ones rounded (only compared with, or multiplied into a value checked for ties).
constexpr int kMinPower = -20, kMaxPower = 20;
constexpr double kPowersOfTen[] = {
    1e-20, 1e-19, 1e-18, 1e-17, 1e-16, 1e-15, 1e-14, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7,
    1e-6,  1e-5,  1e-4,  1e-3,  1e-2,  1e-1,  1e0,   1e1,   1e2,   1e3,   1e4,   1e5,  1e6,  1e7,
    1e8,   1e9,   1e10,  1e11,  1e12,  1e13,  1e14,  1e15,  1e16,  1e17,  1e18,  1e19, 1e20};

double PowerOfTen(int k) { return kPowersOfTen[k - kMinPower]; }

char* Exact(double v, char* out) {
  return std::to_chars(out, out + 32, v, std::chars_format::general, 6).ptr;
}

// The six significant digits of a = |v| (100000..999999) and the decimal exponent of the first,
// or false when the fast path cannot be sure of them.
bool SixDigits(double a, uint32_t* digits, int* exponent) {
  // floor(log10(a)) from the binary exponent: a in [2^(e2-1), 2^e2), 78913 / 2^18 ~ log10(2).
  uint64_t bits = 0;
  std::memcpy(&bits, &a, sizeof a);
  const int e2 = static_cast<int>((bits >> 52) & 0x7ff) - 1022;  // a is normal: a >= 1e-15
  int e10 = ((e2 - 1) * 78913) >> 18;
  if (e10 + 1 <= kMaxPower && a >= PowerOfTen(e10 + 1)) ++e10;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int k = 5 - e10;
    if (k < -kMaxPower || k > kMaxPower) return false;
    // Within about 2.2e-16 relative (< 2.2e-10 absolute below 1e6) of a x 10^k: one correctly
    // rounded product, or with k < 0 a product by a rounded power (two roundings).
    const double s = a * PowerOfTen(k);
    const double whole = std::floor(s);
    const double fraction = s - whole;                   // exact: s < 2^52
    if (std::fabs(fraction - 0.5) < 1e-9) return false;  // too near a tie to tell
    const double rounded = fraction > 0.5 ? whole + 1.0 : whole;
    if (rounded < 1e5) {  // the estimate overshot near a power of ten
      --e10;
      continue;
    }
    if (rounded > 1e6) {  // undershot
      ++e10;
      continue;
    }
    if (rounded == 1e6) {  // 999999.5 and up round to the next power of ten
      *digits = 100000;
      *exponent = e10 + 1;
    } else {
      *digits = static_cast<uint32_t>(rounded);
      *exponent = e10;
    }
    return true;
  }
  return false;
}

// n (0..999) as three digits, from independent divisions (no chain of them).
void ThreeDigits(uint32_t n, char* out) {
  out[0] = static_cast<char>('0' + n / 100);
  out[1] = static_cast<char>('0' + n / 10 % 10);
  out[2] = static_cast<char>('0' + n % 10);
}

// Appends digits[0..count) without trailing zeros, after a point if any remain.
char* Fraction(const char* digits, int count, char* out) {
  while (count > 0 && digits[count - 1] == '0') --count;
  if (count == 0) return out;
  *out++ = '.';
  for (int i = 0; i < count; ++i) *out++ = digits[i];
  return out;
}

}  // namespace

char* PrintG6(double v, char* out) {
  const double a = std::fabs(v);
  if (!(a >= 1e-15 && a < 1e21)) return Exact(v, out);
  uint32_t number = 0;
  int exponent = 0;
  if (!SixDigits(a, &number, &exponent)) return Exact(v, out);
  char digits[6];
  ThreeDigits(number / 1000, digits);
  ThreeDigits(number % 1000, digits + 3);
  if (v < 0) *out++ = '-';
  // printf's %g (C11 7.21.6.1): style e when the exponent X < -4 or X >= P (6), else style f
  // with P - 1 - X decimals; trailing zeros and a bare point removed.
  if (exponent < -4 || exponent >= 6) {
    *out++ = digits[0];
    out = Fraction(digits + 1, 5, out);
    *out++ = 'e';
    *out++ = exponent < 0 ? '-' : '+';
    const int x = exponent < 0 ? -exponent : exponent;
    if (x >= 100) *out++ = static_cast<char>('0' + x / 100);
    *out++ = static_cast<char>('0' + x / 10 % 10);
    *out++ = static_cast<char>('0' + x % 10);
    return out;
  }
  if (exponent >= 0) {
    for (int i = 0; i <= exponent; ++i) *out++ = digits[i];
    return Fraction(digits + exponent + 1, 5 - exponent, out);
  }
  *out++ = '0';
  int count = 6;
  while (digits[count - 1] == '0') --count;  // the first digit is not 0
  *out++ = '.';
  for (int i = 0; i < -exponent - 1; ++i) *out++ = '0';
  for (int i = 0; i < count; ++i) *out++ = digits[i];
  return out;
}

std::string FixedText(double v, int decimals) {
  auto exact = [&] {
    char text[400];  // the longest double in fixed notation with 6 decimals is 317 chars
    return std::string(text, std::to_chars(text, text + sizeof text, v, std::chars_format::fixed,
                                           std::clamp(decimals, 0, 6))
                                 .ptr);
  };
  const double a = std::fabs(v);
  if (decimals < 0 || decimals > 6 || !(a < 1e6)) return exact();
  // One correctly rounded product (10^decimals is exact): within 1.2e-4 of a x 10^decimals.
  const double s = a * PowerOfTen(decimals);
  const double whole = std::floor(s);
  const double fraction = s - whole;
  if (std::fabs(fraction - 0.5) < 1e-3) return exact();
  auto rounded = static_cast<uint64_t>(fraction > 0.5 ? whole + 1.0 : whole);
  char text[32];
  int n = 0;
  for (int i = 0; i < decimals; ++i, rounded /= 10)
    text[n++] = static_cast<char>('0' + rounded % 10);
  if (decimals > 0) text[n++] = '.';
  do {
    text[n++] = static_cast<char>('0' + rounded % 10);
    rounded /= 10;
  } while (rounded > 0);
  // printf keeps the sign of -0.0 and of a negative number rounded to zero.
  if (std::signbit(v)) text[n++] = '-';
  std::string out(static_cast<size_t>(n), '\0');
  for (int i = 0; i < n; ++i) out[static_cast<size_t>(i)] = text[n - 1 - i];
  return out;
}

}  // namespace rightsize
