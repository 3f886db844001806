// Numbers as text, fast, for outputs of millions of rows (streamed sweeps).
#pragma once

namespace rightsize {

// Writes v as printf("%.6g", v) does (6 significant digits, trailing zeros removed, exponent of
// at least two digits), bit for bit, and returns the end; `out` needs room for 32 chars. Most
// values are rounded with one correctly rounded multiplication or division by a power of ten;
// values within 1e-9 of a rounding tie, non-finite, zero or outside [1e-15, 1e21) go through
// std::to_chars, which is exact but several times slower.
char* PrintG6(double v, char* out);

}  // namespace rightsize
