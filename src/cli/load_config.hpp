// Shared by the subcommands: load the config named on the command line, or print its errors
// (one "file:line: [section] key: problem" per line) and give the exit code to return.
#pragma once

#include <memory>
#include "ghharvest/cli/commands.hpp"

#include "ghharvest/config/config.hpp"
#include "ghharvest/store/database.hpp"

namespace ghharvest::cli {

// True with *out filled; false after printing the errors, with *exit_code = kExitConfig.
bool LoadConfigOrReport(const CommonOptions& common, config::Config* out, int* exit_code);

// Opens (and migrates) the config's database; on failure prints why and sets *exit_code:
// kExitDataErr for a database written by a newer ghharvest (left untouched), else kExitIOErr.
std::unique_ptr<store::Database> OpenDatabaseOrReport(const config::Config& cfg, int* exit_code);

}  // namespace ghharvest::cli
