// The strict readers: CSV with line numbers, close-match suggestions, atomic writes.
#include <catch2/catch.hpp>

#include <filesystem>

#include "sim/util/csv.h"
#include "sim/util/file_io.h"
#include "sim/util/output_path.h"
#include "sim/util/strings.h"

using namespace rightsize;
using Catch::Matchers::Contains;

TEST_CASE("CSV rows keep their line numbers, quoted fields may hold commas and newlines") {
  const CsvTable t = CsvTable::Parse("a,b\n1,\"x,y\"\n\n2,\"multi\nline\"\n3,z\n", "t.csv");
  REQUIRE(t.rows().size() == 3);
  CHECK(t.rows()[0].line == 2);
  CHECK(t.Cell(t.rows()[0], "b") == "x,y");
  CHECK(t.rows()[2].line == 6);
  CHECK(t.Number(t.rows()[2], "a") == 3.0);
}

TEST_CASE("CSV errors name file, line and column") {
  const CsvTable t = CsvTable::Parse("a,b\n1,nan\n2,abc\n", "t.csv");
  CHECK_THROWS_WITH(t.Number(t.rows()[0], "b"), Contains("t.csv:2: b: value is not finite"));
  CHECK_THROWS_WITH(t.Number(t.rows()[1], "b"), Contains("t.csv:3: b: expected a number"));
  CHECK_THROWS_WITH(t.Number(t.rows()[1], "c"), Contains("t.csv:1: c: missing column"));
  CHECK_THROWS_WITH(CsvTable::Parse("a,b\n1,2,3\n", "u.csv"),
                    Contains("u.csv:2: row has 3 fields"));
}

TEST_CASE("close matches for unknown ids") {
  const std::vector<std::string> ids = {"llama-3-8b", "llama-3-70b", "qwen2.5-7b"};
  CHECK(ClosestMatches("llama-3-8", ids).front() == "llama-3-8b");
  CHECK(DidYouMean("zzzzzzzzzzzzzz", ids).empty());
}

TEST_CASE("atomic writes replace the file whole and leave no temp file") {
  const auto dir = std::filesystem::temp_directory_path() / "rightsize_atomic_test";
  std::filesystem::remove_all(dir);
  const std::string path = (dir / "out.json").string();
  WriteFileAtomically(path, "first");
  WriteFileAtomically(path, "second");
  CHECK(ReadTextFile(path) == "second");
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++files;
  CHECK(files == 1);
  CHECK_THROWS(WriteFileAtomically("/proc/no/such/dir/x", "y"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("ids that become file names: lower-case letters, digits, '.', '_', '-', no path") {
  for (const char* ok : {"local-cpu", "h100-sxm5-80gb", "qwen2.5-7b", "a", "x_1"})
    CHECK(IsValidId(ok));
  for (const char* bad : {"", "../../x", "a/b", ".hidden", "-flag", "Upper", "sp ace", "a\nb"}) {
    INFO(bad);
    CHECK_FALSE(IsValidId(bad));
  }
  CHECK_THROWS_WITH(CheckId("../../x", {"", 0, "--hardware-id"}),
                    Contains("--hardware-id: '../../x' is not a valid id"));
}
