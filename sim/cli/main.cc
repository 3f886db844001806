#include "sim/cli/commands.h"

int main(int argc, char** argv) { return rightsize::RunCli(argc, argv); }
