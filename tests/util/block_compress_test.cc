// Blocks compressed one by one and concatenated read back as the concatenation of their texts
// (gzip members, zstd frames), and the same blocks always give the same bytes.
#include <catch2/catch.hpp>

#include <zlib.h>
#include <zstd.h>

#include <string>

#include "sim/util/block_compress.h"

using namespace rightsize;

namespace {

// Every gzip member of `packed`, inflated in turn (what gzip -d does with a multi-member file).
std::string GunzipMembers(const std::string& packed) {
  std::string text;
  z_stream z{};
  REQUIRE(inflateInit2(&z, 15 + 16) == Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  z.avail_in = static_cast<uInt>(packed.size());
  char out[4096];
  while (z.avail_in > 0) {
    z.next_out = reinterpret_cast<Bytef*>(out);
    z.avail_out = sizeof out;
    const int rc = inflate(&z, Z_NO_FLUSH);
    REQUIRE((rc == Z_OK || rc == Z_STREAM_END));
    text.append(out, sizeof out - z.avail_out);
    if (rc == Z_STREAM_END) REQUIRE(inflateReset(&z) == Z_OK);
  }
  inflateEnd(&z);
  return text;
}

std::string Unzstd(const std::string& packed) {
  std::string text(1 << 20, '\0');
  const size_t size = ZSTD_decompress(text.data(), text.size(), packed.data(), packed.size());
  REQUIRE(!ZSTD_isError(size));
  text.resize(size);
  return text;
}

std::string SomeCsv(int rows, int seed) {
  std::string csv;
  for (int i = 0; i < rows; ++i) csv += std::to_string(i * seed) + ",llama-3-8b,0.0123,true\n";
  return csv;
}

}  // namespace

TEST_CASE("gzip members and zstd frames concatenate into one readable stream") {
  const std::string a = "model,hardware\n", b = SomeCsv(5000, 7), c = SomeCsv(3, 11);
  const std::string gz = CompressBlock(a, BlockCompression::kGzip) +
                         CompressBlock(b, BlockCompression::kGzip) +
                         CompressBlock(c, BlockCompression::kGzip);
  CHECK(GunzipMembers(gz) == a + b + c);
  CHECK(gz.size() < (a + b + c).size() / 3);  // it does compress
  const std::string zst = CompressBlock(a, BlockCompression::kZstd) +
                          CompressBlock(b, BlockCompression::kZstd) +
                          CompressBlock(c, BlockCompression::kZstd);
  CHECK(Unzstd(zst) == a + b + c);
  CHECK(CompressBlock(b, BlockCompression::kNone) == b);
  // Deterministic: no time or name in the headers.
  CHECK(CompressBlock(b, BlockCompression::kGzip) == CompressBlock(b, BlockCompression::kGzip));
  CHECK(CompressBlock(b, BlockCompression::kZstd) == CompressBlock(b, BlockCompression::kZstd));
}

TEST_CASE("the compression follows the output's extension") {
  CHECK(BlockCompressionOfPath("sweep.csv.gz") == BlockCompression::kGzip);
  CHECK(BlockCompressionOfPath("out/sweep.csv.zst") == BlockCompression::kZstd);
  CHECK(BlockCompressionOfPath("sweep.csv") == BlockCompression::kNone);
  CHECK(BlockCompressionOfPath("sweep.gz.csv") == BlockCompression::kNone);
}
