#include "cli/load_config.hpp"
#include "ghharvest/cli/commands.hpp"
#include "ghharvest/config/config.hpp"
#include "ghharvest/daemon/real_actions.hpp"
#include "ghharvest/daemon/service.hpp"
#include "ghharvest/metrics/registry.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/log.hpp"

namespace ghharvest::cli {

// The daemon. Exit codes: 0 after SIGTERM/SIGINT, 78 when the config or token cannot be used
// at start, 74 on a fatal storage error (systemd's Restart=on-failure restarts it).
int CmdRun(const CommonOptions& common) {
  log::Level level;
  if (log::ParseLevel(common.log_level, &level)) log::SetLevel(level);
  // A config that cannot be loaded is the service's to report (exit 78).
  if (auto cfg = config::LoadConfig(common.config_path); cfg.ok()) {
    int code = kExitOk;
    if (!StateOwnerOrReport(common, *cfg, &code)) return code;
  }
  SystemClock clock;
  // One registry for the process: reloads rebuild the parts that count, not the counts.
  metrics::Registry registry;
  daemon::ServiceOptions o;
  o.config_path = common.config_path;
  o.clock = &clock;
  o.metrics = &registry;
  o.make_actions = daemon::RealActionsFactory(&registry);
  // The harvester runs one sync at a time; more would only queue behind it.
  o.max_concurrent_harvests = 1;
  daemon::Service service(std::move(o));
  return service.Run();
}

}  // namespace ghharvest::cli
