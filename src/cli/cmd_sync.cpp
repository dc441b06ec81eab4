#include <csignal>
#include <cstdio>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "cli/load_config.hpp"
#include "ghharvest/cli/commands.hpp"
#include "ghharvest/config/token.hpp"
#include "ghharvest/github/client.hpp"
#include "ghharvest/harvest/harvester.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/writers.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/log.hpp"

namespace ghharvest::cli {
namespace {

std::string Summary(const harvest::HarvestStats& s) {
  std::string out = fmt::format(
      "sync: {} requests, {} not modified (304), {} primary points, {} pages, {} items stored, "
      "{} projects{}{}\n",
      s.requests, s.not_modified, s.points_spent, s.pages, s.items_upserted, s.projects,
      s.projects_gone ? fmt::format(", {} gone", s.projects_gone) : std::string(),
      s.counts_changed ? ", counts changed" : ", counts unchanged");
  for (const auto& [name, e] : s.per_endpoint) {
    out += fmt::format("  {:<16} requests={} not_modified={} pages={} items={} failures={}\n", name,
                       e.requests, e.not_modified, e.pages, e.items, e.failures);
  }
  if (s.scopes_failed) {
    out += fmt::format(
        "  {} lists failed; they are retried next cycle (ghharvest status shows "
        "why)\n",
        s.scopes_failed);
  }
  return out;
}

}  // namespace

// One harvest cycle for every configured writer, then exit. Exit codes:
//   0  everything synced;
//   75 (EX_TEMPFAIL) some lists failed (network or API trouble): the rest is stored, run again;
//   69 (EX_UNAVAILABLE) nothing got through (GitHub unreachable);
//   77 (EX_NOPERM) GitHub answered 401: the token is bad;
//   78 (EX_CONFIG) bad config or token file; 65 database newer than this ghharvest; 74 I/O.
int CmdSyncOnce(const CommonOptions& common) {
  config::Config cfg;
  int code = kExitOk;
  if (!LoadConfigOrReport(common, &cfg, &code)) return code;

  auto token = config::LoadTokenOrAnonymous(cfg.github);
  if (!token.ok()) {
    std::fprintf(stderr, "ghharvest: %s\n", token.status().ToString().c_str());
    return kExitConfig;
  }

  auto opened = OpenDatabaseOrReport(cfg, &code);
  if (!opened) return code;
  store::Database& db = *opened;
  if (auto s = store::SyncWritersFromConfig(db, cfg); !s.ok()) {
    std::fprintf(stderr, "ghharvest: %s\n", s.ToString().c_str());
    return kExitIOErr;
  }

  boost::asio::io_context io;
  SystemClock clock;
  github::Client client(io, clock, &db,
                        github::ClientOptionsFromConfig(cfg.github, std::move(*token)));
  harvest::Harvester harvester(io, clock, db, client, cfg);

  // SIGINT/SIGTERM: stop after the page in flight; everything committed stays.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) harvester.Cancel();
  });

  std::optional<Status> result;
  harvest::HarvestStats stats;
  harvester.SyncAll([&](Status s, harvest::HarvestStats st) {
    result = std::move(s);
    stats = std::move(st);
    signals.cancel();
  });
  io.run();

  std::fputs(Summary(stats).c_str(), stdout);
  if (!result) {
    std::fputs("ghharvest: the sync ended without a result\n", stderr);
    return kExitSoftware;
  }
  const Status& s = *result;
  if (s.ok()) return kExitOk;
  std::fprintf(stderr, "ghharvest: %s\n", s.ToString().c_str());
  switch (s.code()) {
    case Status::Code::kUnauthorized:
      return kExitNoPerm;
    case Status::Code::kUnavailable:
      // Nothing at all got through: GitHub (or the network) is unavailable.
      return stats.requests == 0 ? kExitUnavailable : kExitTempFail;
    case Status::Code::kCancelled:
      return kExitTempFail;
    case Status::Code::kIOError:
      return kExitIOErr;
    default:
      return kExitSoftware;
  }
}

}  // namespace ghharvest::cli
