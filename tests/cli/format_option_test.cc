// One --format table | json | csv | markdown on every command: the option is read from the CLI
// itself (a command added without it fails here), a bad value is one line with exit 2, and each
// format is what it says (JSON parses, CSV and Markdown have one row per JSON record).
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/cli/commands.h"
#include "sim/cli/format_option.h"
#include "tests/cli/run_binary.h"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using rightsize::testing::CheckOneLineInputError;
using rightsize::testing::RunRightsize;

namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("every command takes the one --format option, checked when the flags are parsed") {
  CLI::App app;
  int exit_code = 0;
  rightsize::RegisterCommands(app, &exit_code);
  const auto commands = app.get_subcommands([](const CLI::App*) { return true; });
  REQUIRE(commands.size() >= 13);  // list predict plan crossover report run sweep ...
  for (const CLI::App* command : commands) {
    INFO(command->get_name());
    const CLI::Option* format = command->get_option_no_throw("--format");
    REQUIRE(format != nullptr);
    CHECK_NOTHROW(
        const_cast<CLI::Option*>(format)->get_validator(rightsize::kOutputFormatValidator));
    CheckOneLineInputError(command->get_name() + " --format yaml", "--format: unknown format");
  }
}

TEST_CASE("list: JSON, CSV and Markdown hold the same rows, the table has a header row") {
  const auto json = RunRightsize("list hardware --format json");
  REQUIRE(json.exit_code == 0);
  const nlohmann::json rows = nlohmann::json::parse(json.output);
  REQUIRE(rows.is_array());
  REQUIRE(rows.size() >= 10);
  const auto csv = RunRightsize("list hardware --format csv");
  CHECK(Lines(csv.output).size() == rows.size() + 1);
  const auto markdown = RunRightsize("list hardware --format markdown");
  const auto md_lines = Lines(markdown.output);
  CHECK(md_lines.size() == rows.size() + 2);
  CHECK_THAT(md_lines[1], StartsWith("| --- |"));
  const auto table = RunRightsize("list hardware --format table");
  CHECK(Lines(table.output).size() == rows.size() + 1);
  CHECK_THAT(Lines(table.output)[0], StartsWith("id"));
}

TEST_CASE("crossover: the verdict first, one candidate row per candidate in every format",
          "[heavy]") {
  const std::string study = std::string(RIGHTSIZE_SOURCE_DIR) + "/examples/default-study.yaml";
  const auto json = RunRightsize("crossover " + study + " --format json");
  REQUIRE(json.exit_code == 0);
  const nlohmann::json doc = nlohmann::json::parse(json.output);
  const size_t candidates = doc["candidates"].size();
  REQUIRE(candidates >= 2);
  const std::string verdict = doc["pairs"][0]["verdict"].get<std::string>();

  const auto csv = RunRightsize("crossover " + study + " --format csv");
  const auto csv_lines = Lines(csv.output);
  REQUIRE(csv_lines.size() == candidates + 1);
  CHECK(csv_lines[0] == "name,role,quality,quality_sd,total_usd,usd_per_million_tokens,layout");
  CHECK_THAT(csv_lines[1], StartsWith(doc["candidates"][0]["name"].get<std::string>() + ","));

  const auto table = RunRightsize("crossover " + study);
  const auto table_lines = Lines(table.output);
  // Title, blank, then the verdict before the candidate table.
  REQUIRE(table_lines.size() > 4);
  CHECK(table_lines[2] == verdict);
  CHECK_THAT(table.output, Contains("total [$]"));
}
