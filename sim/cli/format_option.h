// The one output option every command takes: --format table | json | csv | markdown (default
// table). A bad value is caught when the flags are parsed: one line naming the flag, exit 2.
// tests/cli/format_option_test.cc walks every command and fails if one lacks it.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace rightsize {

// The validator's name: a command whose --format lacks it is a bug.
inline constexpr const char* kOutputFormatValidator = "output-format";

// Adds --format to `command`, storing the text in *format (its current value is the default).
CLI::Option* AddFormatOption(CLI::App* command, std::string* format);

}  // namespace rightsize
