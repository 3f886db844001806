// End-to-end: -o never destroys what is at the path (sim/util/output_path.h). Each refusal is one
// line with exit 3, before any work, and leaves the path as it was.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "sim/util/file_io.h"
#include "sim/util/output_path.h"
#include "tests/cli/run_binary.h"

using Catch::Matchers::Contains;
using rightsize::testing::RunRightsize;
namespace fs = std::filesystem;

namespace {

const std::string kStudy = std::string(RIGHTSIZE_SOURCE_DIR) + "/examples/default-study.yaml";

fs::path Scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("rightsize_output_cli_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void Write(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

// An I/O refusal: exit 3, one line naming the path.
void CheckRefused(const std::string& args, const std::string& path, const std::string& expected) {
  INFO(args);
  const auto r = RunRightsize(args);
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.output, Contains("rightsize: error: " + path));
  CHECK_THAT(r.output, Contains(expected));
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
}

}  // namespace

TEST_CASE("report and run -o refuse a folder of the user's files, a file, a symlink and a FIFO") {
  const fs::path root = Scratch("report");
  const fs::path user = root / "thesis";
  fs::create_directories(user);
  Write(user / "chapter1.tex", "years of work");
  CheckRefused("report " + kStudy + " -o " + user.string(), user.string(), "did not write");
  CheckRefused("run " + kStudy + " -o " + user.string(), user.string(), "did not write");
  CHECK(rightsize::ReadTextFile((user / "chapter1.tex").string()) == "years of work");

  const fs::path file = root / "file.txt";
  Write(file, "mine");
  CheckRefused("report " + kStudy + " -o " + file.string(), file.string(), "is a regular file");
  CHECK(rightsize::ReadTextFile(file.string()) == "mine");

  const fs::path link = root / "link";
  fs::create_directory_symlink(user, link);
  CheckRefused("run " + kStudy + " -o " + link.string(), link.string(), "is a symbolic link");
  CHECK(fs::is_symlink(link));

  const fs::path fifo = root / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CheckRefused("report " + kStudy + " -o " + fifo.string(), fifo.string(), "is a FIFO");
  CHECK(fs::is_fifo(fifo));
  fs::remove_all(root);
}

TEST_CASE("single-file outputs refuse a folder, a symlink and a FIFO and replace a regular file") {
  const fs::path root = Scratch("file");
  const std::string sweep = "sweep --models qwen2.5-7b --hardware rtx-4090 -o ";
  const fs::path folder = root / "folder";
  fs::create_directories(folder);
  CheckRefused(sweep + folder.string(), folder.string(), "is a folder");
  CheckRefused("crossover " + kStudy + " -o " + folder.string(), folder.string(), "is a folder");
  const fs::path fifo = root / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CheckRefused(sweep + fifo.string(), fifo.string(), "is a FIFO");
  const fs::path data = root / "data.csv";
  Write(data, "n_params,d_tokens,loss\n");
  const fs::path link = root / "law.json";
  fs::create_symlink(data, link);
  CheckRefused("fit-law " + data.string() + " -o " + link.string(), link.string(),
               "is a symbolic link");
  CHECK(rightsize::ReadTextFile(data.string()) == "n_params,d_tokens,loss\n");

  const fs::path out = root / "sweep.csv";
  Write(out, "old");
  const auto r = RunRightsize(sweep + out.string());
  CHECK(r.exit_code == 0);
  CHECK_THAT(rightsize::ReadTextFile(out.string()), Contains("qwen2.5-7b,rtx-4090"));
  fs::remove_all(root);
}

TEST_CASE("measure -o into a place that cannot be written is an I/O error before any timing") {
  const fs::path root = Scratch("measure");
  const fs::path file = root / "file";
  Write(file, "x");
  const fs::path below = file / "out";
  CheckRefused("measure --quick -o " + below.string(), below.string(), "is not a folder");
  fs::remove_all(root);
}

TEST_CASE("measure --hardware-id that is not an id is refused before anything is written") {
  const fs::path root = Scratch("hardware_id");
  const fs::path out = root / "a" / "b";
  const auto r = RunRightsize("measure --quick -o " + out.string() + " --hardware-id ../../x");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Contains("--hardware-id: '../../x' is not a valid id"));
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  CHECK_FALSE(fs::exists(root / "a"));
  CHECK_FALSE(fs::exists(root / "x.yaml"));
  fs::remove_all(root);
}
