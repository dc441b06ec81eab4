#include "ghharvest/daemon/real_actions.hpp"

#include <memory>

#include <boost/asio/io_context.hpp>

#include "ghharvest/config/token.hpp"
#include "ghharvest/daemon/notify.hpp"
#include "ghharvest/github/client.hpp"
#include "ghharvest/harvest/harvester.hpp"
#include "ghharvest/report/reporter.hpp"
#include "ghharvest/report/score_and_report.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/writers.hpp"
#include "ghharvest/util/log.hpp"

namespace ghharvest::daemon {

namespace {

// Members are destroyed bottom-up: the harvester before the client it uses, both before the
// database; the config copy outlives them all (the harvester keeps a reference).
struct Bundle {
  config::Config config;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<report::Reporter> reporter;
  std::unique_ptr<github::Client> client;
  std::unique_ptr<harvest::Harvester> harvester;
};

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
  auto b = std::make_shared<Bundle>();
  b->config = config;

  auto token = config::LoadTokenOrAnonymous(config.github);
  if (!token.ok()) return Status::InvalidArgument(token.status().ToString());

  const std::string& path = config.storage.database;
  auto db = store::Database::Open(path);
  if (!db.ok()) {
    const Status& s = db.status();
    std::string msg = s.message().find(path) == std::string::npos
                          ? "database " + path + ": " + s.message()
                          : s.message();
    if (s.code() == Status::Code::kTooNew) return Status::TooNew(msg);
    if (s.code() == Status::Code::kCorruption) return Status::Corruption(msg);
    return Status::IOError(msg);
  }
  b->db = std::move(db.value());
  if (auto s = store::SyncWritersFromConfig(*b->db, b->config); !s.ok()) {
    return Status::IOError("database " + path + ": " + s.message());
  }
  auto reporter = report::Reporter::Open(b->config.reports);
  if (!reporter.ok()) {
    return Status::IOError("reports " + b->config.reports.dir + ": " + reporter.status().message());
  }
  b->reporter = std::move(reporter.value());
  // Scoring runs on the daemon's one thread, so a long emission must feed the watchdog itself.
  b->reporter->SetProgress(WatchdogKeepAlive());
  b->client = std::make_unique<github::Client>(
      io, clock, b->db.get(), github::ClientOptionsFromConfig(b->config.github, std::move(*token)));
  b->harvester = std::make_unique<harvest::Harvester>(io, clock, *b->db, *b->client, b->config);

  Actions a;
  for (const auto& w : b->config.writers) a.scopes.push_back(w.login);
  Bundle* raw = b.get();
  a.harvest = [raw](const std::string& scope, HarvestDone done) {
    raw->harvester->SyncWriter(
        scope, [scope, done = std::move(done)](Status s, harvest::HarvestStats st) {
          log::Info(
              "harvest stats scope={} requests={} not_modified={} points={} pages={} items={} "
              "failures={} projects={}",
              scope, st.requests, st.not_modified, st.points_spent, st.pages, st.items_upserted,
              st.failures, st.projects);
          HarvestOutcome o;
          o.fatal = HarvestFatal(s);
          o.changed = st.counts_changed;
          o.status = std::move(s);
          done(std::move(o));
        });
  };
  a.score = [raw, &clock]() -> Status {
    auto r = report::ScoreAndReport(*raw->db, raw->config, clock, *raw->reporter);
    if (!r.ok()) return r.status();
    log::Info("{}", report::FormatSummary(*r));
    return Status::Ok();
  };
  a.cancel = [raw] { raw->harvester->Cancel(); };
  a.reopen_logs = [raw] { return raw->reporter->Reopen(); };
  a.budget = [raw]() -> std::string {
    auto rl = raw->client->rate_limit("core");
    if (!rl || rl->limit < 0) return "unknown";
    return std::to_string(rl->remaining) + "/" + std::to_string(rl->limit);
  };
  a.keep_alive = std::move(b);
  return a;
}

}  // namespace ghharvest::daemon
