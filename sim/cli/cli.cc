#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/cli/version.h"
#include "sim/util/data_paths.h"

namespace rightsize {
namespace {

// A flag value CLI11 rejected (outside its range, not a finite number, not a number): bad input,
// one line and exit 2 like every other bad value.
int BadFlagValue(const CLI::ParseError& e) {
  std::string message = e.what();
  std::replace(message.begin(), message.end(), '\n', ' ');
  fmt::print(stderr, "rightsize: error: {}\n", message);
  return kExitInputError;
}

const UnitRunner* command_unit_runner = nullptr;

}  // namespace

const UnitRunner* CommandUnitRunner() { return command_unit_runner; }

void RegisterCommands(CLI::App& app, int* exit_code) {
  RegisterListCommand(app, exit_code);
  RegisterPredictCommand(app, exit_code);
  RegisterRunCommand(app, exit_code);
  RegisterMeasureCommand(app, exit_code);
  RegisterCalibrateCommand(app, exit_code);
  RegisterPlanCommand(app, exit_code);
  RegisterValidateCommand(app, exit_code);
  RegisterSweepCommand(app, exit_code);
  RegisterSweepStudyCommand(app, exit_code);
  RegisterSimulateCommand(app, exit_code);
  RegisterFitLawCommand(app, exit_code);
  RegisterSizeCommand(app);
  RegisterServeCommand(app, exit_code);
}

int RunCli(int argc, const char* const* argv, const UnitRunner* runner) {
  command_unit_runner = runner;
  // Data lookup (sim/util/data_paths.h): --models-dir, $RIGHTSIZE_MODELS_DIR, then the data
  // folder beside this binary, found at run time. Set before the commands register: some flag
  // defaults name data folders.
  ConfigureDataPaths({"", ""});
  CLI::App app{"rightsize: scaling-law and cost simulator for transformer language models"};
  app.require_subcommand(1);
  app.set_version_flag("--version", VersionText(), "print the version and the catalogue's commit");
  app.add_option_function<std::string>(
      "--models-dir",
      [](const std::string& dir) {
        ConfigureDataPaths({dir, ""});
      },
      "models/ folder of the catalogue (default: $RIGHTSIZE_MODELS_DIR, else "
      "share/rightsize/models beside the binary)");
  int exit_code = kExitOk;
  RegisterCommands(app, &exit_code);
  // Commands may throw from their callbacks: errors become one line and an exit code here.
  return RunWithErrorHandling([&] {
    try {
      app.parse(argc, argv);
    } catch (const CLI::ValidationError& e) {
      return BadFlagValue(e);
    } catch (const CLI::ConversionError& e) {
      return BadFlagValue(e);
    } catch (const CLI::ParseError& e) {
      return app.exit(e);
    }
    return exit_code;
  });
}

}  // namespace rightsize
