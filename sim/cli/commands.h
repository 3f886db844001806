// Every subcommand registers itself on the top-level app; main.cc calls these in order.
#pragma once

#include <CLI/CLI.hpp>

#include "sim/util/work_units.h"

namespace rightsize {

// Each Register* adds a subcommand whose callback does the work and stores its exit code.
void RegisterListCommand(CLI::App& app, int* exit_code);
void RegisterPredictCommand(CLI::App& app, int* exit_code);
void RegisterRunCommand(CLI::App& app, int* exit_code);
void RegisterMeasureCommand(CLI::App& app, int* exit_code);    // measure_command.cc
void RegisterCalibrateCommand(CLI::App& app, int* exit_code);  // calibrate_command.cc
void RegisterPlanCommand(CLI::App& app, int* exit_code);
void RegisterValidateCommand(CLI::App& app, int* exit_code);
void RegisterSweepCommand(CLI::App& app, int* exit_code);       // sweep_command.cc
void RegisterSweepStudyCommand(CLI::App& app, int* exit_code);  // sweep_study_command.cc
void RegisterSimulateCommand(CLI::App& app, int* exit_code);    // simulate_command.cc
// Exit code 2 (bad input) when the data cannot identify the law's coefficients.
void RegisterFitLawCommand(CLI::App& app, int* exit_code);  // fit_law_command.cc
void RegisterSizeCommand(CLI::App& app);                    // size_command.cc
void RegisterServeCommand(CLI::App& app, int* exit_code);   // serve_command.cc

// Every subcommand above plus fit-law and size, on `app` (RunCli; tests walk the flags).
void RegisterCommands(CLI::App& app, int* exit_code);

// Runs the CLI on argv as the rightsize binary does (used by main and by tests). `runner`:
// where `sweep`, `sweep-study` and `plan` run their work units (rightsize-mpi passes the MPI
// ranks, sim/mpi/); null runs them on this process's threads.
int RunCli(int argc, const char* const* argv, const UnitRunner* runner = nullptr);
// The runner RunCli was given (null outside it or in the plain binary).
const UnitRunner* CommandUnitRunner();

}  // namespace rightsize
