// Runs the rightsize binary with arguments and captures its output and exit code.
#pragma once

#include <sys/wait.h>
#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

#include <catch2/catch.hpp>

namespace rightsize::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

inline CommandResult RunRightsize(const std::string& args) {
  const std::string command = std::string(RIGHTSIZE_BIN) + " " + args + " 2>&1";
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer;
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Bad input: exit code 2 and one line, "rightsize: error: ..." containing `expected`.
inline void CheckOneLineInputError(const std::string& args, const std::string& expected) {
  INFO(args);
  const CommandResult r = RunRightsize(args);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Catch::Matchers::Contains(expected));
  CHECK_THAT(r.output, Catch::Matchers::Contains("rightsize: error:"));
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
}

}  // namespace rightsize::testing
