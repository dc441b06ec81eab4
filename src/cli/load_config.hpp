// Shared by the subcommands: load the config named on the command line, or print its errors
// (one "file:line: [section] key: problem" per line) and give the exit code to return; open
// the App the command needs, or print why not.
#pragma once

#include <memory>

#include "ghharvest/app/app.hpp"
#include "ghharvest/cli/commands.hpp"
#include "ghharvest/config/config.hpp"

namespace ghharvest::cli {

// True with *out filled; false after printing the errors, with *exit_code = kExitConfig.
bool LoadConfigOrReport(const CommonOptions& common, config::Config* out, int* exit_code);

// App::Open; on failure prints why and sets *exit_code (ExitCodeFor): kExitDataErr for a
// database written by a newer ghharvest (left untouched), kExitConfig for an unusable token
// file, else kExitIOErr.
std::unique_ptr<app::App> OpenAppOrReport(const config::Config& cfg, boost::asio::io_context* io,
                                          const Clock& clock, app::Parts parts, int* exit_code);

}  // namespace ghharvest::cli
