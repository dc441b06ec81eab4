#include <sys/ioctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cli/load_config.hpp"
#include "ghharvest/cli/commands.hpp"
#include "ghharvest/feeds/poller.hpp"
#include "ghharvest/harvest/harvester.hpp"
#include "ghharvest/harvest/progress.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/log.hpp"

namespace ghharvest::cli {
namespace {

std::string Summary(const harvest::HarvestStats& s) {
  std::string out = fmt::format(
      "sync: {} requests, {} not modified (304), {} primary points, {} GraphQL queries, {} "
      "GraphQL points, {} pages, {} items stored, {} projects{}{}\n",
      s.requests, s.not_modified, s.points_spent, s.graphql_requests, s.graphql_points, s.pages,
      s.items_upserted, s.projects,
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

std::string FeedSummary(const feeds::PollStats& s) {
  if (s.feeds == 0) return "";
  std::string out = fmt::format(
      "feeds: {} feeds, {} requests, {} fetched, {} not modified (304), {} failed; {} new posts, "
      "{} changed\n",
      s.feeds, s.requests, s.fetched, s.not_modified, s.failed, s.posts_added, s.posts_changed);
  if (s.failed)
    out += "  failed feeds are recorded with the reason (ghharvest status shows them)\n";
  return out;
}

// The live progress line on a terminal's stderr: redrawn every second in place (a carriage
// return and erase-to-end, cut to the terminal's width so it never wraps), erased when the
// sync ends so the summary starts on a clean line. Off when stderr is not a terminal: logs and
// pipes get no control characters.
class ProgressLine {
 public:
  ProgressLine(boost::asio::io_context& io, const Clock& clock, const harvest::Harvester& harvester)
      : timer_(io), clock_(clock), harvester_(harvester), on_(::isatty(STDERR_FILENO) == 1) {}

  void Start() {
    if (!on_) return;
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      Draw();
      Start();
    });
  }

  void Stop() {
    timer_.cancel();
    if (drawn_) std::fputs("\r\033[K", stderr);
    drawn_ = false;
  }

 private:
  void Draw() {
    auto p = harvester_.Progress();
    if (!p.running) return;
    std::string line = harvest::ProgressLine(p, clock_.Now(), harvest::LocalUtcOffset());
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && line.size() >= ws.ws_col) {
      line.resize(ws.ws_col - 1);
    }
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
    std::fflush(stderr);
    drawn_ = true;
  }

  boost::asio::steady_timer timer_;
  const Clock& clock_;
  const harvest::Harvester& harvester_;
  const bool on_;
  bool drawn_ = false;
};

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
  if (!StateOwnerOrReport(common, cfg, &code)) return code;

  boost::asio::io_context io;
  SystemClock clock;
  auto app = OpenAppOrReport(cfg, &io, clock, {.github = true, .feeds = true}, &code);
  if (!app) return code;
  harvest::Harvester& harvester = app->harvester();
  feeds::Poller& poller = app->poller();

  // SIGINT/SIGTERM: stop after the page in flight; everything committed stays.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) {
      harvester.Cancel();
      poller.Cancel();
    }
  });

  // The feeds are fetched alongside the GitHub harvest, on the same loop; a feed's failure is
  // recorded in sync_errors and does not change the exit code (GitHub's harvest decides it),
  // unless the database itself failed.
  std::optional<Status> result;
  std::optional<Status> feed_result;
  harvest::HarvestStats stats;
  feeds::PollStats feed_stats;
  ProgressLine progress(io, clock, harvester);
  auto maybe_done = [&] {
    if (result) progress.Stop();
    if (result && feed_result) signals.cancel();
  };
  harvester.SyncAll([&](Status s, harvest::HarvestStats st) {
    result = std::move(s);
    stats = std::move(st);
    maybe_done();
  });
  poller.PollAll(app->FeedSources(), [&](Status s, feeds::PollStats st) {
    feed_result = std::move(s);
    feed_stats = st;
    maybe_done();
  });
  progress.Start();
  io.run();
  progress.Stop();

  std::fputs(Summary(stats).c_str(), stdout);
  std::fputs(FeedSummary(feed_stats).c_str(), stdout);
  if (feed_result && !feed_result->ok() && feed_result->code() != Status::Code::kUnavailable &&
      feed_result->code() != Status::Code::kCancelled) {
    std::fprintf(stderr, "ghharvest: blog feeds: %s\n", feed_result->ToString().c_str());
    return ExitCodeFor(*feed_result);
  }
  if (!result) {
    std::fputs("ghharvest: the sync ended without a result\n", stderr);
    return kExitSoftware;
  }
  const Status& s = *result;
  if (s.ok()) return kExitOk;
  log::Write(log::Level::kError, "ghharvest: " + s.ToString());
  // Nothing at all got through: GitHub (or the network) is unavailable; otherwise some
  // lists failed and the rest is stored.
  if (s.code() == Status::Code::kUnavailable && stats.requests > 0) return kExitTempFail;
  return ExitCodeFor(s);
}

}  // namespace ghharvest::cli
