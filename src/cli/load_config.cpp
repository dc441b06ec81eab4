#include "cli/load_config.hpp"
#include "ghharvest/util/log.hpp"

#include <cstdio>

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
