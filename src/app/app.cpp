#include "ghharvest/app/app.hpp"

#include <algorithm>

#include <boost/asio/io_context.hpp>

#include "ghharvest/app/adapters.hpp"
#include "ghharvest/config/token.hpp"
#include "ghharvest/feeds/poller.hpp"
#include "ghharvest/github/app_auth.hpp"
#include "ghharvest/github/client.hpp"
#include "ghharvest/harvest/harvester.hpp"
#include "ghharvest/report/reporter.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/writers.hpp"
#include "ghharvest/util/log.hpp"

namespace ghharvest::app {

// Destroyed bottom-up: the harvester before the client it uses, the client before the ETag
// store, all of them before the database; the config copy outlives them all (the harvester
// keeps a reference to it).
struct App::Members {
  config::Config config;
  const Clock* clock = nullptr;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<report::Reporter> reporter;
  std::unique_ptr<DatabaseEtagStore> etags;
  std::unique_ptr<github::Client> client;
  std::unique_ptr<harvest::Harvester> harvester;
  std::unique_ptr<DatabaseFeedStore> feed_store;
  std::unique_ptr<feeds::Poller> poller;
};

App::App(std::unique_ptr<Members> m) : m_(std::move(m)) {}
App::~App() = default;

Result<std::unique_ptr<App>> App::Open(const config::Config& config, boost::asio::io_context* io,
                                       const Clock& clock, Parts parts) {
  auto m = std::make_unique<Members>();
  m->config = config;
  m->clock = &clock;

  std::vector<std::string> tokens;  // none: anonymous; more than one: a pool
  std::optional<github::AppCredentials> app;
  if (parts.github) {
    if (io == nullptr) return Status::InvalidArgument("App::Open: github needs an io_context");
    auto pool = config::LoadTokenPool(m->config.github);
    if (!pool.ok()) return Status::InvalidArgument(pool.status().ToString());
    for (config::Token& t : *pool) {
      log::Info("token loaded source=\"{}\" credential={}", t.source,
                github::TokenFingerprint(t.value));
      tokens.push_back(std::move(t.value));
    }
    if (m->config.github.app) {
      const config::GithubAppConfig& a = *m->config.github.app;
      auto key = config::LoadAppKey(a);
      if (!key.ok()) return Status::InvalidArgument(key.status().ToString());
      // A key that cannot sign is a config error now, not a failure at the first request.
      if (auto jwt = github::MakeAppJwt(a.app_id, key->value, 0); !jwt.ok()) {
        return Status::InvalidArgument(jwt.status().message() + " (" + key->source + ")");
      }
      app = github::AppCredentials{a.app_id, a.installation_id, std::move(key->value)};
      log::Info("GitHub App configured app_id={} installation_id={} key=\"{}\"", a.app_id,
                a.installation_id, key->source);
    } else if (tokens.empty()) {
      log::Warning("no GitHub token configured: unauthenticated, 60 requests per hour");
    }
  }

  const std::string& path = m->config.storage.database;
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
  m->db = std::move(db).value();
  // The planner, the counts views and `status` read the writers from the database.
  if (parts.mirror_writers) {
    if (auto s = store::SyncWriters(*m->db, config::WatchedWriters(m->config)); !s.ok()) {
      return Status::IOError("database " + path + ": " + s.message());
    }
  }

  if (parts.reports) {
    auto reporter = report::Reporter::Open(m->config.reports);
    if (!reporter.ok()) {
      return Status::IOError("reports " + m->config.reports.dir + ": " +
                             reporter.status().message());
    }
    m->reporter = std::move(reporter).value();
  }

  if (parts.github) {
    m->etags = std::make_unique<DatabaseEtagStore>(*m->db);
    github::ClientOptions options =
        ClientOptionsFromConfig(m->config.github, tokens.empty() ? std::string() : tokens[0]);
    if (tokens.size() > 1) options.tokens = std::move(tokens);
    options.app = std::move(app);
    options.metrics = parts.metrics;
    m->client = std::make_unique<github::Client>(*io, clock, m->etags.get(), std::move(options));
    m->harvester = std::make_unique<harvest::Harvester>(*io, clock, *m->db, *m->client, m->config);
  }
  if (parts.feeds) {
    if (io == nullptr) return Status::InvalidArgument("App::Open: feeds needs an io_context");
    m->feed_store = std::make_unique<DatabaseFeedStore>(*m->db);
    m->poller = std::make_unique<feeds::Poller>(*io, clock, *m->feed_store,
                                                PollerOptionsFromConfig(m->config));
  }
  return std::unique_ptr<App>(new App(std::move(m)));
}

const config::Config& App::config() const { return m_->config; }
store::Database& App::db() { return *m_->db; }
github::Client& App::client() { return *m_->client; }
harvest::Harvester& App::harvester() { return *m_->harvester; }
report::Reporter& App::reporter() { return *m_->reporter; }
feeds::Poller& App::poller() { return *m_->poller; }

std::vector<feeds::FeedSource> App::FeedSources() const {
  std::vector<feeds::FeedSource> out;
  for (const config::WriterConfig& w : m_->config.writers) {
    for (const std::string& url : w.blog_feeds) out.push_back({w.login, url});
  }
  return out;
}

feeds::PollerOptions PollerOptionsFromConfig(const config::Config& config) {
  feeds::PollerOptions o;
  o.user_agent = config.github.user_agent.empty() ? std::string("ghharvest/" GHHARVEST_VERSION)
                                                  : config.github.user_agent;
  o.connect_timeout = config.github.connect_timeout;
  o.stall_timeout = config.github.request_timeout;
  o.max_retries = std::min(config.github.max_retries, 5);
  o.max_feed_bytes = static_cast<std::size_t>(config.blogs.max_feed_bytes);
  return o;
}

Result<ScoreSummary> App::ScoreAndReport() {
  if (!m_->reporter) return Status::InvalidArgument("App::ScoreAndReport: opened without reports");
  return app::ScoreAndReport(*m_->db, m_->config, *m_->clock, *m_->reporter);
}

}  // namespace ghharvest::app
