// Compression of an output written in blocks that are compressed independently, in parallel, and
// concatenated: a gzip file may hold several members (RFC 1952, Sec. 2.2) and a zstd file several
// frames (RFC 8878, Sec. 3), and gzip -d, zstd -d, Python's gzip and zstandard modules and pandas
// read such a file as the concatenation of the blocks' contents. The compressed bytes depend only
// on the blocks, so the same blocks always give the same file.
#pragma once

#include <string>
#include <string_view>

namespace rightsize {

enum class BlockCompression {
  kNone,
  kGzip,  // gzip members at zlib level 1 (Z_BEST_SPEED): a streamed output is CPU-bound
  kZstd,  // zstd frames at level 1
};

// kGzip for a path ending in ".gz", kZstd for ".zst", else kNone.
BlockCompression BlockCompressionOfPath(std::string_view path);

// `data` as one self-contained member / frame (kNone: data itself). Throws IoError if the
// compressor fails (out of memory).
std::string CompressBlock(std::string_view data, BlockCompression compression);

}  // namespace rightsize
