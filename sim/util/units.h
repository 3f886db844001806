// Unit constants. Values in the library are SI base units in double (seconds, bytes, FLOPs,
// watts, joules, US dollars); names carry the unit as a suffix. GB vs GiB appears only in
// display code, through these constants.
#pragma once

namespace rightsize {

inline constexpr double kKilo = 1e3;
inline constexpr double kMega = 1e6;
inline constexpr double kGiga = 1e9;
inline constexpr double kTera = 1e12;
inline constexpr double kKiB = 1024.0;
inline constexpr double kMiB = 1024.0 * 1024.0;
inline constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
inline constexpr double kBitsPerByte = 8.0;
inline constexpr double kSecondsPerHour = 3600.0;
inline constexpr double kSecondsPerMonth = 30.0 * 24.0 * 3600.0;  // a 30-day billing month

}  // namespace rightsize
