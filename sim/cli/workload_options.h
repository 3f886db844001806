// Command-line flags that describe a workload (app::WorkloadOptions), shared by predict and later
// commands.
#pragma once

#include <CLI/CLI.hpp>

#include "sim/app/workload_options.h"

namespace rightsize {

void AddWorkloadOptions(CLI::App* command, app::WorkloadOptions* options);

}  // namespace rightsize
