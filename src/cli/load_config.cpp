#include "cli/load_config.hpp"

#include <cstdio>

namespace ghharvest::cli {

bool LoadConfigOrReport(const CommonOptions& common, config::Config* out, int* exit_code) {
  auto cfg = config::LoadConfig(common.config_path);
  if (!cfg.ok()) {
    // Lines start with file:line, so editors and `grep -n`-style tools can jump to them.
    std::fprintf(stderr, "%s\n", cfg.status().message().c_str());
    std::fprintf(stderr, "ghharvest: the configuration has errors\n");
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
    std::fprintf(stderr, "ghharvest: %s\n", opened.status().ToString().c_str());
    *exit_code = ExitCodeFor(opened.status());
    return nullptr;
  }
  return std::move(opened).value();
}

}  // namespace ghharvest::cli
