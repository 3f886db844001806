// Every output rightsize writes (`-o FILE`, `-o FOLDER`) goes through this module, which keeps
// one promise: nothing rightsize did not write is ever replaced or deleted.
//
// Single-file outputs may replace only a regular file; a folder, symlink, device, FIFO or socket
// at the path is refused with an IoError (exit 3) and left untouched. The new contents go to a
// temporary `.NAME.tmp.PID` in the same folder, are fsync'ed, renamed over the target, and the
// folder is fsync'ed: a crash leaves the old file or the new one, never a mix.
//
// Folder outputs (reports, measurements) carry a marker file, kOutputMarkerFile, that lists what
// rightsize wrote into them. Only an absent path, an empty folder, or a folder whose marker lists
// every entry in it may be replaced; the new folder is built beside it as `.NAME.tmp.PID/`,
// fsync'ed, and swapped in with renameat2(RENAME_EXCHANGE) (or, where the file system lacks it,
// two renames through `.NAME.old.PID/`), so a crash at any point leaves the old or the new
// complete folder under NAME or under one of those two names, which the next run cleans up or
// restores (CleanStaleTemporaries).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

// zlib's stream state, declared here so that only output_path.cc includes zlib.h.
struct z_stream_s;

namespace rightsize {

// The marker file of an output folder: its first line says what it is, then one relative path
// per line of every file and folder rightsize wrote there.
inline constexpr const char* kOutputMarkerFile = ".rightsize-output";

// Throws IoError (exit 3) unless `path` is absent or a regular file. Changes nothing; commands call
// it before long work so that a bad -o fails first.
void CheckOutputFile(const std::string& path);
// Writes `contents` to `path` atomically (see the top of this file). Creates missing parent
// folders. IoError when the path is refused or a write fails.
void WriteFileAtomically(const std::string& path, const std::string& contents);

// A file output written piece by piece (a streamed sweep: memory stays flat however many rows),
// under the same rules: the pieces go to the temporary `.NAME.tmp.PID` beside `path`; Commit()
// fsyncs it and renames it over `path`. Destroyed without Commit() (an error), or the process
// ended by SIGTERM or SIGINT meanwhile (mpirun ending a failed job, Ctrl-C), the temporary is
// removed and `path` keeps what it had; after a SIGKILL the next run's CleanStaleTemporaries
// removes it. kGzip compresses the pieces into one gzip stream (zlib, RFC 1952).
// IoError as WriteFileAtomically.
class AtomicFileWriter {
 public:
  enum class Compression { kNone, kGzip };
  AtomicFileWriter(const std::string& path, Compression compression);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  void Append(std::string_view bytes);
  void Commit();

 private:
  [[noreturn]] void Fail(const std::string& what, int error);
  void WriteRaw(const char* data, size_t size);
  void Deflate(const char* data, size_t size, int flush);

  std::string path_, temp_;
  int fd_ = -1;
  std::unique_ptr<z_stream_s> gzip_;  // null: uncompressed
  bool committed_ = false;
};

// Throws IoError (exit 3) unless `dir` is absent, an empty folder, or a folder rightsize wrote
// (its marker lists every entry). Changes nothing.
void CheckOutputFolder(const std::string& dir);
// Builds the folder `dir`: fill(temp_dir) writes the files into a temporary sibling, which then
// replaces `dir` atomically. If fill throws, the temporary is removed and `dir` is untouched.
void WriteFolderAtomically(const std::string& dir,
                           const std::function<void(const std::string& temp_dir)>& fill);

// Temporaries of `path` left by runs that were killed (`.NAME.tmp.PID`, `.NAME.old.PID` beside
// it, PID no longer running): temporary files and marked temporary folders are removed; an old
// output folder is moved back to `path` when a crash left `path` missing, else removed. Anything
// else (no marker, a live PID, a symlink) is left alone.
void CleanStaleTemporaries(const std::string& path);

}  // namespace rightsize
