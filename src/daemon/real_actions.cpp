#include "ghharvest/daemon/real_actions.hpp"

#include <memory>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "ghharvest/app/app.hpp"
#include "ghharvest/app/metrics.hpp"
#include "ghharvest/daemon/notify.hpp"
#include "ghharvest/feeds/poller.hpp"
#include "ghharvest/harvest/harvester.hpp"
#include "ghharvest/metrics/registry.hpp"
#include "ghharvest/report/reporter.hpp"
#include "ghharvest/util/log.hpp"

namespace ghharvest::daemon {

namespace {

// The daemon's harvest scopes, one per unit of work the harvester has: "repo:owner/name" for
// each watched repository's crawl (shared by every writer watching it) and "writer:login" for
// each writer's own lookup and discovery. The prefixes keep a login and a repository apart in
// the schedule (and in its splay hash).
constexpr std::string_view kRepoScope = "repo:";
constexpr std::string_view kWriterScope = "writer:";

Result<std::vector<std::string>> HarvestScopes(app::App& app) {
  auto repos = app.harvester().WatchedRepositories();
  if (!repos.ok()) return repos.status();
  std::vector<std::string> out;
  for (const auto& w : app.config().writers) out.push_back(std::string(kWriterScope) + w.login);
  for (const auto& r : *repos) out.push_back(std::string(kRepoScope) + r);
  return out;
}

// "owner/repo" or "writer alice", as the logs and `ghharvest status` name a job.
std::string UnitOf(const std::string& scope) {
  if (scope.rfind(kRepoScope, 0) == 0) return scope.substr(kRepoScope.size());
  if (scope.rfind(kWriterScope, 0) == 0) return "writer " + scope.substr(kWriterScope.size());
  return scope;
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

// The writers' blog feeds, polled every [blogs] poll_interval on the daemon's loop beside the
// harvests: once at start (and after a reload, so a new feed is read at once), then at start
// + n * interval, drift-compensated like the harvests, slots missed during a long poll
// skipped. Posts reach the scores at the next scoring run.
class FeedLoop : public std::enable_shared_from_this<FeedLoop> {
 public:
  FeedLoop(boost::asio::io_context& io, const Clock& clock, app::App& app,
           std::chrono::seconds interval)
      : clock_(clock), app_(app), interval_(interval), timer_(io) {}

  void Start() {
    due_ = clock_.Now();
    Poll();
  }

  // Called when a poll stored posts that change counts.
  void OnCountsChanged(std::function<void()> changed) { changed_ = std::move(changed); }

  void Stop() {
    stopped_ = true;
    timer_.cancel();
    if (running_) app_.poller().Cancel();
  }

 private:
  void Poll() {
    if (stopped_) return;
    running_ = true;
    std::weak_ptr<FeedLoop> weak = weak_from_this();
    app_.poller().PollAll(app_.FeedSources(), [weak](Status s, feeds::PollStats st) {
      auto self = weak.lock();
      if (!self) return;
      self->running_ = false;
      log::Info(
          "feeds stats feeds={} requests={} fetched={} not_modified={} failed={} posts_added={} "
          "posts_changed={}",
          st.feeds, st.requests, st.fetched, st.not_modified, st.failed, st.posts_added,
          st.posts_changed);
      if (!s.ok() && s.code() != Status::Code::kUnavailable) {
        log::Warning("feeds: {}", s.ToString());
      }
      if ((st.posts_added > 0 || st.posts_changed > 0) && self->changed_) self->changed_();
      self->ScheduleNext();
    });
  }

  void ScheduleNext() {
    if (stopped_) return;
    const Clock::TimePoint now = clock_.Now();
    do {
      due_ += interval_;
    } while (due_ <= now);
    timer_.expires_after(clock_.RealDelay(due_ - now));
    std::weak_ptr<FeedLoop> weak = weak_from_this();
    timer_.async_wait([weak](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      self->Poll();
    });
  }

  const Clock& clock_;
  app::App& app_;
  std::chrono::seconds interval_;
  boost::asio::steady_timer timer_;
  Clock::TimePoint due_;
  bool running_ = false;
  bool stopped_ = false;
  std::function<void()> changed_;
};

void DeclareMetrics(metrics::Registry& m) {
  using metrics::Type;
  m.Declare("ghharvest_harvest_runs_total", Type::kCounter,
            "Harvests (a repository's crawl, a writer's lookup) that ended, by outcome (ok, "
            "failed, unauthorized, cancelled).");
  m.Declare("ghharvest_harvest_pages_total", Type::kCounter,
            "Pages (200 answers) stored, by endpoint.");
  m.Declare("ghharvest_harvest_items_total", Type::kCounter,
            "Records upserted, by endpoint (commits, issues, pulls, reviews, ...).");
  m.Declare("ghharvest_scoring_runs_total", Type::kCounter, "Scoring runs, by outcome.");
  m.Declare("ghharvest_scoring_duration_seconds", Type::kGauge,
            "Wall time of the last scoring run, scoring and report writing together.");
  m.Declare("ghharvest_scoring_last_success_timestamp_seconds", Type::kGauge,
            "When the last scoring run that succeeded ended (Unix time).");
  m.Declare("ghharvest_reports_written_total", Type::kCounter,
            "Report files written (their content changed).");
  m.Declare("ghharvest_report_jsonl_lines_total", Type::kCounter,
            "Lines appended to influence.jsonl.");
}

// The database's facts, read when scraped but at most every kFactsEvery: counting rows is
// a scan of each table, on the daemon's only thread.
constexpr auto kFactsEvery = std::chrono::seconds(30);

const char* OutcomeOf(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk:
      return "ok";
    case Status::Code::kUnauthorized:
      return "unauthorized";
    case Status::Code::kCancelled:
      return "cancelled";
    default:
      return "failed";
  }
}

// What the actions keep alive: the app, and the feed loop that must stop before it goes.
struct Parts {
  std::shared_ptr<app::App> app;
  std::shared_ptr<FeedLoop> feeds;
  metrics::Registry* metrics = nullptr;
  int collector = 0;
  ~Parts() {
    if (feeds) feeds->Stop();
    if (metrics && collector) metrics->RemoveCollector(collector);
  }
};

}  // namespace

Result<Actions> MakeRealActions(const config::Config& config, boost::asio::io_context& io,
                                const Clock& clock) {
  return RealActionsFactory(nullptr)(config, io, clock);
}

ActionsFactory RealActionsFactory(metrics::Registry* metrics) {
  return [metrics](const config::Config& config, boost::asio::io_context& io,
                   const Clock& clock) -> Result<Actions> {
    auto opened = app::App::Open(
        config, &io, clock, {.github = true, .feeds = true, .reports = true, .metrics = metrics});
    if (!opened.ok()) return opened.status();
    std::shared_ptr<app::App> b = std::move(opened).value();
    // Scoring runs on the daemon's one thread, so a long emission must feed the watchdog itself.
    b->reporter().SetProgress(WatchdogKeepAlive());

    Actions a;
    app::App* raw = b.get();
    auto scopes = HarvestScopes(*raw);
    if (!scopes.ok()) return scopes.status();
    a.scopes = std::move(*scopes);
    a.current_scopes = [raw] { return HarvestScopes(*raw); };
    if (metrics) DeclareMetrics(*metrics);
    a.harvest = [raw, metrics](const std::string& scope, HarvestDone done) {
      auto finished = [scope, metrics, done = std::move(done)](Status s, harvest::HarvestStats st) {
        log::Info(
            "harvest {}: requests={} not_modified={} points={} graphql_requests={} "
            "graphql_points={} pages={} items={} failures={} projects={}",
            UnitOf(scope), st.requests, st.not_modified, st.points_spent, st.graphql_requests,
            st.graphql_points, st.pages, st.items_upserted, st.failures, st.projects);
        if (metrics) {
          metrics->Add("ghharvest_harvest_runs_total", {{"outcome", OutcomeOf(s)}});
          for (const auto& [endpoint, e] : st.per_endpoint) {
            metrics->Add("ghharvest_harvest_pages_total", {{"endpoint", endpoint}},
                         static_cast<double>(e.pages));
            metrics->Add("ghharvest_harvest_items_total", {{"endpoint", endpoint}},
                         static_cast<double>(e.items));
          }
        }
        HarvestOutcome o;
        o.fatal = HarvestFatal(s);
        o.changed = st.counts_changed;
        o.scopes_changed = st.watches_changed;
        o.status = std::move(s);
        done(std::move(o));
      };
      if (scope.rfind(kRepoScope, 0) == 0) {
        raw->harvester().SyncRepository(scope.substr(kRepoScope.size()), std::move(finished));
      } else if (scope.rfind(kWriterScope, 0) == 0) {
        raw->harvester().SyncWriter(scope.substr(kWriterScope.size()), std::move(finished));
      } else {
        finished(Status::InvalidArgument("not a harvest scope: " + scope), {});
      }
    };
    a.score = [raw, metrics]() -> Status {
      const auto t0 = std::chrono::steady_clock::now();
      auto r = raw->ScoreAndReport();
      if (metrics) {
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
        metrics->Set("ghharvest_scoring_duration_seconds", {}, took.count());
        metrics->Add("ghharvest_scoring_runs_total", {{"outcome", r.ok() ? "ok" : "failed"}});
        if (r.ok()) {
          metrics->Add("ghharvest_reports_written_total", {}, r->emit.files_written);
          metrics->Add("ghharvest_report_jsonl_lines_total", {}, r->emit.jsonl_lines);
          metrics->Set("ghharvest_scoring_last_success_timestamp_seconds", {},
                       static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count()));
        }
      }
      if (!r.ok()) return r.status();
      log::Info("{}", app::FormatSummary(*r));
      return Status::Ok();
    };
    auto parts = std::make_shared<Parts>();
    if (!b->FeedSources().empty()) {
      parts->feeds = std::make_shared<FeedLoop>(io, clock, *b, b->config().blogs.poll_interval);
      parts->feeds->Start();
    }
    FeedLoop* loop = parts->feeds.get();
    if (loop) {
      a.watch_counts = [loop](std::function<void()> changed) {
        loop->OnCountsChanged(std::move(changed));
      };
    }
    a.cancel = [raw, loop] {
      raw->harvester().Cancel();
      if (loop) loop->Stop();
    };
    a.reopen_logs = [raw] { return raw->reporter().Reopen(); };
    a.budget = [raw]() -> std::string {
      auto rl = raw->client().rate_limit("core");
      if (!rl || rl->limit < 0) return "unknown";
      return std::to_string(rl->remaining) + "/" + std::to_string(rl->limit);
    };
    if (metrics) {
      parts->metrics = metrics;
      auto last = std::make_shared<std::optional<std::chrono::steady_clock::time_point>>();
      parts->collector = metrics->AddCollector([raw, last](metrics::Registry& m) {
        const auto now = std::chrono::steady_clock::now();
        if (*last && now - **last < kFactsEvery) return;
        *last = now;
        app::CollectDatabaseMetrics(raw->db(), m);
      });
    }
    parts->app = std::move(b);
    a.keep_alive = std::move(parts);
    return a;
  };
}

}  // namespace ghharvest::daemon
