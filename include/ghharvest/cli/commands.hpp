// One function per subcommand, each in its own src/cli/cmd_<name>.cpp. cli.cpp parses the
// command line and dispatches here. Each returns a sysexits.h exit code (util/exit_codes.hpp).
#pragma once

#include <string>
#include <vector>

#include "ghharvest/util/exit_codes.hpp"

namespace ghharvest::cli {

struct CommonOptions {
  std::string config_path;  // -c/--config
  std::string log_level = "info";
  // --ignore-owner: let root work in a state folder another user owns (see StateOwnerOrReport).
  bool ignore_owner = false;
};

int CmdCheckConfig(const CommonOptions& common);
int CmdStatus(const CommonOptions& common, bool json = false);
int CmdRun(const CommonOptions& common);
int CmdSyncOnce(const CommonOptions& common);
int CmdScore(const CommonOptions& common);
int CmdImportArchive(const CommonOptions& common, const std::vector<std::string>& files,
                     int jobs = 1);

}  // namespace ghharvest::cli
