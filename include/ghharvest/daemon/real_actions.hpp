// The daemon's real work for one configuration, on the parts app::App wires (token,
// database, client, harvester, reporter): one harvest scope per watched repository
// ("repo:owner/name", its crawl for every writer watching it) and one per configured writer
// ("writer:login", its lookup and discovery), and the scorer with its reporter. Built at start
// and again on every accepted config reload; the repository scopes are listed again when a
// harvest changed the watches.
#pragma once

#include "ghharvest/config/config.hpp"
#include "ghharvest/daemon/service.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::metrics {
class Registry;
}

namespace ghharvest::daemon {

// Fails with kIOError/kCorruption/kTooNew when the database cannot be opened or migrated,
// kInvalidArgument for an unusable token file or reports folder.
Result<Actions> MakeRealActions(const config::Config& config, boost::asio::io_context& io,
                                const Clock& clock);

// MakeRealActions whose parts also report to `metrics` (the client's requests and budgets,
// pages and items per harvest, scoring runs, the database's facts at each scrape). The
// registry must outlive every Actions made.
ActionsFactory RealActionsFactory(metrics::Registry* metrics);

}  // namespace ghharvest::daemon
