// PrintG6 writes what printf's %.6g writes, including near rounding ties, at powers of ten and
// at the switch between fixed and exponent styles.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

#include "sim/util/number_text.h"

using namespace rightsize;

namespace {

std::string Printf6g(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

std::string G6(double v) {
  char text[32];
  return std::string(text, PrintG6(v, text));
}

}  // namespace

TEST_CASE("PrintG6 equals printf %.6g on random values across magnitudes") {
  std::mt19937_64 draw(5);
  std::uniform_real_distribution<double> decades(-22.0, 24.0);
  for (int i = 0; i < 200000; ++i) {
    const double v = std::pow(10.0, decades(draw));
    REQUIRE(G6(v) == Printf6g(v));
    REQUIRE(G6(-v) == Printf6g(-v));
  }
}

TEST_CASE("PrintG6 equals printf %.6g at and beside rounding ties and powers of ten") {
  size_t checked = 0;
  for (long digits = 100000; digits < 1000000; digits += 997) {
    for (int e = -18; e <= 21; e += 3) {
      const double tie = (static_cast<double>(digits) + 0.5) * std::pow(10.0, e);
      for (double v : {tie, std::nextafter(tie, 0.0), std::nextafter(tie, 1e300),
                       static_cast<double>(digits) * std::pow(10.0, e)}) {
        REQUIRE(G6(v) == Printf6g(v));
        ++checked;
      }
    }
  }
  for (int e = -20; e <= 24; ++e) {
    const double p = std::pow(10.0, e);
    for (double v : {p, std::nextafter(p, 0.0), std::nextafter(p, 1e300), p * 0.9999995,
                     p * 0.99999949999, 1.5 * p}) {
      REQUIRE(G6(v) == Printf6g(v));
    }
  }
  for (double v : {0.0, -0.0, 1e-4, 9.999995e-5, 123456.5, 999999.5, 5e-324, 1.7e308,
                   std::numeric_limits<double>::infinity()}) {
    REQUIRE(G6(v) == Printf6g(v));
  }
  CHECK(checked > 10000);
}

TEST_CASE("FixedText equals printf %.2f and %.0f, near ties and for negatives too") {
  auto fixed = [](double v, int decimals) { return FixedText(v, decimals); };
  auto printf_fixed = [](double v, int decimals) {
    char text[400];
    std::snprintf(text, sizeof text, "%.*f", decimals, v);
    return std::string(text);
  };
  std::mt19937_64 draw(9);
  std::uniform_real_distribution<double> decades(-6.0, 9.0);
  for (int i = 0; i < 200000; ++i) {
    const double v = std::pow(10.0, decades(draw));
    for (int decimals : {0, 2}) {
      REQUIRE(fixed(v, decimals) == printf_fixed(v, decimals));
      REQUIRE(fixed(-v, decimals) == printf_fixed(-v, decimals));
    }
  }
  for (long cents = 0; cents < 2000000; cents += 37) {
    const double tie = (static_cast<double>(cents) + 0.5) / 100.0;
    for (double v : {tie, std::nextafter(tie, 0.0), std::nextafter(tie, 1e300), cents / 100.0}) {
      REQUIRE(fixed(v, 2) == printf_fixed(v, 2));
      REQUIRE(fixed(v * 100.0, 0) == printf_fixed(v * 100.0, 0));
    }
  }
  for (double v : {0.0, -0.0, -0.001, 0.005, 0.015, 2.5, 3.5, 1e6, 1e300, -1e300,
                   std::numeric_limits<double>::infinity()}) {
    REQUIRE(fixed(v, 2) == printf_fixed(v, 2));
    REQUIRE(fixed(v, 0) == printf_fixed(v, 0));
  }
}
