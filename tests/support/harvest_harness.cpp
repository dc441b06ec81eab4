#include "harvest_harness.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cctype>
#include <mutex>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "ghharvest/app/adapters.hpp"
#include "ghharvest/github/client.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/writers.hpp"
#include "test_config.hpp"

namespace ghharvest::testing {

namespace {

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void Check(const Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(fmt::format("harvest harness: {}: {}", what, s.ToString()));
}

// A value that changes whenever anything the counts read from an item changes.
std::int64_t Version(WorldTime updated, const Reactions& r, bool merged, bool closed) {
  std::uint64_t v = static_cast<std::uint64_t>(updated);
  for (auto n : r.n) v = v * 1000003u + static_cast<std::uint64_t>(n);
  v = v * 4u + (merged ? 2u : 0u) + (closed ? 1u : 0u);
  return static_cast<std::int64_t>(v);
}

std::int64_t PullVersion(const WorldIssue& i) {
  return i.updated * 4 + (i.merged ? 2 : 0) + (i.closed ? 1 : 0);
}

std::string Key(char kind, std::int64_t repo, const std::string& id) {
  return fmt::format("{}{}:{}", kind, repo, id);
}

}  // namespace

void SortCounts(std::vector<CountsRow>& rows) {
  std::sort(rows.begin(), rows.end(), [](const CountsRow& a, const CountsRow& b) {
    return std::make_pair(Lower(a.writer), Lower(a.project)) <
           std::make_pair(Lower(b.writer), Lower(b.project));
  });
}

std::string DiffCounts(const std::vector<CountsRow>& stored, const std::vector<CountsRow>& truth) {
  if (stored == truth) return "";
  std::string out = fmt::format("{} rows stored, {} in the truth", stored.size(), truth.size());
  int shown = 0;
  for (std::size_t i = 0; i < std::max(stored.size(), truth.size()) && shown < 5; ++i) {
    bool s = i < stored.size(), t = i < truth.size();
    if (s && t && stored[i] == truth[i]) continue;
    ++shown;
    if (s) out += "\n  stored: " + stored[i].ToString();
    if (t) out += "\n  truth:  " + truth[i].ToString();
  }
  return out;
}

HarvestHarness::HarvestHarness(HarvestHarnessOptions options) : opts_(std::move(options)) {
  world_ = std::make_shared<World>(opts_.spec);
  GitHubHandlerOptions ho;
  // Points are measured here, not rationed: the governor must never wait.
  ho.core_limit = 100000000;
  ho.search_limit = 100000000;
  ho.latency = opts_.latency;
  ho.graphql = opts_.graphql;
  ho.issues_merged_at = opts_.issues_merged_at;
  handler_ = std::make_unique<GitHubHandler>(
      world_, [base = base_] { return *base; }, ho);
  Handler h = *handler_;
  if (opts_.fault_rate > 0) h = WithFaults(h, opts_.fault_rate, opts_.fault_seed);
  if (opts_.fail_if) {
    h = [h, fail_if = opts_.fail_if, failing = opts_.failing](const HttpRequest& r) {
      if (*failing && fail_if(r)) {
        HttpResponse out;
        out.status = 500;
        out.body = R"({"message":"Server Error"})";
        return out;
      }
      return h(r);
    };
  }
  if (opts_.respond) {
    h = [h, respond = opts_.respond](const HttpRequest& r) {
      if (auto out = respond(r)) return *out;
      return h(r);
    };
  }
  server_ = std::make_unique<FakeServer>(h, opts_.server_threads);
  *base_ = server_->base_url();

  cfg_.path = dir_.file("ghharvest.toml");
  cfg_.storage.database = dir_.file("ghharvest.db");
  cfg_.reports.dir = dir_.file("reports");
  cfg_.github.api_url = server_->base_url();
  cfg_.github.concurrency = opts_.concurrency;
  auto projects = world_->WriterProjects();
  for (const auto& login : world_->WriterConfigLogins()) {
    config::WriterConfig w;
    w.login = login;
    if (!opts_.discovery) w.repos = projects[login];
    for (const auto& r : projects[login]) crawled_.insert(Lower(r));
    cfg_.writers.push_back(w);
  }
  auto db = store::Database::Open(cfg_.storage.database);
  Check(db.status(), "open database");
  db_ = std::move(*db);
  Check(store::SyncWriters(*db_, config::WatchedWriters(cfg_)), "writers from config");
}

HarvestHarness::~HarvestHarness() = default;

HarvestRun HarvestHarness::Sync(const Clock& clock) {
  return Run(clock,
             [](harvest::Harvester& h, harvest::SyncCallback done) { h.SyncAll(std::move(done)); });
}

HarvestRun HarvestHarness::SyncRepository(const std::string& full_name, const Clock& clock) {
  return Run(clock, [&](harvest::Harvester& h, harvest::SyncCallback done) {
    h.SyncRepository(full_name, std::move(done));
  });
}

HarvestRun HarvestHarness::Run(
    const Clock& clock,
    const std::function<void(harvest::Harvester&, harvest::SyncCallback)>& start) {
  handler_->ResetCounters();
  boost::asio::io_context io;
  github::ClientOptions co;
  co.api_url = cfg_.github.api_url;
  co.token = "harness-token";
  co.concurrency = opts_.concurrency;
  co.retry_base = std::chrono::milliseconds(1);
  co.secondary_base = std::chrono::seconds(1);
  co.max_retries = 10;
  co.graphql = cfg_.github.graphql;
  co.graphql_reserve = cfg_.github.graphql_reserve;
  app::DatabaseEtagStore etags(*db_);
  github::Client client(io, clock, &etags, co);
  harvest::Harvester harvester(io, clock, *db_, client, cfg_);
  HarvestRun out;
  bool called = false;
  start(harvester, [&](Status s, harvest::HarvestStats st) {
    out.status = std::move(s);
    out.stats = std::move(st);
    called = true;
  });
  auto t0 = std::chrono::steady_clock::now();
  io.run();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!called) throw std::runtime_error("harvest harness: the harvester never called back");
  out.server = handler_->counters();
  return out;
}

Result<std::vector<CountsRow>> HarvestHarness::Stored() { return StoredCounts(*db_); }

Result<std::vector<CountsRow>> StoredCounts(store::Database& db) {
  auto st = db.Prepare(
      "SELECT writer, project, commits, issues_opened, prs_opened, prs_merged, "
      "issue_comments, review_comments, reviews, reactions_received, feedback_received, "
      "blog_posts FROM writer_project_counts");
  if (!st.ok()) return st.status();
  store::StatementGuard g(**st);
  std::vector<CountsRow> rows;
  while (g->Step()) {
    CountsRow r;
    r.writer = g->Text(0);
    r.project = g->Text(1);
    std::int64_t* cols[] = {&r.commits,    &r.issues_opened,      &r.prs_opened,
                            &r.prs_merged, &r.issue_comments,     &r.review_comments,
                            &r.reviews,    &r.reactions_received, &r.feedback_received,
                            &r.blog_posts};
    for (int i = 0; i < 10; ++i) *cols[i] = g->Int(i + 2);
    rows.push_back(std::move(r));
  }
  if (!g->status().ok()) return g->status();
  SortCounts(rows);
  return rows;
}

Result<std::int64_t> DuplicateRows(store::Database& db) {
  const char* sql[] = {
      "SELECT count(*) - count(DISTINCT repo_id || ':' || number) FROM issues",
      "SELECT count(*) - count(DISTINCT id) FROM issue_comments",
      "SELECT count(*) - count(DISTINCT id) FROM review_comments",
      "SELECT count(*) - count(DISTINCT id) FROM reviews",
      "SELECT count(*) - count(DISTINCT repo_id || ':' || sha) FROM commits",
  };
  std::int64_t dup = 0;
  for (const char* q : sql) {
    auto v = db.QueryInt(q);
    if (!v.ok()) return v.status();
    dup += v->value_or(0);
  }
  return dup;
}

std::map<std::string, std::vector<std::string>> HarvestHarness::EveryWriterEveryCrawled() const {
  std::map<std::string, std::vector<std::string>> per;
  for (const auto& w : cfg_.writers) per[w.login] = {crawled_.begin(), crawled_.end()};
  return per;
}

std::vector<CountsRow> HarvestHarness::Truth() const {
  TruthOptions opt;
  // Discovery may find projects beyond those the world names per writer: count them all.
  if (!opts_.discovery) opt.repos_per_writer = EveryWriterEveryCrawled();
  auto rows = world_->TruthCounts(world_->WriterConfigLogins(), opt);
  SortCounts(rows);
  return rows;
}

RequestFloor HarvestHarness::Floor() const { return world_->Floor(EveryWriterEveryCrawled()); }
std::string HarvestHarness::UnwatchedLogin() const {
  const std::string login = world_->Read([](const WorldModel& m) {
    for (const auto& u : m.users)
      if (!u.writer && u.type == "User") return u.login;
    return std::string();
  });
  if (login.empty()) throw std::runtime_error("the world has no unwatched user");
  return login;
}

RequestFloor HarvestHarness::RepositoryFloor() const {
  return world_->RepositoryFloor(EveryWriterEveryCrawled());
}

WorldSnapshot HarvestHarness::Snapshot() const {
  return world_->Read([](const WorldModel& m) {
    WorldSnapshot s;
    s.now = m.now;
    for (const auto& r : m.repos) {
      for (const auto& c : r.commits) s.versions[Key('c', r.id, c.sha)] = c.date;
      for (const auto& i : r.issues) {
        s.versions[Key('i', r.id, std::to_string(i.id))] =
            Version(i.updated, i.reactions, i.merged.has_value(), i.closed.has_value());
        if (i.is_pull) s.versions[Key('p', r.id, std::to_string(i.id))] = PullVersion(i);
      }
      for (const auto& c : r.issue_comments)
        s.versions[Key('n', r.id, std::to_string(c.id))] = Version(c.updated, c.reactions, 0, 0);
      for (const auto& c : r.review_comments)
        s.versions[Key('r', r.id, std::to_string(c.id))] = Version(c.updated, c.reactions, 0, 0);
      for (const auto& v : r.reviews)
        s.versions[Key('v', r.id, std::to_string(v.id))] = v.submitted * 8 + v.state.size();
    }
    return s;
  });
}

RequestFloor HarvestHarness::ChangeFloor(const WorldSnapshot& before) const {
  std::vector<std::string> logins;
  for (const auto& w : cfg_.writers) logins.push_back(w.login);
  std::set<std::string> listed = crawled_;
  return world_->Read([&](const WorldModel& m) {
    auto pages = [](std::int64_t n) { return (n + 99) / 100; };
    auto changed = [&](const std::string& key, std::int64_t version) {
      auto it = before.versions.find(key);
      return it == before.versions.end() || it->second != version;
    };
    std::vector<std::int64_t> writer_ids;
    for (const auto& l : logins)
      if (const WorldUser* u = m.UserByLogin(l)) writer_ids.push_back(u->id);
    RequestFloor f;
    for (const auto& name : listed) {
      const WorldRepo* r = m.Repo(name);
      if (!r || r->deleted) continue;
      std::map<std::int64_t, std::int64_t> commits, issues;  // per writer id
      std::int64_t pulls = 0, issue_comments = 0, review_comments = 0;
      for (const auto& c : r->commits)
        if (changed(Key('c', r->id, c.sha), c.date)) commits[c.author]++;
      for (const auto& i : r->issues) {
        if (!changed(Key('i', r->id, std::to_string(i.id)),
                     Version(i.updated, i.reactions, i.merged.has_value(), i.closed.has_value())))
          continue;
        issues[i.user]++;
        // The pulls list carries no rollups: only a new updated_at or state moves it.
        if (i.is_pull) pulls += changed(Key('p', r->id, std::to_string(i.id)), PullVersion(i));
      }
      for (const auto& c : r->issue_comments)
        issue_comments +=
            changed(Key('n', r->id, std::to_string(c.id)), Version(c.updated, c.reactions, 0, 0));
      for (const auto& c : r->review_comments)
        review_comments +=
            changed(Key('r', r->id, std::to_string(c.id)), Version(c.updated, c.reactions, 0, 0));
      std::map<std::int64_t, std::int64_t> reviews_of;  // per pull request number: all reviews
      std::set<std::int64_t> reviews_changed;
      for (const auto& v : r->reviews) {
        reviews_of[v.number]++;
        if (changed(Key('v', r->id, std::to_string(v.id)),
                    v.submitted * 8 + static_cast<std::int64_t>(v.state.size())))
          reviews_changed.insert(v.number);
      }
      for (auto id : writer_ids) {
        f.commits += pages(commits[id]);
        f.issues += pages(issues[id]);
      }
      f.pulls += pages(pulls);
      f.issue_comments += pages(issue_comments);
      f.review_comments += pages(review_comments);
      for (auto n : reviews_changed) f.reviews += pages(reviews_of[n]);
    }
    return f;
  });
}

std::string HarvestHarness::base_url() const { return server_->base_url(); }

TestConfig HarvestHarness::BinaryConfig(const std::string& token_env) const {
  TestConfig c;
  c.Set("github", "api_url", server_->base_url())
      .Set("github", "token_env", token_env)
      .Set("github", "concurrency", opts_.concurrency)
      .Set("storage", "database", cfg_.storage.database)
      .Set("reports", "dir", cfg_.reports.dir);
  for (const auto& w : cfg_.writers) c.Writer(w.login, w.repos);
  return c;
}

std::string HarvestHarness::WriteConfigFile(const std::string& token_env) const {
  return BinaryConfig(token_env).Write(dir_.file("ghharvest.toml"));
}

struct ChangeBetweenRequests::State {
  std::mutex mu;
  std::function<bool(const HttpRequest&)> when;
  std::function<void()> change;
  int runs = 0;
};

ChangeBetweenRequests::ChangeBetweenRequests(std::function<bool(const HttpRequest&)> when)
    : state_(std::make_shared<State>()) {
  state_->when = std::move(when);
}

void ChangeBetweenRequests::Arm(std::function<void()> change) {
  std::lock_guard lock(state_->mu);
  state_->change = std::move(change);
}

int ChangeBetweenRequests::runs() const {
  std::lock_guard lock(state_->mu);
  return state_->runs;
}

std::function<std::optional<HttpResponse>(const HttpRequest&)> ChangeBetweenRequests::respond()
    const {
  return [state = state_](const HttpRequest& r) -> std::optional<HttpResponse> {
    std::function<void()> change;
    {
      std::lock_guard lock(state->mu);
      if (!state->change || !state->when(r)) return std::nullopt;
      change = std::move(state->change);
      state->change = nullptr;
    }
    // Outside the lock: a change may wait for the harvester, whose other requests go on.
    change();
    std::lock_guard lock(state->mu);
    ++state->runs;
    return std::nullopt;
  };
}

}  // namespace ghharvest::testing
