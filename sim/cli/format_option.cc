#include "sim/cli/format_option.h"

#include "sim/report/table_format.h"
#include "sim/util/error.h"

namespace rightsize {

CLI::Option* AddFormatOption(CLI::App* command, std::string* format) {
  const CLI::Validator known(
      [](std::string& text) -> std::string {
        try {
          ParseOutputFormat(text);
        } catch (const InputError& e) {
          return e.message();
        }
        return "";
      },
      "table|json|csv|markdown", kOutputFormatValidator);
  return command->add_option("--format", *format, "output: table | json | csv | markdown")
      ->capture_default_str()
      ->check(known);
}

}  // namespace rightsize
