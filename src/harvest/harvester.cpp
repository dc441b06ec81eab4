// The harvester (harvester.hpp): the job queue, and the cycle, one sync as phases run one
// after the other (writers, repositories, lists), each a set of concurrent request chains. A
// job is the whole cycle (SyncAll), a writer's phase alone (SyncWriter), or one repository's
// lookup and lists (SyncRepository).
// The chains are parts of their own over the cycle's request skeleton (page_fetch.hpp):
// writers, discovery and repositories (lookup.hpp, with discovery.hpp's pure rules), the four
// lists of a repository (list_walk.hpp) and its pulls and reviews (pulls_walk.hpp). What stays
// here is what a sync is as a whole: its order, its progress, its end and its stats.
#include "ghharvest/harvest/harvester.hpp"

#include <atomic>
#include <deque>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "ghharvest/config/config.hpp"
#include "ghharvest/github/client.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/ingest.hpp"
#include "ghharvest/store/list_pages.hpp"
#include "ghharvest/store/writers.hpp"
#include "ghharvest/util/log.hpp"
#include "ghharvest/util/names.hpp"
#include "harvest/list_walk.hpp"
#include "harvest/lookup.hpp"
#include "harvest/page_fetch.hpp"
#include "harvest/plan.hpp"
#include "harvest/pulls_walk.hpp"

namespace ghharvest::harvest {
namespace {

// Cycles constructed and not yet destroyed (Harvester::LiveCycles).
std::atomic<std::int64_t> g_live_cycles{0};

}  // namespace

class Harvester::Impl {
 public:
  // One member a line, as declared (clang-format would pack env_'s braces into a column).
  // clang-format off
  Impl(boost::asio::io_context& io, const Clock& clock, store::Database& db, github::Client& client,
       const config::Config& config)
      : io_(io),
        db_(db),
        client_(client),
        config_(config),
        ingest_(db),
        pages_(db),
        env_{io, clock, db, client, config, ingest_, pages_} {}
  // clang-format on

  ~Impl() {
    *alive_ = false;
    if (cycle_) client_.CancelAll();
  }

  struct Job {
    enum class Kind { kAll, kWriter, kRepository };
    Kind kind = Kind::kAll;
    std::string name;  // the writer's login, or the repository's name
    SyncCallback done;
  };

  // A repository to look up, by the name to ask for, with every watch of it.
  struct RepoGroup {
    std::string ask;
    std::vector<store::WatchRow> watches;
  };
  // The active watches of the config's writers grouped by repository, keyed by the
  // lower-cased name to ask for. A resolved watch asks by the repository's current name, so a
  // renamed repository costs no redirect (and keeps its 304s) after the first.
  Result<std::map<std::string, RepoGroup>> RepoGroups();

  void Enqueue(Job job) {
    queue_.push_back(std::move(job));
    if (!cycle_) StartNext();
  }

  void Cancel();

  bool Busy() const { return cycle_ != nullptr || !queue_.empty(); }

  Result<std::vector<std::string>> WatchedRepositories() {
    if (auto s = store::SyncWriters(db_, config::WatchedWriters(config_)); !s.ok()) return s;
    auto groups = RepoGroups();
    if (!groups.ok()) return groups.status();
    std::vector<std::string> out;
    for (const auto& entry : *groups) out.push_back(entry.second.ask);
    return out;
  }

  SyncProgress Progress() const;

 private:
  class Cycle;
  void StartNext();

  boost::asio::io_context& io_;
  store::Database& db_;
  github::Client& client_;
  const config::Config& config_;
  store::Ingest ingest_;
  store::ListPages pages_;
  CycleEnv env_;  // what each cycle works with (page_fetch.hpp)
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::deque<Job> queue_;
  std::shared_ptr<Cycle> cycle_;
};

Result<std::map<std::string, Harvester::Impl::RepoGroup>> Harvester::Impl::RepoGroups() {
  auto watches = ingest_.ListWatches();
  if (!watches.ok()) return watches.status();
  std::map<std::string, bool> discovers;  // lower-cased login -> no repos in the config
  for (const auto& wc : config_.writers) discovers[AsciiLower(wc.login)] = wc.repos.empty();
  std::map<std::string, RepoGroup> groups;
  for (const auto& w : *watches) {
    if (w.status != "active") continue;
    auto writer = discovers.find(AsciiLower(w.writer));
    if (writer == discovers.end()) continue;
    // Listed repos switch discovery off; store::SyncWriters keeps watches consistent,
    // this only guards against a watch of the wrong kind.
    if (!writer->second && w.source != "config") continue;
    if (!IsValidRepoName(w.repo_name)) continue;
    std::string ask = w.repo_name;
    if (w.repo_id) {
      auto name = ingest_.RepoFullName(*w.repo_id);
      if (name.ok() && *name && IsValidRepoName(**name)) ask = **name;
    }
    auto& g = groups[AsciiLower(ask)];
    g.ask = ask;
    g.watches.push_back(w);
  }
  return groups;
}

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
    using Kind = Job::Kind;
    client_start_ = h_.client_.stats();
    started_at_ = h_.clock_.Now();
    if (auto s = store::SyncWriters(h_.db_, config::WatchedWriters(h_.config_)); !s.ok())
      return Abort(s);
    bool found = job_.kind != Kind::kWriter;
    for (const auto& wc : h_.config_.writers) {
      Writer w;
      w.config_login = wc.login;
      w.login = wc.login;
      w.discover = wc.repos.empty();
      if (auto known = KnownLogin(*this, wc.login)) w.login = *known;
      if (auto s = LoadAccountState(*this, &w); !s.ok()) return Abort(s);
      bool in_job = job_.kind == Kind::kAll ||
                    (job_.kind == Kind::kWriter && AsciiLower(job_.name) == AsciiLower(wc.login));
      found = found || in_job;
      writers_.push_back(std::move(w));
      in_job_.push_back(in_job);
    }
    if (!found) return Abort(Status::NotFound("no writer '" + job_.name + "' in the config"));
    if (job_.kind == Kind::kRepository) {
      // The watches are read now, before any request: a repository nobody watches any more
      // (a reload dropped its writers) is not looked up.
      auto groups = impl_.RepoGroups();
      if (!groups.ok()) return Abort(groups.status());
      const std::string key = AsciiLower(job_.name);
      for (auto& [ask, g] : *groups) {
        bool named = ask == key;
        for (const auto& w : g.watches) named = named || AsciiLower(w.repo_name) == key;
        if (named) repo_groups_.push_back(std::move(g));
      }
      if (repo_groups_.empty()) {
        return Abort(Status::NotFound("no active watch of repository '" + job_.name + "'"));
      }
    }
    log::Info("sync started {}", Unit().empty() ? std::string("writers=all") : Unit());
    // The continuations live in next_, a member: capturing `this` rather than a shared_ptr
    // keeps the cycle from owning itself (an aborted sync never runs next_, and with a
    // shared_ptr in it the cycle would never be freed). Release() runs them from a request's
    // callback, which holds the cycle alive.
    std::function<void()> repositories_then_lists = [this] {
      phase_ = SyncProgress::Phase::kRepositories;
      RecordProgress(true);
      RunPhase([this] { PhaseRepos(); }, [this] { RunPhase([this] { PhaseLists(); }, nullptr); });
    };
    switch (job_.kind) {
      case Kind::kRepository:
        // The writers are the writer jobs' part: a crawl needs none of them resolved (list
        // URLs name no writer, and the counts view matches writers to accounts by login).
        return repositories_then_lists();
      case Kind::kWriter:
        RecordProgress(true);
        return RunPhase([this] { PhaseWriters(); }, nullptr);
      case Kind::kAll:
        RecordProgress(true);
        return RunPhase([this] { PhaseWriters(); }, std::move(repositories_then_lists));
    }
  }

  // What this job is, for logs and `ghharvest status`: "" for a whole cycle.
  std::string Unit() const {
    switch (job_.kind) {
      case Job::Kind::kAll:
        return "";
      case Job::Kind::kWriter:
        return "writer " + job_.name;
      case Job::Kind::kRepository:
        return job_.name;
    }
    return "";
  }

 private:
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
      if (!in_job_[i]) continue;
      if (GoneUntilRecheck(*this, i)) continue;
      FetchUser(shared_from_this(), i);
      // An account gone, or answering 404, has nothing to discover (its searches and events
      // would only answer 422 and 404).
      const Writer& w = writers_[i];
      if (w.discover && !w.gone && !w.first_404) Discover(shared_from_this(), i);
    }
  }

  // GET /repos/o/r for every watched project (or the job's one): its id, default branch and
  // current name.
  void PhaseRepos() {
    if (job_.kind == Job::Kind::kRepository) {
      for (const auto& g : repo_groups_) FetchRepo(shared_from_this(), g.ask, g.watches);
      return;
    }
    auto groups = impl_.RepoGroups();
    if (!groups.ok()) return Abort(groups.status());
    for (const auto& entry : *groups) {
      FetchRepo(shared_from_this(), entry.second.ask, entry.second.watches);
    }
  }

  // The lists of every project the repositories phase found.
  void PhaseLists() {
    lists_started_at_ = h_.clock_.Now();
    phase_ = SyncProgress::Phase::kLists;
    for (const auto& [id, project] : projects_) {
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
        "sync finished{} status=\"{}\" requests={} not_modified={} points={} graphql_requests={} "
        "graphql_points={} pages={} items={} failed_scopes={} counts_changed={}",
        Unit().empty() ? std::string() : " " + Unit(),
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
    p.unit = Unit();
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
  std::vector<std::int64_t> crawled_;         // projects whose lists this sync read
  std::vector<Impl::RepoGroup> repo_groups_;  // a repository job's watches, read at its start

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

void Harvester::SyncAll(SyncCallback done) {
  impl_->Enqueue({Impl::Job::Kind::kAll, {}, std::move(done)});
}

void Harvester::SyncRepository(const std::string& full_name, SyncCallback done) {
  impl_->Enqueue({Impl::Job::Kind::kRepository, full_name, std::move(done)});
}

void Harvester::SyncWriter(const std::string& login, SyncCallback done) {
  impl_->Enqueue({Impl::Job::Kind::kWriter, login, std::move(done)});
}

Result<std::vector<std::string>> Harvester::WatchedRepositories() {
  // The same watches a repository job will read: written from the config first.
  return impl_->WatchedRepositories();
}

void Harvester::Cancel() { impl_->Cancel(); }

std::int64_t Harvester::LiveCycles() { return g_live_cycles.load(); }

bool Harvester::Busy() const { return impl_->Busy(); }

SyncProgress Harvester::Progress() const { return impl_->Progress(); }

}  // namespace ghharvest::harvest
