#include "ghharvest/harvest/harvester.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <deque>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "ghharvest/config/config.hpp"
#include "ghharvest/github/client.hpp"
#include "ghharvest/github/events.hpp"
#include "ghharvest/github/parse.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/ingest.hpp"
#include "ghharvest/store/list_pages.hpp"
#include "ghharvest/store/writers.hpp"
#include "ghharvest/util/log.hpp"
#include "ghharvest/util/names.hpp"
#include "harvest/list_walk.hpp"
#include "harvest/page_fetch.hpp"
#include "harvest/plan.hpp"
#include "harvest/pulls_walk.hpp"

namespace ghharvest::harvest {
namespace {

using github::ApiResponse;
using Kind = github::ApiResponse::Kind;

// Events API: at most 300 events, 100 per page.
constexpr int kMaxEventPages = 3;
// Search: at most 1,000 results per query, 100 per page.
constexpr int kMaxSearchPages = 10;

// Cycles constructed and not yet destroyed (Harvester::LiveCycles).
std::atomic<std::int64_t> g_live_cycles{0};

}  // namespace

class Harvester::Impl {
 public:
  Impl(boost::asio::io_context& io, const Clock& clock, store::Database& db, github::Client& client,
       const config::Config& config)
      : io_(io),
        clock_(clock),
        db_(db),
        client_(client),
        config_(config),
        ingest_(db),
        pages_(db),
        env_{io, clock, db, client, config, ingest_, pages_} {}

  ~Impl() {
    *alive_ = false;
    if (cycle_) client_.CancelAll();
  }

  struct Job {
    std::optional<std::string> writer;
    SyncCallback done;
  };

  void Enqueue(Job job) {
    queue_.push_back(std::move(job));
    if (!cycle_) StartNext();
  }

  void Cancel();

  bool Busy() const { return cycle_ != nullptr || !queue_.empty(); }

  SyncProgress Progress() const;

 private:
  class Cycle;
  void StartNext();

  boost::asio::io_context& io_;
  const Clock& clock_;
  store::Database& db_;
  github::Client& client_;
  const config::Config& config_;
  store::Ingest ingest_;
  store::ListPages pages_;
  CycleEnv env_;  // what each cycle works with (page_fetch.hpp)
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::deque<Job> queue_;
  std::shared_ptr<Cycle> cycle_;
  // When each project's lists were last read completely (by any sync), by repository id.
  std::map<std::int64_t, Clock::TimePoint> crawled_at_;
};

// One sync: phases run one after the other, each a set of concurrent request chains.
// `pending_` counts callbacks still to come; when it reaches zero the next phase starts.
class Harvester::Impl::Cycle : public CycleCore {
 public:
  Cycle(Impl& h, Job job) : CycleCore(h.env_, h.alive_), impl_(h), job_(std::move(job)) {
    rule_.overlap_seconds = h.config_.harvest.overlap.count();
    rule_.refresh_reactions_days = h.config_.harvest.refresh_reactions_days;
    ++g_live_cycles;
  }
  ~Cycle() override { --g_live_cycles; }

  void Start() {
    client_start_ = h_.client_.stats();
    started_at_ = h_.clock_.Now();
    if (auto s = store::SyncWriters(h_.db_, config::WatchedWriters(h_.config_)); !s.ok())
      return Abort(s);
    bool found = false;
    for (const auto& wc : h_.config_.writers) {
      Writer w;
      w.config_login = wc.login;
      w.login = wc.login;
      w.discover = wc.repos.empty();
      if (auto known = KnownLogin(wc.login)) {
        w.login = *known;
        w.resolved = true;
      }
      bool in_job = !job_.writer || AsciiLower(*job_.writer) == AsciiLower(wc.login);
      found = found || in_job;
      writers_.push_back(std::move(w));
      in_job_.push_back(in_job);
    }
    if (!found) return Abort(Status::NotFound("no writer '" + *job_.writer + "' in the config"));
    log::Info("sync started writers={}", job_.writer ? *job_.writer : std::string("all"));
    RecordProgress(true);
    // The continuations live in next_, a member: capturing `this` rather than a shared_ptr
    // keeps the cycle from owning itself (an aborted sync never runs next_, and with a
    // shared_ptr in it the cycle would never be freed). Release() runs them from a request's
    // callback, which holds the cycle alive.
    RunPhase([this] { PhaseWriters(); },
             [this] {
               phase_ = SyncProgress::Phase::kRepositories;
               RecordProgress(true);
               RunPhase([this] { PhaseRepos(); },
                        [this] { RunPhase([this] { PhaseLists(); }, nullptr); });
             });
  }

 private:
  // The walks' callbacks hold the cycle alive as the Cycle it is.
  std::shared_ptr<Cycle> Self() { return std::static_pointer_cast<Cycle>(shared_from_this()); }

  void ScopeDone() override { RecordProgress(false); }

  // ---- phases ------------------------------------------------------------------------

  void RunPhase(const std::function<void()>& launch, std::function<void()> next) {
    if (!fatal_.ok()) return Finish();
    next_ = std::move(next);
    ++pending_;  // held while launching, so a synchronous callback cannot end the phase
    launch();
    Release();
  }

  // Resolves each writer's GitHub id and spelling; discovers projects where none are listed.
  void PhaseWriters() {
    for (std::size_t i = 0; i < writers_.size(); ++i) {
      if (!in_job_[i]) {
        // Other writers' lists are read in this writer's projects too: learn their GitHub
        // spelling now, so those URLs (and their cached ETags) never change afterwards.
        if (!writers_[i].resolved) FetchUser(i, 0);
        continue;
      }
      FetchUser(i, 0);
      if (writers_[i].discover) Discover(i);
    }
  }

  // GET /repos/o/r for every watched project: its id, default branch and current name.
  void PhaseRepos() {
    auto watches = h_.ingest_.ListWatches();
    if (!watches.ok()) return Abort(watches.status());
    // Grouped by the name to ask for: a resolved watch asks by the repository's current
    // name, so a renamed repository costs no redirect (and keeps its 304s) after the first.
    std::map<std::string, std::pair<std::string, std::vector<store::WatchRow>>> groups;
    for (const auto& w : *watches) {
      if (w.status != "active") continue;
      const Writer* writer = FindWriter(w.writer);
      if (!writer || !in_job_[static_cast<std::size_t>(writer - writers_.data())]) continue;
      // Listed repos switch discovery off; store::SyncWriters keeps watches consistent,
      // this only guards against a watch of the wrong kind.
      if (!writer->discover && w.source != "config") continue;
      if (!IsValidRepoName(w.repo_name)) continue;
      std::string ask = w.repo_name;
      if (w.repo_id) {
        if (auto p = StoredProject(*w.repo_id); p && IsValidRepoName(p->full_name)) {
          ask = p->full_name;
        }
      }
      auto& g = groups[AsciiLower(ask)];
      g.first = ask;
      g.second.push_back(w);
    }
    for (auto& [key, g] : groups) FetchRepo(g.first, g.second, 0);
  }

  // The lists of every project: per writer, then repository-wide.
  void PhaseLists() {
    // A one-writer sync skips projects that another writer's sync crawled within half a
    // poll interval: the daemon syncs writers one by one, and writers share projects, so
    // without this a project shared by N writers would be crawled N times per interval.
    lists_started_at_ = h_.clock_.Now();
    phase_ = SyncProgress::Phase::kLists;
    const auto fresh_for = h_.config_.schedule.poll_interval / 2;
    for (const auto& [id, project] : projects_) {
      if (job_.writer) {
        auto it = impl_.crawled_at_.find(id);
        if (it != impl_.crawled_at_.end() && lists_started_at_ - it->second < fresh_for) {
          ++stats_.projects_fresh;
          continue;
        }
      }
      crawled_.push_back(id);
      list_scopes_.insert(RepoScope(project.full_name));
      // One crawl of the repository serves every watched writer in it: its lists carry
      // everyone's items, and the counts view picks the watched writers' rows.
      for (ListKind kind : {ListKind::kCommits, ListKind::kIssues, ListKind::kIssueComments,
                            ListKind::kReviewComments}) {
        StartList(shared_from_this(), kind, project);
      }
      StartPulls(shared_from_this(), project);
    }
    RecordProgress(true);
  }

  void Finish() override {
    if (finished_) return;
    finished_ = true;
    next_ = nullptr;  // a stopped cycle runs no further phase
    stats_.projects = static_cast<std::int64_t>(crawled_.size());
    // No transaction ran: nothing was stored, so the counts cannot have changed.
    if (counts_before_ && (fatal_.ok() || fatal_.code() == Status::Code::kUnavailable)) {
      if (auto digest = CountsDigest(); digest.ok()) {
        stats_.counts_changed = *digest != *counts_before_;
      }
    }
    if (fatal_.ok() && stats_.scopes_failed == 0) {
      for (std::int64_t id : crawled_) impl_.crawled_at_[id] = lists_started_at_;
    }
    RecordRateLimits();
    if (progress_recorded_) {
      SyncProgress p = Progress();
      p.running = false;
      (void)h_.ingest_.SetWatermark(kProgressEndpoint, kProgressScope, FormatIso8601(started_at_),
                                    EncodeProgress(p));
    }
    const auto& cs = h_.client_.stats();
    stats_.points_spent = cs.points_spent - client_start_.points_spent;
    stats_.graphql_requests = cs.graphql_requests - client_start_.graphql_requests;
    stats_.graphql_points = cs.graphql_points - client_start_.graphql_points;
    Status status = fatal_;
    if (status.ok() && stats_.scopes_failed > 0) {
      status = Status::Unavailable(
          fmt::format("{} of the sync's lists failed and will be retried next cycle (see "
                      "sync_errors)",
                      stats_.scopes_failed));
    }
    log::Info(
        "sync finished status=\"{}\" requests={} not_modified={} points={} graphql_requests={} "
        "graphql_points={} pages={} items={} failed_scopes={} counts_changed={}",
        status.ok() ? std::string("ok") : status.ToString(), stats_.requests, stats_.not_modified,
        stats_.points_spent, stats_.graphql_requests, stats_.graphql_points, stats_.pages,
        stats_.items_upserted, stats_.scopes_failed, stats_.counts_changed);
    auto done = std::move(job_.done);
    auto stats = std::move(stats_);
    Impl& h = impl_;
    auto alive = alive_;
    boost::asio::post(h.io_, [&h, alive, done = std::move(done), status, stats]() mutable {
      if (!*alive) return;  // the Harvester is gone: nobody to tell
      h.cycle_.reset();
      if (done) done(status, std::move(stats));
      if (*alive && !h.cycle_) h.StartNext();
    });
  }

  // Where the cycle is, for `ghharvest status` of a running daemon (progress.hpp): at each
  // phase always, as repositories finish at most once a second. Outside any transaction (a
  // request's callback has committed its page); a failed write is retried by the next one.
  void RecordProgress(bool force) {
    if (!fatal_.ok()) return;
    const auto now = h_.clock_.Now();
    if (!force && progress_recorded_ && now - progress_at_ < std::chrono::seconds(1)) return;
    progress_at_ = now;
    progress_recorded_ = true;
    RecordRateLimits();
    (void)h_.ingest_.SetWatermark(kProgressEndpoint, kProgressScope, FormatIso8601(started_at_),
                                  EncodeProgress(Progress()));
  }

 public:
  SyncProgress Progress() const {
    SyncProgress p;
    p.running = true;
    p.phase = phase_;
    p.started = started_at_;
    p.lists_started = lists_started_at_;
    if (phase_ == SyncProgress::Phase::kLists) {
      p.repos_total = static_cast<std::int64_t>(list_scopes_.size());
      for (const auto& scope : list_scopes_) p.repos_done += open_.count(scope) == 0;
    }
    const auto& cs = h_.client_.stats();
    p.requests = cs.requests - client_start_.requests;
    p.points = cs.points_spent - client_start_.points_spent;
    p.graphql_requests = cs.graphql_requests - client_start_.graphql_requests;
    p.graphql_points = cs.graphql_points - client_start_.graphql_points;
    for (const char* resource : {"core", "graphql", "search"}) {
      auto rl = h_.client_.rate_limit(resource);
      if (!rl || rl->limit < 0) continue;
      BucketLeft b;
      b.resource = resource;
      b.limit = rl->limit;
      b.remaining = rl->remaining;
      b.reset = rl->reset;
      // What the client keeps unused (search has no reserve: its window is a minute).
      b.reserve = std::string_view(resource) == "core"      ? h_.config_.github.reserve
                  : std::string_view(resource) == "graphql" ? h_.config_.github.graphql_reserve
                                                            : 0;
      p.buckets.push_back(std::move(b));
    }
    return p;
  }

 private:
  // ---- writers and discovery ---------------------------------------------------------

  void FetchUser(std::size_t i, int attempt) {
    const std::string login = writers_[i].config_login;
    const std::string url = UserPath(login);
    auto self = Self();
    Fetch(
        "users", login, url,
        [self, i, url, attempt](ApiResponse& r) {
          Writer& w = self->writers_[i];
          if (r.kind == Kind::kGone) {
            w.gone = true;
            self->RecordError(w.config_login, url, "the writer's account is gone (404/410)");
            return;
          }
          if (r.kind == Kind::kClientError) {
            self->RecordError(w.config_login, url, fmt::format("HTTP {}", r.status));
            return;
          }
          if (r.kind == Kind::kNotModified) {
            if (!self->KnownLogin(w.config_login) && attempt == 0) {
              self->PostForget(url);
              self->Later([self, i] { self->FetchUser(i, 1); });
            }
            return;
          }
          auto user = github::ParseUser(r.body);
          if (!user.ok()) {
            self->BadBody(r, "users", w.config_login, url, user.status(), nullptr);
            return;
          }
          bool ok = self->InTransaction([&]() -> Status {
            if (auto s = self->h_.ingest_.UpsertUser(*user); !s.ok()) return s;
            return self->h_.ingest_.ResolveWriterUser(w.config_login, user->id);
          });
          if (ok) w.login = user->login;
        },
        nullptr);
  }

  // The GitHub spelling of a writer's login, when its id was resolved before.
  std::optional<std::string> KnownLogin(const std::string& config_login) {
    auto login = h_.ingest_.KnownLogin(config_login);
    return login.ok() ? *login : std::nullopt;
  }

  const Writer* FindWriter(const std::string& config_login) const {
    for (const auto& w : writers_) {
      if (AsciiLower(w.config_login) == AsciiLower(config_login)) return &w;
    }
    return nullptr;
  }

  // Repositories a writer touched: the search API, its own repositories and its recent
  // events. Each page's finds become watches at once (in the page's transaction), so a
  // crash never leaves a 304 hiding a find that was not stored.
  void Discover(std::size_t i) {
    const std::string login = writers_[i].config_login;
    // Imported GH Archive history first: it costs no request and reaches past search's
    // 1,000 results and the events' 30 days; the cap is the same for every source.
    auto touched = h_.ingest_.ArchiveTouchedRepos(login);
    if (!touched.ok()) return Abort(touched.status());
    if (!touched->empty() && !AddDiscovered(login, *touched, "archive")) return;
    DiscoverPages("search", i, SearchInvolvesPath(login), 0);
    DiscoverPages("user_repos", i, UserReposPath(login), 0);
    // Events: honour X-Poll-Interval between cycles.
    auto wm = h_.ingest_.GetWatermark("events", AsciiLower(login));
    if (!wm.ok()) return Abort(wm.status());
    if (*wm && (*wm)->next_poll_at) {
      Clock::TimePoint next;
      if (ParseIso8601(*(*wm)->next_poll_at, &next) && h_.clock_.Now() < next) return;
    }
    DiscoverPages("events", i, UserEventsPath(login), 0);
  }

  void DiscoverPages(const std::string& source, std::size_t i, const std::string& url, int page) {
    auto self = Self();
    const std::string login = writers_[i].config_login;
    Fetch(
        source, login, url,
        [self, source, i, url, page, login](ApiResponse& r) {
          if (source == "events" && (r.kind == Kind::kOk || r.kind == Kind::kNotModified)) {
            int wait = r.poll_interval.value_or(60);
            auto next = FormatIso8601(self->h_.clock_.Now() + std::chrono::seconds(wait));
            if (auto s = self->h_.ingest_.SetNextPoll("events", AsciiLower(login), next); !s.ok()) {
              return self->Abort(s);
            }
          }
          if (r.kind == Kind::kGone || r.kind == Kind::kClientError) {
            self->RecordError(login, url, fmt::format("discovery: HTTP {}", r.status));
            return;
          }
          int max_pages = source == "search"   ? kMaxSearchPages
                          : source == "events" ? kMaxEventPages
                                               : 100;
          if (r.kind == Kind::kOk) {
            std::vector<std::string> found;
            Status parsed;
            if (source == "search") {
              auto page_r = github::ParseSearchIssues(r.body);
              if (page_r.ok()) {
                // Most-touched repositories first.
                std::map<std::string, int> hits;
                for (const auto& it : page_r->items) ++hits[it.repo_full_name];
                std::vector<std::pair<int, std::string>> order;
                for (auto& [name, n] : hits) order.emplace_back(-n, name);
                std::sort(order.begin(), order.end());
                for (auto& [n, name] : order) found.push_back(name);
              } else {
                parsed = page_r.status();
              }
            } else if (source == "user_repos") {
              auto repos = github::ParseRepoList(r.body);
              if (repos.ok()) {
                for (const auto& repo : *repos) found.push_back(repo.full_name);
              } else {
                parsed = repos.status();
              }
            } else {
              auto events = github::ParseEventsPage(r.body);
              if (events.ok()) {
                for (const auto& e : *events) found.push_back(e.repo_name);
              } else {
                parsed = events.status();
              }
            }
            if (!parsed.ok()) {
              self->BadBody(r, source, login, url, parsed, nullptr);
              return;
            }
            if (!self->AddDiscovered(self->writers_[i].config_login, found, source)) return;
            ++self->stats_.per_endpoint[source].pages;
            ++self->stats_.pages;
          }
          if (r.next_url && page + 1 < max_pages) {
            self->DiscoverPages(source, i, *r.next_url, page + 1);
          }
        },
        nullptr);
  }

  bool AddDiscovered(const std::string& writer, const std::vector<std::string>& names,
                     const std::string& source) {
    return InTransaction([&]() -> Status {
      // Gone watches are remembered (never re-added) but leave their place to new finds.
      auto discovered = h_.ingest_.DiscoveredWatches(writer);
      if (!discovered.ok()) return discovered.status();
      std::set<std::string> have;
      int active = 0;
      for (const store::WatchRow& w : *discovered) {
        have.insert(AsciiLower(w.repo_name));
        active += w.status == "active";
      }
      int cap = h_.config_.harvest.max_discovered_repos;
      for (const auto& name : names) {
        if (!IsValidRepoName(name) || have.count(AsciiLower(name))) continue;
        if (active >= cap) break;
        if (auto s = h_.ingest_.AddWatch(writer, name, source); !s.ok()) return s;
        have.insert(AsciiLower(name));
        ++active;
        ++stats_.per_endpoint[source].items;
      }
      return Status::Ok();
    });
  }

  // ---- repositories ------------------------------------------------------------------

  void FetchRepo(const std::string& name, const std::vector<store::WatchRow>& rows, int attempt) {
    const std::string url = RepoPath(name);
    auto self = Self();
    Fetch(
        "repos", name, url,
        [self, rows, url, name, attempt](ApiResponse& r) {
          switch (r.kind) {
            case Kind::kGone: {
              ++self->stats_.projects_gone;
              log::Notice("project gone, no longer polled repo={} status={}", name, r.status);
              self->InTransaction([&]() -> Status {
                for (const auto& w : rows) {
                  if (auto s = self->h_.ingest_.MarkWatchGone(w.writer, w.repo_name); !s.ok()) {
                    return s;
                  }
                }
                return self->h_.ingest_.RecordError(
                    name, url, fmt::format("gone (HTTP {})", r.status), self->h_.clock_.Now());
              });
              return;
            }
            case Kind::kClientError:
              ++self->stats_.scopes_failed;
              self->RecordError(name, url, fmt::format("HTTP {}", r.status));
              return;
            case Kind::kNotModified: {
              // Unchanged: the stored row is the answer.
              std::optional<Project> p;
              for (const auto& w : rows) {
                if (w.repo_id && !p) p = self->StoredProject(*w.repo_id);
              }
              if (p) {
                self->AddProject(*p);
              } else if (attempt == 0) {
                self->PostForget(url);
                self->Later([self, name, rows] { self->FetchRepo(name, rows, 1); });
              }
              return;
            }
            case Kind::kOk:
              break;
          }
          auto repo = github::ParseRepo(r.body);
          if (!repo.ok() || repo->id == 0 || !IsValidRepoName(repo->full_name)) {
            Status why =
                repo.ok() ? Status::Corruption("repository without id or name") : repo.status();
            self->BadBody(r, "repos", name, url, why, [self] { ++self->stats_.scopes_failed; });
            return;
          }
          bool renamed = AsciiLower(repo->full_name) != AsciiLower(name);
          if (renamed) log::Notice("project renamed from={} to={}", name, repo->full_name);
          bool ok = self->InTransaction([&]() -> Status {
            if (auto s = self->h_.ingest_.UpsertRepo(*repo); !s.ok()) return s;
            if (renamed) {
              if (auto s = self->h_.ingest_.RecordOldName(name, repo->id); !s.ok()) return s;
            }
            for (const auto& w : rows) {
              if (auto s = self->h_.ingest_.ResolveWatch(w.writer, w.repo_name, repo->id);
                  !s.ok()) {
                return s;
              }
            }
            return Status::Ok();
          });
          if (!ok) return;
          self->AddProject(Project{repo->id, repo->full_name});
          // Ask once by the new name, so next cycle's request has validators to send.
          if (renamed && attempt == 0) {
            self->Later([self, rows, full = repo->full_name] { self->FetchRepo(full, rows, 1); });
          }
        },
        [self] { ++self->stats_.scopes_failed; });
  }

  std::optional<Project> StoredProject(std::int64_t id) {
    auto name = h_.ingest_.RepoFullName(id);
    if (!name.ok() || !*name) return std::nullopt;
    return Project{id, **name};
  }

  void AddProject(const Project& p) { projects_.emplace(p.id, p); }

  // For `ghharvest status`: the budget left per resource, as last seen.
  void RecordRateLimits() {
    for (const char* resource : {"core", "search", "graphql"}) {
      auto rl = h_.client_.rate_limit(resource);
      if (!rl || rl->limit < 0) continue;
      store::RateLimitRow row;
      row.resource = resource;
      row.quota = rl->limit;
      row.remaining = rl->remaining;
      if (rl->used >= 0) row.used = rl->used;
      row.reset_at = FormatIso8601(Clock::TimePoint(std::chrono::seconds(rl->reset)));
      (void)h_.ingest_.RecordRateLimit(row);
    }
    // Each credential's own (a token pool's members), by fingerprint.
    for (const github::CredentialBudget& b : h_.client_.budgets()) {
      if (b.rate.limit < 0) {
        (void)h_.ingest_.MarkCredentialRevoked(b.credential);
        continue;
      }
      store::RateLimitRow row;
      row.resource = b.rate.resource;
      row.quota = b.rate.limit;
      row.remaining = b.rate.remaining;
      row.reset_at = FormatIso8601(Clock::TimePoint(std::chrono::seconds(b.rate.reset)));
      (void)h_.ingest_.RecordCredentialBudget(b.credential, row, b.revoked);
    }
  }

  // ---- counts ------------------------------------------------------------------------

  Result<std::string> CountsDigest() { return h_.ingest_.CountsDigest(); }

  Impl& impl_;
  Job job_;
  github::ClientStats client_start_;
  Clock::TimePoint lists_started_at_;
  Clock::TimePoint started_at_;
  SyncProgress::Phase phase_ = SyncProgress::Phase::kWriters;
  bool progress_recorded_ = false;  // the store has this cycle's progress row
  Clock::TimePoint progress_at_;
  std::vector<std::int64_t> crawled_;  // projects whose lists this sync read

  friend class Harvester::Impl;
};

void Harvester::Impl::Cancel() {
  auto queued = std::move(queue_);
  queue_.clear();
  for (auto& job : queued) {
    boost::asio::post(io_, [done = std::move(job.done)] {
      done(Status::Cancelled("sync cancelled"), HarvestStats{});
    });
  }
  if (cycle_) cycle_->Abort(Status::Cancelled("sync cancelled"));
}

SyncProgress Harvester::Impl::Progress() const {
  return cycle_ ? cycle_->Progress() : SyncProgress{};
}

void Harvester::Impl::StartNext() {
  if (cycle_ || queue_.empty()) return;
  Job job = std::move(queue_.front());
  queue_.pop_front();
  cycle_ = std::make_shared<Cycle>(*this, std::move(job));
  cycle_->Start();
}

Harvester::Harvester(boost::asio::io_context& io, const Clock& clock, store::Database& db,
                     github::Client& client, const config::Config& config)
    : impl_(std::make_unique<Impl>(io, clock, db, client, config)) {}

Harvester::~Harvester() = default;

void Harvester::SyncAll(SyncCallback done) { impl_->Enqueue({std::nullopt, std::move(done)}); }

void Harvester::SyncWriter(const std::string& login, SyncCallback done) {
  impl_->Enqueue({login, std::move(done)});
}

void Harvester::Cancel() { impl_->Cancel(); }

std::int64_t Harvester::LiveCycles() { return g_live_cycles.load(); }

bool Harvester::Busy() const { return impl_->Busy(); }

SyncProgress Harvester::Progress() const { return impl_->Progress(); }

}  // namespace ghharvest::harvest
