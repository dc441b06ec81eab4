#include "cli/load_config.hpp"
#include "ghharvest/util/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "ghharvest/util/exit_codes.hpp"
#include "ghharvest/util/log.hpp"

namespace ghharvest::cli {

bool LoadConfigOrReport(const CommonOptions& common, config::Config* out, int* exit_code) {
  auto cfg = config::LoadConfig(common.config_path);
  if (!cfg.ok()) {
    // Lines start with file:line, so editors and `grep -n`-style tools can jump to them.
    // One message, so under journald every line of it is filed as an error.
    log::Write(log::Level::kError,
               cfg.status().message() + "\nghharvest: the configuration has errors");
    *exit_code = kExitConfig;
    return false;
  }
  *out = std::move(*cfg);
  return true;
}

bool StateOwnerOrReport(const CommonOptions& common, const config::Config& cfg, int* exit_code,
                        unsigned euid) {
  if (common.ignore_owner || euid != 0) return true;
  namespace fs = std::filesystem;
  for (const std::string& folder :
       {fs::path(cfg.storage.database).parent_path().string(), cfg.reports.dir}) {
    struct stat st {};
    if (folder.empty() || ::stat(folder.c_str(), &st) != 0 || st.st_uid == euid) continue;
    log::Write(
        log::Level::kError,
        fmt::format("ghharvest: {} belongs to uid {}, not to root: files created there "
                    "as root would stay root-owned and the service could not write "
                    "them.\nRun the command as the service, e.g. systemd-run --pty "
                    "--wait -p DynamicUser=yes -p User=ghharvest -p StateDirectory=ghharvest -p "
                    "LoadCredential=github-token:/etc/ghharvest/github-token "
                    "/usr/local/bin/ghharvest ..., or pass --ignore-owner.",
                    folder, st.st_uid));
    *exit_code = kExitNoPerm;
    return false;
  }
  return true;
}

bool StateOwnerOrReport(const CommonOptions& common, const config::Config& cfg, int* exit_code) {
  return StateOwnerOrReport(common, cfg, exit_code, static_cast<unsigned>(::geteuid()));
}

std::unique_ptr<app::App> OpenAppOrReport(const config::Config& cfg, boost::asio::io_context* io,
                                          const Clock& clock, app::Parts parts, int* exit_code) {
  auto opened = app::App::Open(cfg, io, clock, parts);
  if (!opened.ok()) {
    log::Write(log::Level::kError, "ghharvest: " + opened.status().ToString());
    *exit_code = ExitCodeFor(opened.status());
    return nullptr;
  }
  return std::move(opened).value();
}

}  // namespace ghharvest::cli
