#include "ghharvest/app/app.hpp"

#include <boost/asio/io_context.hpp>

#include "ghharvest/app/adapters.hpp"
#include "ghharvest/config/token.hpp"
#include "ghharvest/harvest/harvester.hpp"
#include "ghharvest/report/reporter.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/writers.hpp"

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
};

App::App(std::unique_ptr<Members> m) : m_(std::move(m)) {}
App::~App() = default;

Result<std::unique_ptr<App>> App::Open(const config::Config& config, boost::asio::io_context* io,
                                       const Clock& clock, Parts parts) {
  auto m = std::make_unique<Members>();
  m->config = config;
  m->clock = &clock;

  std::string token;
  if (parts.github) {
    if (io == nullptr) return Status::InvalidArgument("App::Open: github needs an io_context");
    auto t = config::LoadTokenOrAnonymous(m->config.github);
    if (!t.ok()) return Status::InvalidArgument(t.status().ToString());
    token = std::move(t).value();
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
    m->client = std::make_unique<github::Client>(
        *io, clock, m->etags.get(), ClientOptionsFromConfig(m->config.github, std::move(token)));
    m->harvester = std::make_unique<harvest::Harvester>(*io, clock, *m->db, *m->client, m->config);
  }
  return std::unique_ptr<App>(new App(std::move(m)));
}

const config::Config& App::config() const { return m_->config; }
store::Database& App::db() { return *m_->db; }
github::Client& App::client() { return *m_->client; }
harvest::Harvester& App::harvester() { return *m_->harvester; }
report::Reporter& App::reporter() { return *m_->reporter; }

Result<ScoreSummary> App::ScoreAndReport() {
  if (!m_->reporter) return Status::InvalidArgument("App::ScoreAndReport: opened without reports");
  return app::ScoreAndReport(*m_->db, m_->config, *m_->clock, *m_->reporter);
}

}  // namespace ghharvest::app
