#include <fmt/format.h>

#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"

namespace rightsize {

int RunCli(int argc, const char* const* argv) {
  CLI::App app{"rightsize: scaling-law and cost simulator for transformer language models"};
  app.require_subcommand(1);
  int exit_code = kExitOk;
  RegisterListCommand(app, &exit_code);
  RegisterPredictCommand(app, &exit_code);
  RegisterRunCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}

}  // namespace rightsize
