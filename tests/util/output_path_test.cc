// The output rules (sim/util/output_path.h): nothing rightsize did not write is replaced or
// deleted; its own outputs are replaced whole; temporaries of killed runs are cleaned up.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "sim/util/error.h"
#include "sim/util/file_io.h"
#include "sim/util/output_path.h"

using namespace rightsize;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

// A fresh empty folder for one test case.
fs::path Scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("rightsize_output_path_test_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void Write(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

// A PID that is not running: a child that has exited and been reaped.
long DeadPid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

std::string IoErrorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

// What the report writer does: a couple of files into the temporary folder.
void FillReport(const std::string& dir, const std::string& text) {
  WriteFileAtomically(dir + "/report.md", text);
  WriteFileAtomically(dir + "/data.csv", "a,b\n1,2\n");
}

}  // namespace

TEST_CASE("a folder output never replaces a folder with the user's files in it") {
  const fs::path root = Scratch("user_folder");
  const fs::path target = root / "notes";
  fs::create_directories(target);
  Write(target / "thesis.tex", "years of work");
  const std::string why = IoErrorOf([&] {
    WriteFolderAtomically(target.string(), [](const std::string& d) { FillReport(d, "r"); });
  });
  CHECK_THAT(why, Contains("did not write"));
  CHECK(why.find('\n') == std::string::npos);
  CHECK(ReadTextFile((target / "thesis.tex").string()) == "years of work");
  CHECK_FALSE(fs::exists(target / "report.md"));
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(root)) ++entries;
  CHECK(entries == 1);  // no temporary left beside it
  fs::remove_all(root);
}

TEST_CASE(
    "a folder output refuses a regular file, a symlink and a FIFO where the folder goes, and "
    "leaves them") {
  const fs::path root = Scratch("special");
  const fs::path file = root / "file";
  Write(file, "mine");
  CHECK_THAT(IoErrorOf([&] {
               WriteFolderAtomically(file.string(),
                                     [](const std::string& d) { FillReport(d, "r"); });
             }),
             Contains("is a regular file"));
  CHECK(ReadTextFile(file.string()) == "mine");

  const fs::path real = root / "real";
  fs::create_directories(real);
  Write(real / "keep.txt", "keep");
  const fs::path link = root / "link";
  fs::create_directory_symlink(real, link);
  CHECK_THAT(IoErrorOf([&] {
               WriteFolderAtomically(link.string(),
                                     [](const std::string& d) { FillReport(d, "r"); });
             }),
             Contains("is a symbolic link"));
  CHECK(fs::is_symlink(link));
  CHECK(fs::read_symlink(link) == real);
  CHECK(ReadTextFile((real / "keep.txt").string()) == "keep");

  const fs::path fifo = root / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THAT(IoErrorOf([&] {
               WriteFolderAtomically(fifo.string(),
                                     [](const std::string& d) { FillReport(d, "r"); });
             }),
             Contains("is a FIFO"));
  CHECK(fs::is_fifo(fifo));
  fs::remove_all(root);
}

TEST_CASE("a device node is refused as a file or folder output and not deleted") {
  const fs::path root = Scratch("device");
  const fs::path device = root / "null";
  // Creating a device node needs CAP_MKNOD (root, and a container that allows it).
  if (::mknod(device.c_str(), S_IFCHR | 0600, makedev(1, 3)) != 0) {
    WARN("skipped: cannot create a device node here (mknod: " << std::strerror(errno)
                                                              << "; needs root with CAP_MKNOD)");
    fs::remove_all(root);
    return;
  }
  CHECK_THAT(IoErrorOf([&] { WriteFileAtomically(device.string(), "x"); }),
             Contains("is a device file"));
  CHECK_THAT(IoErrorOf([&] {
               WriteFolderAtomically(device.string(),
                                     [](const std::string& d) { FillReport(d, "r"); });
             }),
             Contains("is a device file"));
  struct stat st {};
  REQUIRE(::lstat(device.c_str(), &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  fs::remove_all(root);
}

TEST_CASE("rightsize replaces its own report folder and an empty folder whole") {
  const fs::path root = Scratch("replace");
  const fs::path target = root / "report";
  WriteFolderAtomically(target.string(), [](const std::string& d) {
    FillReport(d, "first");
    WriteFileAtomically(d + "/only-in-first.txt", "x");
  });
  CHECK(ReadTextFile((target / "report.md").string()) == "first");
  CHECK(fs::exists(target / kOutputMarkerFile));
  WriteFolderAtomically(target.string(), [](const std::string& d) { FillReport(d, "second"); });
  CHECK(ReadTextFile((target / "report.md").string()) == "second");
  CHECK_FALSE(fs::exists(target / "only-in-first.txt"));
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(root)) ++entries;
  CHECK(entries == 1);  // the old folder is gone, no temporary left

  // A file the user added to the report folder makes it theirs: refused, and kept.
  Write(target / "my-notes.txt", "notes");
  CHECK_THAT(IoErrorOf([&] {
               WriteFolderAtomically(target.string(),
                                     [](const std::string& d) { FillReport(d, "third"); });
             }),
             Contains("my-notes.txt"));
  CHECK(ReadTextFile((target / "report.md").string()) == "second");
  CHECK(ReadTextFile((target / "my-notes.txt").string()) == "notes");

  const fs::path empty = root / "empty";
  fs::create_directories(empty);
  WriteFolderAtomically(empty.string(), [](const std::string& d) { FillReport(d, "into empty"); });
  CHECK(ReadTextFile((empty / "report.md").string()) == "into empty");
  fs::remove_all(root);
}

TEST_CASE("a failing fill leaves the previous folder and no temporary") {
  const fs::path root = Scratch("failing");
  const fs::path target = root / "report";
  WriteFolderAtomically(target.string(), [](const std::string& d) { FillReport(d, "good"); });
  CHECK_THROWS_AS(WriteFolderAtomically(target.string(),
                                        [](const std::string& d) {
                                          FillReport(d, "half");
                                          throw InputError({"study.yaml", 3, "key"}, "bad");
                                        }),
                  InputError);
  CHECK(ReadTextFile((target / "report.md").string()) == "good");
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(root)) ++entries;
  CHECK(entries == 1);
  fs::remove_all(root);
}

TEST_CASE("temporaries of a killed run are cleaned, anything else beside them is left") {
  const fs::path root = Scratch("stale");
  const long dead = DeadPid();
  const fs::path target = root / "report";
  // A temporary folder of a run killed while building, and one that is not rightsize's.
  const fs::path stale_folder = root / (".report.tmp." + std::to_string(dead));
  fs::create_directories(stale_folder / "sub");
  Write(stale_folder / kOutputMarkerFile, "rightsize temporary folder, being built\n");
  Write(stale_folder / "sub" / "half.png", "half");
  const fs::path foreign = root / (".report.tmp." + std::to_string(dead + 1000000));
  fs::create_directories(foreign);
  Write(foreign / "user.txt", "not rightsize's");
  // A temporary file of a killed single-file write.
  const fs::path stale_file = root / (".out.json.tmp." + std::to_string(dead));
  Write(stale_file, "{\"half");
  // A temporary of a live process (this one) is never touched by cleaning.
  const fs::path live = root / (".out.json.tmp." + std::to_string(::getppid()));
  Write(live, "busy");

  WriteFolderAtomically(target.string(), [](const std::string& d) { FillReport(d, "new"); });
  WriteFileAtomically((root / "out.json").string(), "{}");
  CHECK_FALSE(fs::exists(stale_folder));
  CHECK_FALSE(fs::exists(stale_file));
  CHECK(ReadTextFile((foreign / "user.txt").string()) == "not rightsize's");
  CHECK(ReadTextFile(live.string()) == "busy");
  fs::remove_all(root);
}

TEST_CASE("a crash between the two renames is repaired: the old folder comes back") {
  const fs::path root = Scratch("restore");
  const fs::path target = root / "report";
  WriteFolderAtomically(target.string(), [](const std::string& d) { FillReport(d, "old"); });
  // As a run killed after moving the old folder aside leaves it (where renameat2 exchange is
  // unavailable): NAME missing, the old folder complete at .NAME.old.PID.
  const fs::path aside = root / (".report.old." + std::to_string(DeadPid()));
  fs::rename(target, aside);
  CleanStaleTemporaries(target.string());
  CHECK(ReadTextFile((target / "report.md").string()) == "old");
  CHECK_FALSE(fs::exists(aside));
  fs::remove_all(root);
}

TEST_CASE("a file output replaces only a regular file, atomically, keeping its permissions") {
  const fs::path root = Scratch("file");
  const fs::path path = root / "sub" / "out.json";
  WriteFileAtomically(path.string(), "first");
  ::chmod(path.c_str(), 0640);
  WriteFileAtomically(path.string(), "second");
  CHECK(ReadTextFile(path.string()) == "second");
  CHECK((fs::status(path).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(path.parent_path())) ++entries;
  CHECK(entries == 1);

  const fs::path folder = root / "folder";
  fs::create_directories(folder);
  CHECK_THAT(IoErrorOf([&] { WriteFileAtomically(folder.string(), "x"); }),
             Contains("is a folder"));
  CHECK(fs::is_directory(folder));
  const fs::path link = root / "link.json";
  fs::create_symlink(path, link);
  CHECK_THAT(IoErrorOf([&] { WriteFileAtomically(link.string(), "x"); }),
             Contains("is a symbolic link"));
  CHECK(fs::is_symlink(link));
  CHECK(ReadTextFile(path.string()) == "second");
  const fs::path fifo = root / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THAT(IoErrorOf([&] { WriteFileAtomically(fifo.string(), "x"); }), Contains("is a FIFO"));
  CHECK(fs::is_fifo(fifo));
  CHECK_THAT(IoErrorOf([&] { CheckOutputFile((path / "below-a-file.json").string()); }),
             Contains("not a folder"));
  fs::remove_all(root);
}

TEST_CASE("a streamed output appears whole at commit, gzip-compressed when asked") {
  const fs::path dir = Scratch("streamed");
  const fs::path plain = dir / "rows.csv", packed = dir / "rows.csv.gz";
  Write(plain, "previous\n");
  std::string expected;
  {
    AtomicFileWriter file(plain.string(), AtomicFileWriter::Compression::kNone);
    AtomicFileWriter gz(packed.string(), AtomicFileWriter::Compression::kGzip);
    for (int i = 0; i < 20000; ++i) {
      const std::string line = "row," + std::to_string(i) + "\n";
      file.Append(line);
      gz.Append(line);
      expected += line;
    }
    std::ifstream before(plain);
    CHECK(std::string(std::istreambuf_iterator<char>(before), {}) == "previous\n");
    CHECK_FALSE(fs::exists(packed));
    file.Commit();
    gz.Commit();
  }
  std::ifstream after(plain);
  CHECK(std::string(std::istreambuf_iterator<char>(after), {}) == expected);
  // gzip -d gives back the same bytes (RFC 1952 stream, fixed header).
  const std::string command = "gzip -dc " + packed.string();
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string unpacked;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) unpacked.append(buffer, n);
  CHECK(::pclose(pipe) == 0);
  CHECK(unpacked == expected);
  CHECK(fs::file_size(packed) < expected.size() / 3);
}

TEST_CASE("a streamed output abandoned before commit leaves the previous file and no temporary") {
  const fs::path dir = Scratch("abandoned");
  const fs::path target = dir / "rows.csv";
  Write(target, "previous\n");
  {
    AtomicFileWriter file(target.string(), AtomicFileWriter::Compression::kGzip);
    file.Append("half of the rows\n");
  }
  std::ifstream after(target);
  CHECK(std::string(std::istreambuf_iterator<char>(after), {}) == "previous\n");
  size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++entries;
  CHECK(entries == 1);
}
