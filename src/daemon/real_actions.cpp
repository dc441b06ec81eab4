#include "ghharvest/daemon/real_actions.hpp"

#include <filesystem>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "ghharvest/config/token.hpp"
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

github::ClientOptions ClientOptionsFrom(const config::Config& cfg, std::string token) {
  github::ClientOptions o;
  o.api_url = cfg.github.api_url;
  o.token = std::move(token);
  o.accept = cfg.github.accept;
  o.auth_scheme = cfg.github.auth_scheme;
  if (!cfg.github.user_agent.empty()) o.user_agent = cfg.github.user_agent;
  o.concurrency = cfg.github.concurrency;
  o.reserve = cfg.github.reserve;
  o.connect_timeout = cfg.github.connect_timeout;
  o.stall_timeout = cfg.github.request_timeout;
  o.max_retries = cfg.github.max_retries;
  return o;
}

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

  std::string token;
  if (auto t = config::LoadTokenWithSource(config.github); t.ok()) {
    token = t->value;
    log::Info("token loaded source=\"{}\"", t->source);
  } else if (t.status().code() == Status::Code::kNotFound) {
    log::Warning("no GitHub token configured: unauthenticated, 60 requests per hour");
  } else {
    return Status::InvalidArgument(t.status().ToString());
  }

  const std::string& path = config.storage.database;
  if (path != ":memory:") {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  }
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
  b->client = std::make_unique<github::Client>(io, clock, b->db.get(),
                                               ClientOptionsFrom(b->config, std::move(token)));
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
