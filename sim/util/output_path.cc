#include "sim/util/output_path.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <vector>

#include <fmt/format.h>
#include <zlib.h>

#include "sim/util/error.h"

namespace rightsize {
namespace {

namespace fs = std::filesystem;

// First line of the marker of a finished output folder, and of a folder still being built (whose
// whole content is rightsize's, so a stale one is removed whole).
constexpr const char* kFinishedHeader =
    "rightsize output folder; rightsize may replace it. Entries it wrote:";
constexpr const char* kBuildingHeader = "rightsize temporary folder, being built";

std::string ErrnoText(int error) { return std::strerror(error); }

// What is at a path, not following a final symlink.
enum class Kind { kAbsent, kRegular, kFolder, kSymlink, kDevice, kFifo, kSocket };

Kind KindAt(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR)
      return Kind::kAbsent;  // ENOTDIR: a parent is not a folder
    throw IoError(fmt::format("{}: cannot inspect: {}", path.string(), ErrnoText(error)));
  }
  if (S_ISREG(st.st_mode)) return Kind::kRegular;
  if (S_ISDIR(st.st_mode)) return Kind::kFolder;
  if (S_ISLNK(st.st_mode)) return Kind::kSymlink;
  if (S_ISFIFO(st.st_mode)) return Kind::kFifo;
  if (S_ISSOCK(st.st_mode)) return Kind::kSocket;
  return Kind::kDevice;  // character or block device
}

const char* Describe(Kind kind) {
  switch (kind) {
    case Kind::kAbsent:
      return "absent";
    case Kind::kRegular:
      return "a regular file";
    case Kind::kFolder:
      return "a folder";
    case Kind::kSymlink:
      return "a symbolic link";
    case Kind::kDevice:
      return "a device file";
    case Kind::kFifo:
      return "a FIFO";
    case Kind::kSocket:
      return "a socket";
  }
  return "?";
}

// The output path without trailing slashes; a name that cannot be renamed ("", ".", "..", "/")
// is refused.
fs::path Normalize(const std::string& path) {
  std::string text = path;
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  const fs::path p(text);
  const std::string name = p.filename().string();
  if (name.empty() || name == "." || name == ".." || text == "/") {
    throw IoError(
        fmt::format("'{}': not a name rightsize can write to; give a file or folder name", path));
  }
  return p;
}

fs::path ParentOf(const fs::path& p) {
  return p.has_parent_path() ? p.parent_path() : fs::path(".");
}

// `.NAME.tmp.PID` or `.NAME.old.PID` beside `target`.
fs::path Sibling(const fs::path& target, const char* kind, long pid) {
  return ParentOf(target) / fmt::format(".{}.{}.{}", target.filename().string(), kind, pid);
}

// The folder that will hold the output, or its nearest existing ancestor, must be a folder this
// process may write in.
void CheckParentWritable(const fs::path& target, const std::string& shown) {
  fs::path ancestor = ParentOf(target);
  while (KindAt(ancestor) == Kind::kAbsent) {
    ancestor = ancestor.has_parent_path() && ancestor != ancestor.parent_path()
                   ? ancestor.parent_path()
                   : ".";
  }
  struct stat st {};
  if (::stat(ancestor.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw IoError(
        fmt::format("{}: cannot be created: {} is not a folder", shown, ancestor.string()));
  }
  if (::access(ancestor.c_str(), W_OK | X_OK) != 0) {
    throw IoError(
        fmt::format("{}: cannot be created in {}: {}", shown, ancestor.string(), ErrnoText(errno)));
  }
}

void CreateParent(const fs::path& parent, const std::string& path) {
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec)
    throw IoError(
        fmt::format("{}: cannot create folder {}: {}", path, parent.string(), ec.message()));
}

void Fsync(const fs::path& path, bool folder) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (folder ? O_DIRECTORY : 0));
  if (fd < 0)
    throw IoError(fmt::format("{}: cannot open to flush: {}", path.string(), ErrnoText(errno)));
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  // Some file systems cannot fsync a folder (EINVAL); the data itself was flushed file by file.
  if (rc != 0 && !(folder && error == EINVAL)) {
    throw IoError(fmt::format("{}: cannot flush to disk: {}", path.string(), ErrnoText(error)));
  }
}

bool ProcessAlive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

// Every entry under `dir` (relative, generic form), not following symlinks.
std::vector<std::string> EntriesOf(const fs::path& dir) {
  std::vector<std::string> entries;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    entries.push_back(it->path().lexically_relative(dir).generic_string());
  }
  if (ec) throw IoError(fmt::format("{}: cannot list: {}", dir.string(), ec.message()));
  return entries;
}

struct Marker {
  bool building = false;          // a temporary folder: everything in it is rightsize's
  std::set<std::string> entries;  // a finished folder: what rightsize wrote
};

// The marker of `dir`, if it has one rightsize wrote.
std::optional<Marker> ReadMarker(const fs::path& dir) {
  const fs::path path = dir / kOutputMarkerFile;
  if (KindAt(path) != Kind::kRegular) return std::nullopt;
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  Marker marker;
  if (line == kBuildingHeader) {
    marker.building = true;
    return marker;
  }
  if (line != kFinishedHeader) return std::nullopt;
  while (std::getline(in, line)) {
    if (!line.empty()) marker.entries.insert(line);
  }
  return marker;
}

void WriteMarker(const fs::path& dir, const std::string& text) {
  const fs::path path = dir / kOutputMarkerFile;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) throw IoError(fmt::format("{}: cannot write", path.string()));
}

// Removes a folder rightsize wrote: a temporary one whole; a finished one entry by entry as its
// marker lists them, so anything added since stays (and so does the folder holding it).
void RemoveOwnedFolder(const fs::path& dir) {
  const std::optional<Marker> marker = ReadMarker(dir);
  std::error_code ec;
  if (marker && marker->building) {
    fs::remove_all(dir, ec);
    return;
  }
  if (marker) {
    // Deepest first, so listed folders are empty by the time they are removed.
    std::vector<std::string> listed(marker->entries.begin(), marker->entries.end());
    std::sort(listed.begin(), listed.end(),
              [](const std::string& a, const std::string& b) { return a > b; });
    for (const std::string& entry : listed) {
      const fs::path path = dir / entry;
      if (KindAt(path) == Kind::kFolder) {
        ::rmdir(path.c_str());
      } else {
        ::unlink(path.c_str());
      }
    }
    ::unlink((dir / kOutputMarkerFile).c_str());
  }
  ::rmdir(dir.c_str());  // only if now empty
}

// Why `dir` may not be replaced, or "" when it may.
std::string RefusalForFolder(const fs::path& dir, const std::string& shown) {
  const Kind kind = KindAt(dir);
  if (kind == Kind::kAbsent) {
    CheckParentWritable(dir, shown);
    return "";
  }
  if (kind != Kind::kFolder) {
    return fmt::format(
        "{}: is {}; a folder output goes only to a new path, an empty folder or a folder rightsize "
        "wrote (nothing was changed)",
        shown, Describe(kind));
  }
  const std::vector<std::string> entries = EntriesOf(dir);
  if (entries.empty()) return "";
  const std::optional<Marker> marker = ReadMarker(dir);
  if (!marker || marker->building) {
    return fmt::format(
        "{}: is a folder rightsize did not write (no {} in it); rightsize replaces only empty "
        "folders and its own: choose another path (nothing was changed)",
        shown, kOutputMarkerFile);
  }
  std::vector<std::string> foreign;
  for (const std::string& entry : entries) {
    if (entry != kOutputMarkerFile && !marker->entries.count(entry)) foreign.push_back(entry);
  }
  if (foreign.empty()) return "";
  return fmt::format(
      "{}: holds {} entr{} rightsize did not write ({}{}); move them out or choose another path "
      "(nothing was changed)",
      shown, foreign.size(), foreign.size() == 1 ? "y" : "ies", foreign.front(),
      foreign.size() > 1 ? ", ..." : "");
}

// Moves `from` to the absent `to`, failing (instead of replacing) if `to` appeared meanwhile.
int RenameNoReplace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  // The file system lacks RENAME_NOREPLACE: a plain rename never replaces a non-empty folder,
  // and `to` was checked to be absent just before.
  return ::rename(from.c_str(), to.c_str());
}

// Swaps the finished temporary folder in at `target` (checked replaceable).
void SwapIn(const fs::path& temp, const fs::path& target, const std::string& shown) {
  const fs::path parent = ParentOf(target);
  if (KindAt(target) == Kind::kAbsent) {
    if (RenameNoReplace(temp, target) != 0) {
      const int error = errno;
      RemoveOwnedFolder(temp);
      throw IoError(
          fmt::format("{}: cannot move the new folder into place: {}", shown, ErrnoText(error)));
    }
    Fsync(parent, true);
    return;
  }
  // One atomic step: the old folder takes the temporary name, the new one takes `target`.
  if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) {
    Fsync(parent, true);
    RemoveOwnedFolder(temp);
    return;
  }
  if (errno != EINVAL && errno != ENOSYS) {
    const int error = errno;
    RemoveOwnedFolder(temp);
    throw IoError(fmt::format("{}: cannot replace: {}", shown, ErrnoText(error)));
  }
  // No RENAME_EXCHANGE on this file system: two renames. Between them NAME is missing while the
  // old folder sits complete at `.NAME.old.PID`; CleanStaleTemporaries moves it back after a crash.
  const fs::path old = Sibling(target, "old", ::getpid());
  if (::rename(target.c_str(), old.c_str()) != 0) {
    const int error = errno;
    RemoveOwnedFolder(temp);
    throw IoError(fmt::format("{}: cannot move the old folder aside: {}", shown, ErrnoText(error)));
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    const int error = errno;
    ::rename(old.c_str(), target.c_str());
    RemoveOwnedFolder(temp);
    throw IoError(
        fmt::format("{}: cannot move the new folder into place: {}", shown, ErrnoText(error)));
  }
  Fsync(parent, true);
  RemoveOwnedFolder(old);
}

}  // namespace

void CheckOutputFile(const std::string& path) {
  if (path.empty()) throw IoError("empty output path");
  if (path.back() == '/') throw IoError(fmt::format("{}: names a folder; give a file name", path));
  const Kind kind = KindAt(path);
  if (kind == Kind::kAbsent) CheckParentWritable(Normalize(path), path);
  if (kind == Kind::kAbsent || kind == Kind::kRegular) return;
  throw IoError(
      fmt::format("{}: is {}; a file output goes only to a new path or over a regular file "
                  "(nothing was changed)",
                  path, Describe(kind)));
}

namespace {

// The temporary of the AtomicFileWriter being written, removed when SIGTERM or SIGINT ends the
// process (mpirun ends the other ranks of a failed job with SIGTERM; a user presses Ctrl-C): a
// streamed sweep can write for minutes, and its partial temporary would otherwise stay until the
// next run's CleanStaleTemporaries. A fixed buffer: the handler may only call async-signal-safe
// functions.
char signal_temporary[4096] = {0};
struct sigaction previous_term {
}, previous_int{};

void RemoveTemporaryAndDie(int signal_number) {
  if (signal_temporary[0] != 0) ::unlink(signal_temporary);
  ::sigaction(signal_number == SIGTERM ? SIGTERM : SIGINT,
              signal_number == SIGTERM ? &previous_term : &previous_int, nullptr);
  ::raise(signal_number);
}

void RemoveOnSignal(const std::string& temp) {
  if (temp.size() >= sizeof signal_temporary || signal_temporary[0] != 0) return;
  std::memcpy(signal_temporary, temp.c_str(), temp.size() + 1);
  struct sigaction action {};
  action.sa_handler = RemoveTemporaryAndDie;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGTERM, &action, &previous_term);
  ::sigaction(SIGINT, &action, &previous_int);
}

void KeepOnSignal(const std::string& temp) {
  if (temp != signal_temporary) return;
  ::sigaction(SIGTERM, &previous_term, nullptr);
  ::sigaction(SIGINT, &previous_int, nullptr);
  signal_temporary[0] = 0;
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(const std::string& path, Compression compression) : path_(path) {
  CheckOutputFile(path);
  const fs::path target = Normalize(path);
  CreateParent(ParentOf(target), path);
  CleanStaleTemporaries(path);
  const fs::path temp = Sibling(target, "tmp", ::getpid());
  temp_ = temp.string();
  if (KindAt(temp) == Kind::kRegular) ::unlink(temp.c_str());  // this process's own leftover
  fd_ = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd_ < 0) {
    throw IoError(fmt::format("{}: cannot write temporary file {}: {}", path, temp.string(),
                              ErrnoText(errno)));
  }
  RemoveOnSignal(temp_);
  if (compression == Compression::kGzip) {
    gzip_ = std::make_unique<z_stream>();
    // windowBits 15 + 16: a gzip wrapper (RFC 1952) with a fixed header (no name, time 0), so
    // the same rows always compress to the same bytes.
    if (deflateInit2(gzip_.get(), Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
      gzip_.reset();
      Fail("cannot start gzip compression", ENOMEM);
    }
  }
}

AtomicFileWriter::~AtomicFileWriter() {
  if (gzip_) deflateEnd(gzip_.get());
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_.c_str());
  KeepOnSignal(temp_);
}

void AtomicFileWriter::Fail(const std::string& what, int error) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temp_.c_str());
  throw IoError(fmt::format("{}: {}: {}", path_, what, ErrnoText(error)));
}

void AtomicFileWriter::WriteRaw(const char* data, size_t size) {
  size_t written = 0;
  while (written < size) {
    const ssize_t n = ::write(fd_, data + written, size - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      Fail("write failed", errno);
    }
    written += static_cast<size_t>(n);
  }
}

void AtomicFileWriter::Deflate(const char* data, size_t size, int flush) {
  char out[1 << 16];
  gzip_->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
  gzip_->avail_in = static_cast<uInt>(size);
  do {
    gzip_->next_out = reinterpret_cast<Bytef*>(out);
    gzip_->avail_out = sizeof out;
    const int rc = deflate(gzip_.get(), flush);
    if (rc == Z_STREAM_ERROR) Fail("gzip compression failed", EIO);
    WriteRaw(out, sizeof out - gzip_->avail_out);
  } while (gzip_->avail_out == 0);
}

void AtomicFileWriter::Append(std::string_view bytes) {
  RS_CHECK(fd_ >= 0 && !committed_, "append to a closed output file");
  if (!gzip_) {
    WriteRaw(bytes.data(), bytes.size());
    return;
  }
  // zlib counts input in uInt: feed at most 1 GiB at a time.
  constexpr size_t kMaxPiece = size_t{1} << 30;
  for (size_t at = 0; at < bytes.size(); at += kMaxPiece) {
    Deflate(bytes.data() + at, std::min(kMaxPiece, bytes.size() - at), Z_NO_FLUSH);
  }
}

void AtomicFileWriter::Commit() {
  RS_CHECK(fd_ >= 0 && !committed_, "commit of a closed output file");
  if (gzip_) Deflate(nullptr, 0, Z_FINISH);
  const fs::path target = Normalize(path_);
  // A replaced file keeps its permissions.
  struct stat old {};
  if (::lstat(target.c_str(), &old) == 0 && S_ISREG(old.st_mode)) {
    ::fchmod(fd_, old.st_mode & 07777);
  }
  if (::fsync(fd_) != 0) Fail("cannot flush to disk", errno);
  const int closed = ::close(fd_);
  fd_ = -1;
  if (closed != 0) Fail("write failed", errno);
  CheckOutputFile(path_);  // again, just before the rename: something may have appeared there
  if (::rename(temp_.c_str(), target.c_str()) != 0)
    Fail("cannot rename temporary file into place", errno);
  committed_ = true;
  Fsync(ParentOf(target), true);
}

void WriteFileAtomically(const std::string& path, const std::string& contents) {
  AtomicFileWriter file(path, AtomicFileWriter::Compression::kNone);
  file.Append(contents);
  file.Commit();
}

void CheckOutputFolder(const std::string& dir) {
  const std::string why = RefusalForFolder(Normalize(dir), dir);
  if (!why.empty()) throw IoError(why);
}

void WriteFolderAtomically(const std::string& dir,
                           const std::function<void(const std::string& temp_dir)>& fill) {
  const fs::path target = Normalize(dir);
  CreateParent(ParentOf(target), dir);
  CleanStaleTemporaries(dir);
  CheckOutputFolder(dir);
  const fs::path temp = Sibling(target, "tmp", ::getpid());
  if (KindAt(temp) != Kind::kAbsent) {
    const std::optional<Marker> leftover = ReadMarker(temp);
    if (!leftover || !leftover->building) {
      throw IoError(
          fmt::format("{}: {} is in the way and rightsize did not write it", dir, temp.string()));
    }
    RemoveOwnedFolder(temp);
  }
  std::error_code ec;
  if (!fs::create_directory(temp, ec) || ec) {
    throw IoError(fmt::format("{}: cannot create temporary folder {}: {}", dir, temp.string(),
                              ec ? ec.message() : "exists"));
  }
  try {
    WriteMarker(temp, std::string(kBuildingHeader) + "\n");
    fill(temp.string());
    std::vector<std::string> entries = EntriesOf(temp);
    std::string marker = std::string(kFinishedHeader) + "\n";
    for (const std::string& entry : entries) {
      if (entry != kOutputMarkerFile) marker += entry + "\n";
    }
    WriteMarker(temp, marker);
    entries.push_back(kOutputMarkerFile);
    for (const std::string& entry : entries) {
      const Kind kind = KindAt(temp / entry);
      if (kind == Kind::kRegular || kind == Kind::kFolder)
        Fsync(temp / entry, kind == Kind::kFolder);
    }
    Fsync(temp, true);
    // Checked again just before the swap: the folder may have changed while the report was built.
    CheckOutputFolder(dir);
  } catch (...) {
    RemoveOwnedFolder(temp);
    throw;
  }
  SwapIn(temp, target, dir);
}

void CleanStaleTemporaries(const std::string& path) {
  const fs::path target = Normalize(path);
  const fs::path parent = ParentOf(target);
  const std::string prefix = "." + target.filename().string() + ".";
  std::error_code ec;
  if (!fs::is_directory(parent, ec)) return;
  std::vector<fs::path> candidates;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) == 0) candidates.push_back(it->path());
  }
  for (const fs::path& candidate : candidates) {
    const std::string rest = candidate.filename().string().substr(prefix.size());
    const bool is_temp = rest.rfind("tmp.", 0) == 0;
    const bool is_old = rest.rfind("old.", 0) == 0;
    const std::string digits = rest.size() > 4 ? rest.substr(4) : "";
    if ((!is_temp && !is_old) || digits.empty() || digits.size() > 9 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    const long pid = std::stol(digits);
    if (pid == ::getpid() || ProcessAlive(pid)) continue;
    const Kind kind = KindAt(candidate);
    if (kind == Kind::kRegular && is_temp) {
      ::unlink(candidate.c_str());
    } else if (kind == Kind::kFolder) {
      const std::optional<Marker> marker = ReadMarker(candidate);
      if (!marker) continue;  // not rightsize's
      if (is_old && !marker->building && KindAt(target) == Kind::kAbsent) {
        ::rename(candidate.c_str(), target.c_str());  // a crash between the two renames: restore
      } else {
        RemoveOwnedFolder(candidate);
      }
    }
  }
}

}  // namespace rightsize
