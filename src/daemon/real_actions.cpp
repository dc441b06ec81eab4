#include "ghharvest/daemon/real_actions.hpp"

#include <memory>

#include <boost/asio/io_context.hpp>

#include "ghharvest/app/app.hpp"
#include "ghharvest/daemon/notify.hpp"
#include "ghharvest/harvest/harvester.hpp"
#include "ghharvest/report/reporter.hpp"
#include "ghharvest/util/log.hpp"

namespace ghharvest::daemon {

namespace {

// The harvester reports database failures as "other" codes; everything it names as network
// or API trouble (or a config mismatch) keeps the daemon running.
bool HarvestFatal(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk:
    case Status::Code::kUnavailable:
    case Status::Code::kUnauthorized:
    case Status::Code::kRateLimited:
    case Status::Code::kCancelled:
    case Status::Code::kNotFound:
    case Status::Code::kInvalidArgument:
      return false;
    default:
      return IsFatalStorageError(s);
  }
}

}  // namespace

Result<Actions> MakeRealActions(const config::Config& config, boost::asio::io_context& io,
                                const Clock& clock) {
  auto opened = app::App::Open(config, &io, clock, {.github = true, .reports = true});
  if (!opened.ok()) return opened.status();
  std::shared_ptr<app::App> b = std::move(opened).value();
  // Scoring runs on the daemon's one thread, so a long emission must feed the watchdog itself.
  b->reporter().SetProgress(WatchdogKeepAlive());

  Actions a;
  for (const auto& w : b->config().writers) a.scopes.push_back(w.login);
  app::App* raw = b.get();
  a.harvest = [raw](const std::string& scope, HarvestDone done) {
    raw->harvester().SyncWriter(
        scope, [scope, done = std::move(done)](Status s, harvest::HarvestStats st) {
          log::Info(
              "harvest stats scope={} requests={} not_modified={} points={} graphql_requests={} "
              "graphql_points={} pages={} items={} failures={} projects={}",
              scope, st.requests, st.not_modified, st.points_spent, st.graphql_requests,
              st.graphql_points, st.pages, st.items_upserted, st.failures, st.projects);
          HarvestOutcome o;
          o.fatal = HarvestFatal(s);
          o.changed = st.counts_changed;
          o.status = std::move(s);
          done(std::move(o));
        });
  };
  a.score = [raw]() -> Status {
    auto r = raw->ScoreAndReport();
    if (!r.ok()) return r.status();
    log::Info("{}", app::FormatSummary(*r));
    return Status::Ok();
  };
  a.cancel = [raw] { raw->harvester().Cancel(); };
  a.reopen_logs = [raw] { return raw->reporter().Reopen(); };
  a.budget = [raw]() -> std::string {
    auto rl = raw->client().rate_limit("core");
    if (!rl || rl->limit < 0) return "unknown";
    return std::to_string(rl->remaining) + "/" + std::to_string(rl->limit);
  };
  a.keep_alive = std::move(b);
  return a;
}

}  // namespace ghharvest::daemon
