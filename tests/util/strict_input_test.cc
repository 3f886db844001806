// The strict input layer every reader uses: JSON (parse errors and out-of-range numbers at
// file:line, typed getters naming file:line: key), range-checked integer conversion and
// arithmetic, YAML keys that are not names, folders and oversized files given as inputs.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <limits>

#include "sim/util/file_io.h"
#include "sim/util/integers.h"
#include "sim/util/json_reader.h"
#include "sim/util/yaml_reader.h"
#include "tests/error_of.h"

using namespace rightsize;
using rightsize::testing::ErrorOf;

TEST_CASE("a number beyond double's range (1e999) is an input error at its line, not an escape") {
  const std::string error =
      ErrorOf([] { JsonDocument::Parse("{\n  \"a\": 1,\n  \"b\": 1e999\n}", "big.json"); });
  CHECK(error.find("big.json:3: malformed JSON") != std::string::npos);
  CHECK(error.find("number overflow") != std::string::npos);
  // Syntax errors and a cut-off document name their line too.
  CHECK(ErrorOf([] {
          JsonDocument::Parse("[1,\n2,\n,]", "s.json");
        }).find("s.json:3: malformed JSON") != std::string::npos);
  CHECK(ErrorOf([] {
          JsonDocument::Parse("{\"a\": [1,\n", "cut.json");
        }).find("cut.json:2: truncated JSON") != std::string::npos);
  // A NUL byte would end nlohmann's parse early and hide the rest of the file.
  CHECK(ErrorOf([] { JsonDocument::Parse(std::string("6\n\0{\"a\": 1}", 11), "nul.json"); }) ==
        "nul.json:2: malformed JSON: a NUL byte (is this a binary file?)");
  // JSONL: the document's first line is the file's line.
  CHECK(ErrorOf([] { JsonDocument::Parse("{\"x\": -1e400}", "l.jsonl", 7); }).find("l.jsonl:7:") !=
        std::string::npos);
}

TEST_CASE("nesting deeper than kMaxJsonDepth is refused at the line where it goes too deep") {
  const std::string deep =
      "\n" + std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  const std::string error = ErrorOf([&] { JsonDocument::Parse(deep, "deep.json"); });
  CHECK(error.find("deep.json:2: JSON nested deeper than") != std::string::npos);
  CHECK_NOTHROW(JsonDocument::Parse(
      std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']'), "ok.json"));
}

TEST_CASE("typed getters name file, line and the full key path") {
  const JsonDocument doc = JsonDocument::Parse(
      "{\"schema_version\": 2,\n"
      " \"groups\": [\n"
      "   1,\n"
      "   {\"group\": \"a/b\",\n"
      "    \"usable\": \"yes\",\n"
      "    \"n\": 4294967297,\n"
      "    \"x\": 2.5}\n"
      " ],\n"
      " \"model_id\": 5}",
      "cal.json");
  const JsonValue root = doc.Root();
  const std::vector<JsonValue> groups = root.Child("groups").Elements();
  REQUIRE(groups.size() == 2);
  CHECK(ErrorOf([&] { groups[0].RequiredString("group"); }) ==
        "cal.json:3: groups[0]: expected a JSON object, got 1");
  CHECK(ErrorOf([&] { groups[1].RequiredBool("usable"); }) ==
        "cal.json:5: groups[1].usable: expected true or false, got \"yes\"");
  CHECK(ErrorOf([&] { root.RequiredString("model_id"); }) ==
        "cal.json:9: model_id: expected a string, got 5");
  CHECK(ErrorOf([&] {
          groups[1].RequiredInt("n", 1, 1 << 16);
        }).find("cal.json:6: groups[1].n: value 4294967297 is outside") != std::string::npos);
  CHECK(ErrorOf([&] {
          groups[1].RequiredInt("x", 0, 10);
        }).find("cal.json:7: groups[1].x: expected an integer") != std::string::npos);
  CHECK(ErrorOf([&] { groups[1].RequiredDouble("missing", 0, 1); }) ==
        "cal.json:4: groups[1].missing: missing required key");
  CHECK(groups[1].RequiredDouble("x", 0, 10) == 2.5);
  CHECK(groups[1].OptionalInt("absent", 3, 0, 10) == 3);
}

TEST_CASE("whole numbers are range-checked before any cast") {
  const SourceLocation at{"log.csv", 4, "tensor_parallel"};
  // 4294967297 = 2^32 + 1 would become 1 as an int.
  CHECK(ErrorOf([&] {
          WholeInRange(4294967297.0, 1, 1 << 16, at);
        }).find("log.csv:4: tensor_parallel: 4294967297 is outside") != std::string::npos);
  CHECK(WholeInRange(8.0, 1, 1 << 16, at) == 8);
  CHECK_THROWS_AS(WholeInRange(2.5, 1, 10, at), InputError);
  CHECK_THROWS_AS(WholeInRange(std::numeric_limits<double>::quiet_NaN(), 1, 10, at), InputError);
  CHECK_THROWS_AS(WholeInRange(9.3e18, 0, std::numeric_limits<int64_t>::max(), at), InputError);
  CHECK(RoundedInRange(2.5001, 1, 10, at) == 3);
  CHECK_THROWS_AS(RoundedInRange(1e300, 1, 10, at), InputError);
  const CheckedInt big = int64_t{1} << 40;
  CHECK((big * 1000).value() == (int64_t{1} << 40) * 1000);
  CHECK_THROWS_AS(big * big, InputError);
  CHECK_THROWS_AS(CheckedInt(std::numeric_limits<int64_t>::max()) + 1, InputError);
}

TEST_CASE("a YAML key that is a list or a mapping is an input error naming file and line") {
  const YAML::Node root = LoadYamlString("id: x\n? [a]\n: 1\n", "k.yaml");
  CHECK(ErrorOf([&] { YamlReader r(root, "k.yaml"); }) ==
        "k.yaml:2: a key must be a plain name, not empty, a list or a mapping");
  const YAML::Node nested = LoadYamlString("outer:\n  {b: 1}: 2\n", "n.yaml");
  YamlReader r(nested, "n.yaml");
  CHECK(ErrorOf([&] { r.Child("outer"); }).find("n.yaml:2: outer: a key must be a plain name") ==
        0);
}

TEST_CASE("a folder where a file is expected is an error, not an empty file") {
  const std::string folder = std::filesystem::temp_directory_path().string();
  CHECK(ErrorOf([&] { ReadTextFile(folder); }) == folder + ": is a folder; expected a file");
  CHECK(ErrorOf([&] { LoadYamlFile(folder); }) == folder + ": is a folder; expected a file");
  CHECK(ErrorOf([&] { JsonDocument::Load(folder); }) == folder + ": is a folder; expected a file");
  // A device that never ends is cut off at the size bound (kMaxInputFileBytes by default)
  // instead of filling memory.
  CHECK(ErrorOf([] { ReadTextFile("/dev/zero", 1 << 20); }) ==
        "/dev/zero: larger than 1 MiB; not an input rightsize reads");
}
