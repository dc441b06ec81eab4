// Shared by the subcommands: load the config named on the command line, or print its errors
// (one "file:line: [section] key: problem" per line) and give the exit code to return.
#pragma once

#include "ghharvest/cli/commands.hpp"
#include "ghharvest/config/config.hpp"

namespace ghharvest::cli {

// True with *out filled; false after printing the errors, with *exit_code = kExitConfig.
bool LoadConfigOrReport(const CommonOptions& common, config::Config* out, int* exit_code);

}  // namespace ghharvest::cli
