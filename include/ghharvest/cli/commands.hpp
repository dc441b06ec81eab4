// One function per subcommand, each in its own src/cli/cmd_<name>.cpp. cli.cpp parses the
// command line and dispatches here. Each returns a sysexits.h exit code.
#pragma once

#include <string>
#include <vector>

namespace ghharvest::cli {

// Exit codes (sysexits.h).
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 64;
inline constexpr int kExitDataErr = 65;
inline constexpr int kExitUnavailable = 69;
inline constexpr int kExitSoftware = 70;
inline constexpr int kExitIOErr = 74;
inline constexpr int kExitTempFail = 75;
inline constexpr int kExitNoPerm = 77;
inline constexpr int kExitConfig = 78;

struct CommonOptions {
  std::string config_path;  // -c/--config
  std::string log_level = "info";
};

int CmdCheckConfig(const CommonOptions& common);
int CmdStatus(const CommonOptions& common);
int CmdRun(const CommonOptions& common);
int CmdSyncOnce(const CommonOptions& common);
int CmdScore(const CommonOptions& common);
int CmdImportArchive(const CommonOptions& common, const std::vector<std::string>& files);

}  // namespace ghharvest::cli
