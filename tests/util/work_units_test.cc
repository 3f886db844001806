// Work units as bytes (sim/util/work_units.h): values come back bit for bit, and the local runner
// returns every range in unit order and the first failing range's error, as a serial loop would.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "sim/util/error.h"
#include "sim/util/work_units.h"

using namespace rightsize;

TEST_CASE("bytes carry doubles, integers, flags and strings back bit for bit") {
  const double values[] = {0.1 + 0.2,
                           -0.0,
                           std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::denorm_min(),
                           6.02214076e23};
  ByteWriter out;
  for (double v : values) out.PutDouble(v);
  out.PutInt(std::numeric_limits<int64_t>::min());
  out.PutBool(true);
  out.PutString(std::string("a\0b,\"c\"", 7));
  out.PutString("");
  const std::string bytes = out.Bytes();
  ByteReader in(bytes);
  for (double v : values) {
    CHECK(std::bit_cast<uint64_t>(in.Double()) == std::bit_cast<uint64_t>(v));
  }
  CHECK(in.Int() == std::numeric_limits<int64_t>::min());
  CHECK(in.Bool());
  CHECK(in.String() == std::string("a\0b,\"c\"", 7));
  CHECK(in.String().empty());
  CHECK(in.AtEnd());
  CHECK_THROWS_AS(in.Double(), InvariantError);
}

TEST_CASE("a string whose length runs past the bytes is refused") {
  ByteWriter out;
  out.PutInt(1000);
  out.PutDouble(1.0);
  const std::string bytes = out.Bytes();
  ByteReader in(bytes);
  CHECK_THROWS_AS(in.String(), InvariantError);
}

TEST_CASE("the local runner covers every unit once, in order, on several threads") {
  const LocalUnitRunner runner(4);
  for (size_t units : {1u, 7u, 1000u, 100003u}) {
    size_t last_done = 0;
    const auto chunks = runner.Run(
        units, 3,
        [](size_t begin, size_t end) {
          std::string s;
          for (size_t i = begin; i < end; ++i) s += std::to_string(i) + ",";
          return s;
        },
        [&](size_t done, size_t total) {
          CHECK(total == units);
          CHECK(done > last_done);
          last_done = done;
        });
    std::string gathered, expected;
    for (const auto& c : chunks) gathered += c;
    for (size_t i = 0; i < units; ++i) expected += std::to_string(i) + ",";
    CHECK(gathered == expected);
    CHECK(last_done == units);
  }
}

TEST_CASE("the local runner rethrows the error of the first failing unit") {
  const LocalUnitRunner runner(4);
  try {
    runner.Run(
        10000, 1,
        [](size_t begin, size_t end) {
          for (size_t i = begin; i < end; ++i) {
            if (i % 1000 == 999) throw std::runtime_error("unit " + std::to_string(i));
          }
          return std::string("x");
        },
        nullptr);
    FAIL("no error");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == "unit 999");
  }
}

TEST_CASE("chunks grow with the work and stay within one message") {
  CHECK(ChunkUnits(10, 1, 2) == 1);
  CHECK(ChunkUnits(1600, 1, 2) == 100);      // 8 chunks per worker
  CHECK(ChunkUnits(1600, 4096, 2) == 4096);  // never below the minimum asked for
  CHECK(ChunkUnits(size_t{1} << 40, 1, 2) == kMaxChunkUnits);
}
