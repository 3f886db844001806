// Every numeric flag of every command rejects nan, inf and values outside its range with one line
// and exit 2. The flags are read from the CLI itself, so a numeric flag added without the
// finite-range check (sim/cli/numeric_flags.h) fails here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "sim/cli/commands.h"
#include "sim/cli/numeric_flags.h"
#include "tests/cli/run_binary.h"

using Catch::Matchers::Contains;
using rightsize::testing::RunRightsize;

namespace {

struct NumericFlag {
  std::string command;
  std::string flag;
};

std::vector<NumericFlag> AllNumericFlags() {
  CLI::App app;
  int exit_code = 0;
  rightsize::RegisterCommands(app, &exit_code);
  std::vector<NumericFlag> flags;
  for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    for (const CLI::Option* option : command->get_options()) {
      const std::string type = option->get_type_name();
      const bool numeric =
          type.rfind("INT", 0) == 0 || type.rfind("UINT", 0) == 0 || type.rfind("FLOAT", 0) == 0;
      if (!numeric || option->get_lnames().empty()) continue;
      INFO(command->get_name() << " --" << option->get_lnames().front());
      CHECK_NOTHROW(
          const_cast<CLI::Option*>(option)->get_validator(rightsize::kFiniteRangeValidator));
      flags.push_back({command->get_name(), "--" + option->get_lnames().front()});
    }
  }
  return flags;
}

}  // namespace

TEST_CASE("every numeric flag rejects nan, inf and out-of-range values with one line and exit 2") {
  const std::vector<NumericFlag> flags = AllNumericFlags();
  // predict's workload flags alone are a dozen: the walk must have found the commands' flags.
  REQUIRE(flags.size() >= 40);
  for (const NumericFlag& f : flags) {
    for (const char* value : {"nan", "inf", "-inf", "1e300", "-1e300"}) {
      const std::string args = f.command + " " + f.flag + " " + value;
      INFO(args);
      const auto r = RunRightsize(args);
      CHECK(r.exit_code == 2);
      CHECK_THAT(r.output, Contains("rightsize: error: " + f.flag + ": "));
      CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
    }
  }
}

TEST_CASE("a value that is not a number at all is also a one-line error with exit 2") {
  const auto r = RunRightsize("predict --model llama-3-8b --hardware rtx-4090 --tp three");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Contains("--tp"));
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
}
