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

// Root in a shell beside the service (DynamicUser=yes) would leave root-owned files in the
// service's state folder, which the service can then no longer write and systemd does not fix.
// So a command that opens the database or writes reports refuses, with kExitNoPerm and the way
// to run it as the service, when the effective user is root and the folder of the database or
// of the reports exists and belongs to another user; unless --ignore-owner. `euid` is a
// parameter for the tests.
bool StateOwnerOrReport(const CommonOptions& common, const config::Config& cfg, int* exit_code,
                        unsigned euid);
bool StateOwnerOrReport(const CommonOptions& common, const config::Config& cfg, int* exit_code);

// App::Open; on failure prints why and sets *exit_code (ExitCodeFor): kExitDataErr for a
// database written by a newer ghharvest (left untouched), kExitConfig for an unusable token
// file, else kExitIOErr.
std::unique_ptr<app::App> OpenAppOrReport(const config::Config& cfg, boost::asio::io_context* io,
                                          const Clock& clock, app::Parts parts, int* exit_code);

}  // namespace ghharvest::cli
