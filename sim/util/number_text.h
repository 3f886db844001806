// Numbers as text, fast, for outputs of millions of rows (streamed sweeps).
#pragma once

#include <string>

namespace rightsize {

// Writes v as printf("%.6g", v) does (6 significant digits, trailing zeros removed, exponent of
// at least two digits), bit for bit, and returns the end; `out` needs room for 32 chars. Most
// values are rounded with one correctly rounded multiplication or division by a power of ten;
// values within 1e-9 of a rounding tie, non-finite, zero or outside [1e-15, 1e21) go through
// std::to_chars, which is exact but several times slower.
char* PrintG6(double v, char* out);

// v as printf("%.*f", decimals, v) writes it (decimals 0..6), bit for bit. Values with
// |v| x 10^decimals below 1e12 and not within 1e-3 of a rounding tie take a fast path; the rest
// go through std::to_chars (exact).
std::string FixedText(double v, int decimals);

}  // namespace rightsize
