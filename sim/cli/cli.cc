#include <fmt/format.h>

#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/cli/fit_law_command.h"
#include "sim/cli/size_command.h"

namespace rightsize {

int RunCli(int argc, const char* const* argv) {
  CLI::App app{"rightsize: scaling-law and cost simulator for transformer language models"};
  app.require_subcommand(1);
  int exit_code = kExitOk;
  RegisterListCommand(app, &exit_code);
  RegisterPredictCommand(app, &exit_code);
  RegisterRunCommand(app, &exit_code);
  RegisterMeasureCommand(app, &exit_code);
  RegisterCalibrateCommand(app, &exit_code);
  RegisterPlanCommand(app, &exit_code);
  RegisterValidateCommand(app, &exit_code);
  RegisterSweepCommand(app, &exit_code);
  RegisterSweepStudyCommand(app, &exit_code);
  RegisterSimulateCommand(app, &exit_code);
  RegisterFitLawCommand(app);
  RegisterSizeCommand(app);
  // Commands may throw from their callbacks: errors become one line and an exit code here.
  return RunWithErrorHandling([&] {
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return app.exit(e);
    }
    return exit_code;
  });
}

}  // namespace rightsize
