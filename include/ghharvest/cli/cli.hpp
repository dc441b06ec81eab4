// The command line: subcommands of shared/spec/product.md; exit codes follow sysexits.h.
#pragma once

namespace ghharvest::cli {

// Parses argv and runs the subcommand; returns the process exit code.
int Main(int argc, char** argv);

}  // namespace ghharvest::cli
