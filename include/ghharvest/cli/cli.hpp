// The command line: the subcommands of the README; exit codes follow sysexits.h
// (util/exit_codes.hpp).
#pragma once

namespace ghharvest::cli {

// Parses argv and runs the subcommand; returns the process exit code.
int Main(int argc, char** argv);

}  // namespace ghharvest::cli
