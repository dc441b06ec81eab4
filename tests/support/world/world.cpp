#include "world/world.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include <date/date.h>
#include <fmt/format.h>

#include "ghharvest/util/clock.hpp"

namespace ghharvest::testing {
namespace {

constexpr std::int64_t kDay = 86400;

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool EqualsNoCase(const std::string& a, const std::string& b) { return Lower(a) == Lower(b); }

// splitmix64: tiny, seedable and identical on every platform (std distributions are not).
struct Rng {
  std::uint64_t* state;
  std::uint64_t Next() {
    std::uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi] (inclusive).
  std::int64_t Range(std::int64_t lo, std::int64_t hi) {
    if (hi <= lo) return lo;
    return lo + static_cast<std::int64_t>(Next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  double Unit() { return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0); }
  bool Chance(double p) { return Unit() < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(Range(0, static_cast<std::int64_t>(v.size()) - 1))];
  }
};

std::string Sha(Rng& rng) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  s.reserve(40);
  while (s.size() < 40) {
    std::uint64_t v = rng.Next();
    for (int i = 0; i < 16 && s.size() < 40; ++i, v >>= 4) s.push_back(kHex[v & 15]);
  }
  return s;
}

Reactions RandomReactions(Rng& rng, double share) {
  Reactions r;
  if (!rng.Chance(share)) return r;
  int kinds = static_cast<int>(rng.Range(1, 3));
  for (int k = 0; k < kinds; ++k) {
    // +1 and heart are the common ones, as on GitHub.
    std::size_t kind =
        rng.Chance(0.5) ? (rng.Chance(0.6) ? 0 : 5) : static_cast<std::size_t>(rng.Range(0, 7));
    r.n[kind] += rng.Range(1, 5);
  }
  return r;
}

const char* kWriterLogins[] = {"alice-dev", "BobSmith", "carol", "Dave-Ops", "erin-k",
                               "FrankM",    "grace-h",  "Heidi", "ivan-p",   "JudyQ"};
const char* kWriterConfig[] = {"Alice-Dev", "bobsmith", "CAROL", "dave-ops", "Erin-K",
                               "frankm",    "Grace-H",  "heidi", "IVAN-P",   "judyq"};
const char* kRepoNames[] = {"hello_world-2", "lib.core",      "Fast-JSON",      "tools_misc",
                            "web.app-ui",    "data_pipeline", "cli-kit",        "docs.site",
                            "Parser_X",      "net-io.v2",     "deep.learn_kit", "mini-db"};
const char* kOrgs[] = {"octo-org", "AcmeLabs", "data-works"};

// Flips case so the config and GitHub spell a writer differently.
std::string ConfigSpelling(const std::string& login, int i) {
  std::string s = login;
  for (std::size_t k = 0; k < s.size(); ++k) {
    unsigned char c = static_cast<unsigned char>(s[k]);
    s[k] = static_cast<char>(((k + static_cast<std::size_t>(i)) % 2 == 0) ? std::toupper(c)
                                                                          : std::tolower(c));
  }
  if (s == login) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

struct Generator {
  WorldModel& m;
  Rng rng;
  std::vector<std::int64_t> writers, others, bots;
  // Per repo: writers active in it, and other people there.
  std::vector<std::vector<std::int64_t>> repo_writers, repo_others;

  explicit Generator(WorldModel& model) : m(model), rng{&model.rng_state} {}

  std::int64_t NewId() {
    m.next_id += rng.Range(1, 7);  // gaps, as real ids have
    return m.next_id;
  }

  std::int64_t AddUser(std::string login, std::string type, bool writer,
                       std::string config_login = {}) {
    WorldUser u;
    u.id = NewId();
    u.login = std::move(login);
    u.type = std::move(type);
    u.writer = writer;
    u.config_login = config_login.empty() ? u.login : std::move(config_login);
    m.user_index[u.id] = m.users.size();
    m.users.push_back(std::move(u));
    return m.users.back().id;
  }

  // An author for an activity in repo r. Comments may come from bots and deleted accounts.
  std::int64_t Author(std::size_t r, bool comment, bool allow_ghost) {
    const auto& spec = m.spec;
    if (allow_ghost && rng.Chance(spec.ghost_comment_share)) return 0;
    if (comment && !bots.empty() && rng.Chance(spec.bot_share)) return rng.Pick(bots);
    double share = m.repos[r].writer_share >= 0 ? m.repos[r].writer_share : spec.writer_share;
    if (!repo_writers[r].empty() && rng.Chance(share)) return rng.Pick(repo_writers[r]);
    return rng.Pick(repo_others[r]);
  }

  // With a coarse time_quantum many items share a timestamp, as bursts do on GitHub: a
  // harvester's watermarks must not lose or double-count items that tie.
  WorldTime TimeIn(WorldTime lo, WorldTime hi) {
    WorldTime t = rng.Range(lo, hi);
    std::int64_t q = std::max<std::int64_t>(1, m.spec.time_quantum);
    if (q == 1) return t;
    WorldTime aligned = t - t % q;
    if (aligned < lo) aligned += q;
    return aligned <= hi ? aligned : t;  // a window shorter than the quantum: no tie possible
  }

  void Users() {
    const auto& spec = m.spec;
    for (int i = 0; i < spec.writers; ++i) {
      std::string login = i < 10 ? kWriterLogins[i] : fmt::format("Writer-{}", i + 1);
      std::string config = i < 10 ? kWriterConfig[i] : ConfigSpelling(login, i);
      writers.push_back(AddUser(login, "User", true, config));
    }
    for (int i = 0; i < spec.other_users; ++i) {
      std::string login = (i % 3 == 0)   ? fmt::format("Dev{}", i)
                          : (i % 3 == 1) ? fmt::format("contrib-{}", i)
                                         : fmt::format("user{}x", i);
      others.push_back(AddUser(login, "User", false));
    }
    for (int i = 0; i < spec.bots; ++i) {
      // Both halves of the bot rule: type Bot, and a login ending in [bot].
      if (i == 0)
        bots.push_back(AddUser("dependabot[bot]", "Bot", false));
      else if (i == 1)
        bots.push_back(AddUser("github-actions[bot]", "Bot", false));
      else if (i == 2)
        bots.push_back(AddUser("ci-helper", "Bot", false));
      else if (i == 3)
        bots.push_back(AddUser("legacy-ci[bot]", "User", false));
      else
        bots.push_back(AddUser(fmt::format("bot-{}[bot]", i), "Bot", false));
    }
    if (others.empty()) others.push_back(AddUser("someone", "User", false));
  }

  void Repos() {
    const auto& spec = m.spec;
    std::vector<std::int64_t> orgs;
    for (const char* o : kOrgs) orgs.push_back(AddUser(o, "Organization", false));
    std::set<std::string> used;
    for (int i = 0; i < spec.projects; ++i) {
      WorldRepo repo;
      repo.id = NewId() + 100000;
      std::int64_t owner;
      if (i % 4 == 3 && !writers.empty()) {
        owner = writers[static_cast<std::size_t>(i / 4) % writers.size()];
      } else {
        owner = orgs[static_cast<std::size_t>(i) % orgs.size()];
      }
      repo.owner = m.User(owner)->login;
      repo.name = i < 12 ? kRepoNames[i] : fmt::format("proj_{}.x-{}", i, i % 7);
      repo.default_branch = (i % 5 == 4) ? "master" : "main";
      repo.created = m.now - spec.history_days * kDay - rng.Range(kDay, 30 * kDay);
      m.repos.push_back(std::move(repo));

      std::vector<std::int64_t> ws;
      for (std::size_t w = 0; w < writers.size(); ++w) {
        bool owner_here = writers[w] == owner;
        // Each writer is in ~40% of projects and in at least two.
        bool forced =
            static_cast<int>((w * 3 + 1) % static_cast<std::size_t>(spec.projects)) == i ||
            static_cast<int>((w * 3 + 2) % static_cast<std::size_t>(spec.projects)) == i;
        if (owner_here || forced || rng.Chance(0.4)) ws.push_back(writers[w]);
      }
      repo_writers.push_back(ws);
      std::vector<std::int64_t> os;
      for (auto o : others)
        if (rng.Chance(0.4)) os.push_back(o);
      if (os.empty()) os.push_back(rng.Pick(others));
      repo_others.push_back(os);
    }
    if (spec.large_repo_items > 0) LargeRepo(orgs.front());
  }

  // Made after the others and filled last, drawing nothing from the generator before the
  // others are filled (its id is fixed, below every generated repository id), so the rest of
  // the world is exactly as it is without it: a bench can measure what it adds. Everyone who
  // is not watched works there.
  void LargeRepo(std::int64_t owner) {
    const auto& spec = m.spec;
    WorldRepo repo;
    repo.id = 100000;
    repo.owner = m.User(owner)->login;
    repo.name = "monorepo";
    repo.created = m.now - spec.history_days * kDay - 40 * kDay;
    repo.writer_share = spec.large_repo_writer_share;
    m.repos.push_back(std::move(repo));
    std::vector<std::int64_t> ws(
        writers.begin(),
        writers.begin() + std::min<std::ptrdiff_t>(std::max(spec.large_repo_writers, 0),
                                                   static_cast<std::ptrdiff_t>(writers.size())));
    repo_writers.push_back(ws);
    repo_others.push_back(others);
  }

  void Fill() {
    const auto& spec = m.spec;
    const std::size_t ordinary = static_cast<std::size_t>(spec.projects);
    std::vector<double> weights;
    double sum = 0;
    for (std::size_t r = 0; r < ordinary; ++r) {
      weights.push_back(0.5 + rng.Unit());
      sum += weights.back();
    }
    std::int64_t left = spec.items;
    for (std::size_t r = 0; r < ordinary; ++r) {
      std::int64_t n =
          r + 1 == ordinary ? left : static_cast<std::int64_t>(spec.items * weights[r] / sum);
      n = std::max<std::int64_t>(n, 10);
      left -= n;
      FillRepo(r, n, m.now - spec.history_days * kDay, m.now - 60);
    }
    if (m.repos.size() > ordinary) {
      FillRepo(ordinary, spec.large_repo_items, m.now - spec.history_days * kDay, m.now - 60);
    }
  }

  void FillRepo(std::size_t r, std::int64_t n, WorldTime lo, WorldTime hi) {
    // At least one issue per active writer (see below), even in tiny worlds.
    auto n_commits = n * 25 / 100,
         n_issues = std::max<std::int64_t>(
             {n * 20 / 100, static_cast<std::int64_t>(repo_writers[r].size()), 1});
    auto n_reviews = n * 8 / 100, n_review_comments = n * 12 / 100;
    auto n_comments = n - n_commits - n_issues - n_reviews - n_review_comments;

    // Items in time order, so numbers and ids rise with time as on GitHub.
    std::vector<WorldTime> times;
    for (std::int64_t i = 0; i < n_issues; ++i) times.push_back(TimeIn(lo, hi));
    std::sort(times.begin(), times.end());
    std::size_t forced = 0;
    for (auto t : times) {
      // The first issues belong to the repo's writers, so search finds every project.
      std::int64_t who =
          forced < repo_writers[r].size() ? repo_writers[r][forced++] : Author(r, false, false);
      NewIssue(r, who, t, hi);
    }
    std::vector<WorldTime> ctimes;
    for (std::int64_t i = 0; i < n_commits; ++i) ctimes.push_back(TimeIn(lo, hi));
    std::sort(ctimes.begin(), ctimes.end());
    for (auto t : ctimes) NewCommit(r, t);

    // Comments and reviews: each on an issue that exists at its time.
    struct Pending {
      WorldTime t;
      int kind;  // 0 comment, 1 review comment, 2 review
    };
    std::vector<Pending> acts;
    for (std::int64_t i = 0; i < n_comments; ++i) acts.push_back({0, 0});
    for (std::int64_t i = 0; i < n_review_comments; ++i) acts.push_back({0, 1});
    for (std::int64_t i = 0; i < n_reviews; ++i) acts.push_back({0, 2});
    for (auto& a : acts) a.t = TimeIn(lo, hi);
    std::sort(acts.begin(), acts.end(),
              [](const Pending& a, const Pending& b) { return a.t < b.t; });
    for (const auto& a : acts) {
      if (a.kind == 0) {
        NewIssueComment(r, a.t, hi, false);
      } else if (a.kind == 1) {
        NewReviewComment(r, a.t, hi);
      } else {
        NewReview(r, a.t);
      }
    }
  }

  // The issue created at or before t (none: nullptr), biased to recent ones.
  WorldIssue* IssueBefore(std::size_t r, WorldTime t, bool pulls_only) {
    auto& issues = m.repos[r].issues;
    auto end = std::upper_bound(issues.begin(), issues.end(), t,
                                [](WorldTime v, const WorldIssue& i) { return v < i.created; });
    std::int64_t count = end - issues.begin();
    if (count == 0) return nullptr;
    for (int attempt = 0; attempt < 8; ++attempt) {
      std::int64_t idx = rng.Chance(0.5)
                             ? rng.Range(std::max<std::int64_t>(0, count - 40), count - 1)
                             : rng.Range(0, count - 1);
      auto& issue = issues[static_cast<std::size_t>(idx)];
      if (issue.deleted) continue;
      if (!pulls_only || issue.is_pull) return &issue;
    }
    return nullptr;
  }

  void Touch(WorldIssue& issue, WorldTime t) { issue.updated = std::max(issue.updated, t); }

  WorldIssue& NewIssue(std::size_t r, std::int64_t who, WorldTime t, WorldTime hi) {
    auto& repo = m.repos[r];
    const auto& spec = m.spec;
    WorldIssue issue;
    issue.id = NewId();
    issue.number = static_cast<std::int64_t>(repo.issues.size()) + 1;
    issue.user = who;
    const WorldUser* u = m.User(who);
    issue.is_pull = (u && u->IsBot()) || rng.Chance(spec.pr_share);
    if (issue.is_pull) issue.pr_id = NewId() + 500000000;
    issue.title =
        fmt::format("{} #{} in {}", issue.is_pull ? "Change" : "Problem", issue.number, repo.name);
    issue.created = issue.updated = t;
    if (t < hi) {
      if (issue.is_pull && rng.Chance(spec.merged_share)) {
        issue.merged = TimeIn(t, hi);
        issue.closed = issue.merged;
      } else if (rng.Chance(0.5)) {
        issue.closed = TimeIn(t, hi);
      }
      if (issue.closed) issue.updated = *issue.closed;
      if (rng.Chance(0.1)) issue.updated = std::max(issue.updated, TimeIn(t, hi));
    }
    issue.reactions = RandomReactions(rng, spec.reacted_share);
    repo.issues.push_back(std::move(issue));
    return repo.issues.back();
  }

  void NewCommit(std::size_t r, WorldTime t) {
    auto& repo = m.repos[r];
    WorldCommit c;
    c.sha = Sha(rng);
    c.date = t;
    if (!rng.Chance(m.spec.null_author_commit_share)) c.author = Author(r, false, false);
    const WorldUser* u = m.User(c.author);
    std::int64_t stranger = rng.Range(1, 50);
    c.author_name = u ? u->login : fmt::format("Unlinked Person {}", stranger);
    c.author_email =
        u ? Lower(u->login) + "@users.example" : fmt::format("unlinked-{}@mail.example", stranger);
    repo.pushed = std::max(repo.pushed, t);
    repo.commits.push_back(std::move(c));
  }

  void NewIssueComment(std::size_t r, WorldTime t, WorldTime hi, bool fresh) {
    WorldIssue* issue = IssueBefore(r, t, false);
    if (!issue) return;
    WorldComment c;
    c.id = NewId();
    c.number = issue->number;
    c.user = Author(r, true, true);
    c.created = c.updated = t;
    if (!fresh && t < hi && rng.Chance(0.15)) c.updated = TimeIn(t, hi);
    c.reactions = RandomReactions(rng, m.spec.reacted_share);
    issue->comments++;
    Touch(*issue, c.updated);
    m.repos[r].issue_comments.push_back(c);
  }

  // A review comment belongs to a review by its author: reuse one, or submit a COMMENTED one.
  void NewReviewComment(std::size_t r, WorldTime t, WorldTime hi) {
    WorldIssue* pr = IssueBefore(r, t, true);
    if (!pr) return;
    auto& repo = m.repos[r];
    WorldComment c;
    c.id = NewId();
    c.number = pr->number;
    c.user = Author(r, true, true);
    c.created = c.updated = t;
    if (t < hi && rng.Chance(0.1)) c.updated = TimeIn(t, hi);
    c.reactions = RandomReactions(rng, m.spec.reacted_share);
    if (c.user != 0) {
      for (const auto& rv : repo.reviews) {
        if (rv.number == c.number && rv.user == c.user && rv.state != "PENDING") {
          c.review_id = rv.id;
          break;
        }
      }
      if (c.review_id == 0) {
        WorldReview rv;
        rv.id = NewId();
        rv.number = c.number;
        rv.user = c.user;
        rv.state = "COMMENTED";
        rv.submitted = t;
        c.review_id = rv.id;
        repo.reviews.push_back(rv);
      }
    } else {
      c.review_id = NewId();  // the deleted account's review is gone too
    }
    Touch(*pr, c.updated);
    repo.review_comments.push_back(c);
  }

  void NewReview(std::size_t r, WorldTime t) {
    WorldIssue* pr = IssueBefore(r, t, true);
    if (!pr) return;
    WorldReview rv;
    rv.id = NewId();
    rv.number = pr->number;
    rv.user = Author(r, false, false);
    if (rv.user == pr->user) rv.user = rng.Pick(repo_others[r]);
    if (rng.Chance(m.spec.pending_review_share)) {
      rv.state = "PENDING";
    } else {
      static const std::vector<std::string> kStates = {"APPROVED", "APPROVED", "CHANGES_REQUESTED",
                                                       "COMMENTED", "DISMISSED"};
      rv.state = rng.Pick(kStates);
      rv.submitted = t;
      Touch(*pr, t);
    }
    m.repos[r].reviews.push_back(rv);
  }

  // Participants of a repository, rebuilt from its history (for Advance).
  void Rebuild() {
    for (const auto& u : m.users) {
      if (u.type == "Organization") continue;
      if (u.writer) {
        writers.push_back(u.id);
      } else if (u.IsBot()) {
        bots.push_back(u.id);
      } else {
        others.push_back(u.id);
      }
    }
    for (const auto& repo : m.repos) {
      std::set<std::int64_t> ws, os;
      for (const auto& i : repo.issues) {
        const WorldUser* u = m.User(i.user);
        if (!u || u->IsBot()) continue;
        (u->writer ? ws : os).insert(u->id);
      }
      repo_writers.emplace_back(ws.begin(), ws.end());
      if (os.empty()) os.insert(others.front());
      repo_others.emplace_back(os.begin(), os.end());
    }
  }
};

}  // namespace

bool WorldUser::IsBot() const {
  return type == "Bot" || (login.size() >= 5 && Lower(login.substr(login.size() - 5)) == "[bot]");
}

const WorldUser* WorldModel::User(std::int64_t id) const {
  auto it = user_index.find(id);
  return it == user_index.end() ? nullptr : &users[it->second];
}

const WorldUser* WorldModel::UserByLogin(const std::string& login) const {
  for (const auto& u : users)
    if (EqualsNoCase(u.login, login)) return &u;
  return nullptr;
}

const WorldRepo* WorldModel::Repo(const std::string& full_name, bool* renamed) const {
  if (renamed) *renamed = false;
  for (const auto& r : repos)
    if (EqualsNoCase(r.full_name(), full_name)) return &r;
  for (const auto& r : repos) {
    for (const auto& old : r.old_names) {
      if (EqualsNoCase(old, full_name)) {
        if (renamed) *renamed = true;
        return &r;
      }
    }
  }
  return nullptr;
}

const WorldRepo* WorldModel::RepoById(std::int64_t id) const {
  for (const auto& r : repos)
    if (r.id == id) return &r;
  return nullptr;
}

std::string WorldTimeIso(WorldTime t) {
  return FormatIso8601(std::chrono::system_clock::time_point(std::chrono::seconds(t)));
}

std::string WorldTimeHttpDate(WorldTime t) {
  return date::format("%a, %d %b %Y %H:%M:%S GMT", date::sys_seconds{std::chrono::seconds(t)});
}

bool ParseWorldTime(const std::string& iso, WorldTime* out) {
  Clock::TimePoint tp;
  if (!ParseIso8601(iso, &tp)) return false;
  *out = std::chrono::duration_cast<std::chrono::seconds>(tp.time_since_epoch()).count();
  return true;
}

World::World(const WorldSpec& spec) {
  if (spec.writers < 1 || spec.projects < 1 || spec.items < 1) {
    throw std::invalid_argument("WorldSpec: writers, projects and items must be positive");
  }
  model_.spec = spec;
  model_.now = spec.now;
  model_.rng_state = spec.seed * 0x2545F4914F6CDD1DULL + 1;
  model_.next_id = 1000;
  Generator g(model_);
  g.Users();
  g.Repos();
  g.Fill();
}

World::World(WorldModel model) : model_(std::move(model)) {
  if (model_.now == 0) model_.now = model_.spec.now;
  for (std::size_t i = 0; i < model_.users.size(); ++i) model_.user_index[model_.users[i].id] = i;
}

WorldTime World::Now() const {
  std::shared_lock lock(mu_);
  return model_.now;
}

void World::SetNow(WorldTime t) {
  std::unique_lock lock(mu_);
  model_.now = std::max(model_.now, t);
}

namespace {
// AdvanceSpec::delete_account: what GitHub keeps of a deleted account is its items, authored
// by nobody it can name; the user itself leaves the model.
void DeleteAccount(WorldModel& m, const std::string& login, AdvanceResult* result) {
  const WorldUser* u = m.UserByLogin(login);
  if (!u) throw std::invalid_argument("Advance: no user " + login);
  const std::int64_t id = u->id;
  result->account_deleted = u->login;
  for (auto& repo : m.repos) {
    for (auto& c : repo.commits)
      if (c.author == id) c.author = 0;
    for (auto& i : repo.issues)
      if (i.user == id) i.user = 0;
    for (auto* list : {&repo.issue_comments, &repo.review_comments})
      for (auto& c : *list)
        if (c.user == id) c.user = 0;
    for (auto& r : repo.reviews)
      if (r.user == id) r.user = 0;
  }
  m.users.erase(m.users.begin() + static_cast<std::ptrdiff_t>(m.user_index.at(id)));
  m.user_index.clear();
  for (std::size_t i = 0; i < m.users.size(); ++i) m.user_index[m.users[i].id] = i;
}
}  // namespace

AdvanceResult World::Advance(const AdvanceSpec& spec) {
  std::unique_lock lock(mu_);
  AdvanceResult result;
  auto& m = model_;
  if (spec.delete_account) DeleteAccount(m, *spec.delete_account, &result);
  Generator g(m);
  g.Rebuild();
  Rng& rng = g.rng;
  WorldTime t0 = m.now, t1 = m.now + std::max<std::int64_t>(spec.seconds, 1);
  m.now = t1;
  m.advances++;

  auto find = [&](const std::optional<std::string>& name) -> std::optional<std::size_t> {
    if (!name) return std::nullopt;
    for (std::size_t i = 0; i < m.repos.size(); ++i)
      if (!m.repos[i].deleted && EqualsNoCase(m.repos[i].full_name(), *name)) return i;
    throw std::invalid_argument("Advance: no live repository " + *name);
  };
  std::vector<std::size_t> live;
  for (std::size_t i = 0; i < m.repos.size(); ++i)
    if (!m.repos[i].deleted) live.push_back(i);

  // Decided first: a deleted repository gets nothing new in this step, so what a harvester
  // saw before the deletion is exactly what the truth keeps.
  std::optional<std::size_t> del;
  if (spec.delete_repo && live.size() > 1) {
    del = find(spec.delete_target);
    if (!del) del = live[live.size() - 1 - static_cast<std::size_t>(m.advances) % live.size()];
    live.erase(std::remove(live.begin(), live.end(), *del), live.end());
  }
  std::optional<std::size_t> ren;
  if (spec.rename_repo && !live.empty()) {
    ren = find(spec.rename_target);
    if (!ren) ren = live[static_cast<std::size_t>(m.advances) % live.size()];
  }

  if (!live.empty()) {
    std::vector<std::pair<WorldTime, int>> acts;
    for (int i = 0; i < spec.new_items; ++i)
      acts.push_back({g.TimeIn(t0 + 1, t1), static_cast<int>(rng.Range(0, 99))});
    std::sort(acts.begin(), acts.end());
    for (const auto& [t, kind] : acts) {
      std::size_t r = rng.Pick(live);
      std::size_t before = m.repos[r].issues.size() + m.repos[r].commits.size() +
                           m.repos[r].issue_comments.size() + m.repos[r].review_comments.size() +
                           m.repos[r].reviews.size();
      if (kind < 20) {
        g.NewCommit(r, t);
      } else if (kind < 40) {
        g.NewIssue(r, g.Author(r, false, false), t, t);
      } else if (kind < 75) {
        g.NewIssueComment(r, t, t, true);
      } else if (kind < 90) {
        g.NewReviewComment(r, t, t);
      } else {
        g.NewReview(r, t);
      }
      std::size_t after = m.repos[r].issues.size() + m.repos[r].commits.size() +
                          m.repos[r].issue_comments.size() + m.repos[r].review_comments.size() +
                          m.repos[r].reviews.size();
      result.items_added += static_cast<int>(after - before);
    }

    for (int i = 0; i < spec.edits; ++i) {
      auto& repo = m.repos[rng.Pick(live)];
      WorldTime t = g.TimeIn(t0 + 1, t1);
      int what = static_cast<int>(rng.Range(0, 2));
      if (what == 0 && !repo.issues.empty()) {
        auto& is = repo.issues[static_cast<std::size_t>(
            rng.Range(0, static_cast<std::int64_t>(repo.issues.size()) - 1))];
        if (is.deleted) continue;
        is.updated = std::max(is.updated, t);
      } else if (what == 1 && !repo.issue_comments.empty()) {
        auto& c = repo.issue_comments[static_cast<std::size_t>(
            rng.Range(0, static_cast<std::int64_t>(repo.issue_comments.size()) - 1))];
        if (c.deleted) continue;
        c.updated = std::max(c.updated, t);
      } else if (!repo.review_comments.empty()) {
        auto& c = repo.review_comments[static_cast<std::size_t>(
            rng.Range(0, static_cast<std::int64_t>(repo.review_comments.size()) - 1))];
        if (c.deleted) continue;
        c.updated = std::max(c.updated, t);
      } else {
        continue;
      }
      result.edits++;
    }

    WorldTime recent = t1 - static_cast<std::int64_t>(spec.recent_days) * kDay;
    // Recent items and comments of a repository: their rollups and updated_at.
    auto recent_of = [&](WorldRepo& repo, std::vector<Reactions*>* cands,
                         std::vector<WorldTime*>* updated) {
      for (auto it = repo.issues.rbegin(); it != repo.issues.rend() && it->created >= recent;
           ++it) {
        if (it->deleted) continue;
        cands->push_back(&it->reactions);
        updated->push_back(&it->updated);
      }
      for (auto* list : {&repo.issue_comments, &repo.review_comments}) {
        for (auto it = list->rbegin(); it != list->rend() && it->created >= recent; ++it) {
          if (it->deleted) continue;
          cands->push_back(&it->reactions);
          updated->push_back(&it->updated);
        }
      }
    };
    for (int i = 0; i < spec.new_reactions; ++i) {
      std::vector<Reactions*> cands;
      std::vector<WorldTime*> updated;
      recent_of(m.repos[rng.Pick(live)], &cands, &updated);
      if (cands.empty()) continue;
      auto k = static_cast<std::size_t>(rng.Range(0, static_cast<std::int64_t>(cands.size()) - 1));
      cands[k]->n[static_cast<std::size_t>(rng.Range(0, 7))]++;
      if (spec.reactions_bump_updated) *updated[k] = std::max(*updated[k], t1);
      result.reactions_added++;
    }
    // Someone takes a reaction back: the rollup shrinks, updated_at stays.
    for (int i = 0; i < spec.removed_reactions; ++i) {
      std::vector<Reactions*> all, cands;
      std::vector<WorldTime*> updated;
      recent_of(m.repos[rng.Pick(live)], &all, &updated);
      for (auto* r : all)
        if (r->total() > 0) cands.push_back(r);
      if (cands.empty()) continue;
      auto* r = cands[static_cast<std::size_t>(
          rng.Range(0, static_cast<std::int64_t>(cands.size()) - 1))];
      std::vector<std::size_t> kinds;
      for (std::size_t k = 0; k < r->n.size(); ++k)
        if (r->n[k] > 0) kinds.push_back(k);
      r->n[rng.Pick(kinds)]--;
      result.reactions_removed++;
    }

    for (int i = 0; i < spec.merges; ++i) {
      auto& repo = m.repos[rng.Pick(live)];
      for (auto it = repo.issues.rbegin(); it != repo.issues.rend(); ++it) {
        if (it->is_pull && !it->closed && it->created <= t1) {
          WorldTime t = g.TimeIn(std::max(t0 + 1, it->created), t1);
          it->merged = it->closed = t;
          it->updated = std::max(it->updated, t);
          result.merges++;
          break;
        }
      }
    }

    // Commits pushed late: a branch merged with a merge commit, or work pushed days after it
    // was made, keeps its commits' own dates, older than anything a `since` read has seen.
    for (int i = 0; i < spec.late_commits; ++i) {
      std::size_t r = rng.Pick(live);
      WorldTime pushed = g.TimeIn(t0 + 1, t1);
      WorldTime made = std::max(m.repos[r].created + 1, pushed - rng.Range(2 * kDay, 20 * kDay));
      g.NewCommit(r, made);
      m.repos[r].pushed = std::max(m.repos[r].pushed, pushed);
      result.late_commits++;
    }

    // Reactions on items of any age: GitHub leaves updated_at alone, so nothing but the
    // rollup in the page that lists the item changes.
    auto any_of = [&](WorldRepo& repo, bool reacted_only) -> Reactions* {
      std::vector<Reactions*> cands;
      for (auto& i : repo.issues)
        if (!i.deleted && (!reacted_only || i.reactions.total() > 0)) cands.push_back(&i.reactions);
      for (auto* list : {&repo.issue_comments, &repo.review_comments})
        for (auto& c : *list)
          if (!c.deleted && (!reacted_only || c.reactions.total() > 0))
            cands.push_back(&c.reactions);
      if (cands.empty()) return nullptr;
      return cands[static_cast<std::size_t>(
          rng.Range(0, static_cast<std::int64_t>(cands.size()) - 1))];
    };
    for (int i = 0; i < spec.old_reactions; ++i) {
      Reactions* r = any_of(m.repos[rng.Pick(live)], false);
      if (!r) continue;
      r->n[static_cast<std::size_t>(rng.Range(0, 7))]++;
      result.reactions_added++;
    }
    for (int i = 0; i < spec.old_removed_reactions; ++i) {
      Reactions* r = any_of(m.repos[rng.Pick(live)], true);
      if (!r) continue;
      std::vector<std::size_t> kinds;
      for (std::size_t k = 0; k < r->n.size(); ++k)
        if (r->n[k] > 0) kinds.push_back(k);
      r->n[rng.Pick(kinds)]--;
      result.reactions_removed++;
    }

    // Deletions. Only plain issues can be deleted on GitHub (pull requests cannot); an
    // issue's comments go with it, and a deleted comment lowers its issue's `comments`.
    for (int i = 0; i < spec.deleted_issues; ++i) {
      auto& repo = m.repos[rng.Pick(live)];
      std::vector<WorldIssue*> cands;
      for (auto& is : repo.issues)
        if (!is.deleted && !is.is_pull) cands.push_back(&is);
      if (cands.empty()) continue;
      WorldIssue* is = cands[static_cast<std::size_t>(
          rng.Range(0, static_cast<std::int64_t>(cands.size()) - 1))];
      is->deleted = true;
      for (auto& c : repo.issue_comments)
        if (c.number == is->number) c.deleted = true;
      is->comments = 0;
      result.issues_deleted++;
    }
    auto delete_comment = [&](bool review) -> bool {
      auto& repo = m.repos[rng.Pick(live)];
      auto& list = review ? repo.review_comments : repo.issue_comments;
      std::vector<WorldComment*> cands;
      for (auto& c : list)
        if (!c.deleted) cands.push_back(&c);
      if (cands.empty()) return false;
      WorldComment* c = cands[static_cast<std::size_t>(
          rng.Range(0, static_cast<std::int64_t>(cands.size()) - 1))];
      c->deleted = true;
      if (!review) repo.issues[static_cast<std::size_t>(c->number - 1)].comments--;
      return true;
    };
    for (int i = 0; i < spec.deleted_comments; ++i)
      result.comments_deleted += delete_comment(false);
    for (int i = 0; i < spec.deleted_review_comments; ++i)
      result.review_comments_deleted += delete_comment(true);
  }

  if (ren) {
    auto& repo = m.repos[*ren];
    result.renamed_from = repo.full_name();
    repo.old_names.push_back(repo.full_name());
    repo.renamed_at.push_back(t1);
    repo.name = fmt::format("{}.renamed-{}", repo.name, m.advances);
    result.renamed_to = repo.full_name();
  }
  if (del) {
    m.repos[*del].deleted = true;
    result.deleted = m.repos[*del].full_name();
  }
  return result;
}

std::vector<CountsRow> World::TruthCounts(const std::vector<std::string>& logins,
                                          const TruthOptions& options) const {
  std::shared_lock lock(mu_);
  const auto& m = model_;
  // Watched GitHub users, each with the projects it is restricted to (empty set: all).
  struct Watch {
    const WorldUser* user;
    std::optional<std::set<std::int64_t>> repos;
  };
  std::map<std::int64_t, Watch> watched;
  for (const auto& login : logins) {
    const WorldUser* u = m.UserByLogin(login);
    if (!u || u->type == "Organization") continue;
    Watch w{u, std::nullopt};
    if (options.repos_per_writer) {
      w.repos.emplace();
      for (const auto& [cfg_login, names] : *options.repos_per_writer) {
        if (!EqualsNoCase(cfg_login, login)) continue;
        for (const auto& name : names)
          if (const WorldRepo* r = m.Repo(name)) w.repos->insert(r->id);
      }
    }
    auto [it, inserted] = watched.emplace(u->id, w);
    if (!inserted && it->second.repos && w.repos) {
      it->second.repos->insert(w.repos->begin(), w.repos->end());
    } else if (!inserted && !w.repos) {
      it->second.repos.reset();
    }
  }
  auto is_bot = [&](std::int64_t id) {
    const WorldUser* u = m.User(id);
    return u && u->IsBot();
  };

  std::vector<CountsRow> rows;
  for (const auto& repo : m.repos) {
    if (repo.deleted && !options.include_deleted) continue;
    std::map<std::int64_t, CountsRow> per;
    auto row = [&](std::int64_t uid) -> CountsRow* {
      auto it = watched.find(uid);
      if (uid == 0 || it == watched.end()) return nullptr;
      if (it->second.repos && !it->second.repos->count(repo.id)) return nullptr;
      return &per[uid];
    };
    std::map<std::int64_t, std::int64_t> author_of;  // number -> issue author
    for (const auto& c : repo.commits)
      if (auto* r = row(c.author)) r->commits++;
    for (const auto& i : repo.issues) {
      author_of[i.number] = i.user;
      if (i.deleted) continue;  // gone from GitHub: gone from the counts
      auto* r = row(i.user);
      if (!r) continue;
      if (i.is_pull) {
        r->prs_opened++;
        if (i.merged) r->prs_merged++;
      } else {
        r->issues_opened++;
      }
      r->reactions_received += i.reactions.total();
    }
    auto comments = [&](const std::vector<WorldComment>& list, bool review) {
      for (const auto& c : list) {
        if (c.deleted) continue;
        if (auto* r = row(c.user)) {
          (review ? r->review_comments : r->issue_comments)++;
          r->reactions_received += c.reactions.total();
        }
        std::int64_t author = author_of[c.number];
        if (c.user != author && !is_bot(c.user)) {
          if (auto* r = row(author)) r->feedback_received++;
        }
      }
    };
    comments(repo.issue_comments, false);
    comments(repo.review_comments, true);
    for (const auto& rv : repo.reviews)
      if (rv.state != "PENDING")
        if (auto* r = row(rv.user)) r->reviews++;
    for (auto& [uid, r] : per) {
      r.writer = m.User(uid)->login;
      r.project = repo.full_name();
      rows.push_back(r);
    }
  }
  std::sort(rows.begin(), rows.end(), [](const CountsRow& a, const CountsRow& b) {
    auto ka = std::make_pair(Lower(a.writer), Lower(a.project));
    auto kb = std::make_pair(Lower(b.writer), Lower(b.project));
    return ka < kb;
  });
  return rows;
}

std::vector<std::string> World::WriterConfigLogins() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  for (const auto& u : model_.users)
    if (u.writer) out.push_back(u.config_login);
  return out;
}

std::map<std::string, std::vector<std::string>> World::WriterProjects() const {
  auto logins = WriterConfigLogins();
  TruthOptions opt;
  opt.include_deleted = false;
  auto rows = TruthCounts(logins, opt);
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& login : logins) {
    auto& list = out[login];
    for (const auto& r : rows)
      if (EqualsNoCase(r.writer, login)) list.push_back(r.project);
  }
  return out;
}

RequestFloor World::Floor(
    const std::optional<std::map<std::string, std::vector<std::string>>>& repos_per_writer) const {
  auto per_writer = repos_per_writer ? *repos_per_writer : WriterProjects();
  std::shared_lock lock(mu_);
  const auto& m = model_;
  auto pages = [](std::int64_t n) { return (n + 99) / 100; };
  RequestFloor f;
  std::set<std::int64_t> projects;
  for (const auto& [login, names] : per_writer) {
    const WorldUser* u = m.UserByLogin(login);
    std::set<std::int64_t> seen;
    for (const auto& name : names) {
      const WorldRepo* r = m.Repo(name);
      if (!r || r->deleted || !seen.insert(r->id).second) continue;
      projects.insert(r->id);
      if (!u) continue;
      std::int64_t commits = 0, issues = 0;
      for (const auto& c : r->commits) commits += c.author == u->id;
      for (const auto& i : r->issues) issues += i.user == u->id && !i.deleted;
      f.commits += pages(commits);
      f.issues += pages(issues);
    }
  }
  for (auto id : projects) {
    const WorldRepo* r = m.RepoById(id);
    auto live = [](const std::vector<WorldComment>& list) {
      std::int64_t n = 0;
      for (const auto& c : list) n += !c.deleted;
      return n;
    };
    f.issue_comments += pages(live(r->issue_comments));
    f.review_comments += pages(live(r->review_comments));
    std::int64_t pulls = 0;
    std::map<std::int64_t, std::int64_t> reviews;
    for (const auto& i : r->issues) pulls += i.is_pull;
    for (const auto& v : r->reviews) reviews[v.number]++;
    f.pulls += pages(pulls);
    for (const auto& [number, n] : reviews) f.reviews += pages(n);
  }
  return f;
}

RequestFloor World::RepositoryFloor(
    const std::optional<std::map<std::string, std::vector<std::string>>>& repos_per_writer) const {
  auto per_writer = repos_per_writer ? *repos_per_writer : WriterProjects();
  std::shared_lock lock(mu_);
  const auto& m = model_;
  auto pages = [](std::int64_t n) { return (n + 99) / 100; };
  std::set<std::int64_t> projects;
  for (const auto& [login, names] : per_writer)
    for (const auto& name : names)
      if (const WorldRepo* r = m.Repo(name); r && !r->deleted) projects.insert(r->id);
  RequestFloor f;
  for (auto id : projects) {
    const WorldRepo* r = m.RepoById(id);
    std::int64_t issues = 0, pulls = 0, ic = 0, rc = 0;
    for (const auto& i : r->issues) {
      issues += !i.deleted;
      pulls += i.is_pull;
    }
    for (const auto& c : r->issue_comments) ic += !c.deleted;
    for (const auto& c : r->review_comments) rc += !c.deleted;
    std::map<std::int64_t, std::int64_t> reviews;
    for (const auto& v : r->reviews) reviews[v.number]++;
    // A list must be asked for once even to learn that it is empty.
    auto list = [&](std::int64_t n) { return std::max<std::int64_t>(1, pages(n)); };
    f.commits += list(static_cast<std::int64_t>(r->commits.size()));
    f.issues += list(issues);
    f.issue_comments += list(ic);
    f.review_comments += list(rc);
    f.pulls += list(pulls);
    for (const auto& [number, n] : reviews) f.reviews += pages(n);
  }
  return f;
}

std::map<std::string, std::int64_t> World::OwnItems(const std::string& full_name) const {
  std::shared_lock lock(mu_);
  const auto& m = model_;
  std::map<std::string, std::int64_t> out;
  const WorldRepo* r = m.Repo(full_name);
  if (!r) return out;
  auto add = [&](std::int64_t user) {
    const WorldUser* u = m.User(user);
    if (u && u->writer) ++out[u->login];
  };
  for (const auto& c : r->commits) add(c.author);
  for (const auto& i : r->issues)
    if (!i.deleted) add(i.user);
  for (const auto& c : r->issue_comments)
    if (!c.deleted) add(c.user);
  for (const auto& c : r->review_comments)
    if (!c.deleted) add(c.user);
  for (const auto& v : r->reviews) add(v.user);
  return out;
}

bool World::PushCommits(const std::string& full_name, const std::string& login, int n,
                        std::optional<WorldTime> dated) {
  std::unique_lock lock(mu_);
  const WorldUser* u = model_.UserByLogin(login);
  const WorldRepo* found = model_.Repo(full_name);
  if (!u || !found) return false;
  auto& repo = model_.repos[static_cast<std::size_t>(found - model_.repos.data())];
  for (int k = 0; k < n; ++k) {
    model_.now += 60;
    WorldCommit c;
    c.sha = fmt::format("{:040x}", 0xc0ffee00000ULL + static_cast<std::uint64_t>(++model_.next_id));
    c.author = u->id;
    c.author_name = u->login;
    c.author_email = Lower(u->login) + "@users.example";
    c.date = dated.value_or(model_.now);
    repo.pushed = std::max(repo.pushed, model_.now);
    repo.commits.push_back(std::move(c));
  }
  return true;
}

std::optional<std::vector<const WorldCommit*>> WorldRepo::History(const std::string& ref) const {
  if (commits.empty() && orphans.empty()) return std::nullopt;
  std::unordered_map<std::string_view, std::size_t> on_branch, orphan_at;
  for (std::size_t k = 0; k < commits.size(); ++k) on_branch.emplace(commits[k].sha, k);
  for (std::size_t k = 0; k < orphans.size(); ++k) orphan_at.emplace(orphans[k].sha, k);
  std::vector<const WorldCommit*> out;
  std::string_view at = ref == default_branch && !commits.empty()  // case-sensitive, as git
                            ? std::string_view(commits.back().sha)
                            : std::string_view(ref);
  if (!on_branch.count(at) && !orphan_at.count(at)) return std::nullopt;
  while (!at.empty()) {
    if (auto b = on_branch.find(at); b != on_branch.end()) {
      for (std::size_t k = b->second + 1; k-- > 0;) out.push_back(&commits[k]);
      break;
    }
    auto o = orphan_at.find(at);
    if (o == orphan_at.end()) break;  // a parent GitHub no longer holds
    out.push_back(&orphans[o->second]);
    at = orphan_parent[o->second];
  }
  return out;
}

bool World::ForcePush(const std::string& full_name, std::size_t keep, const std::string& login,
                      int n) {
  {
    std::unique_lock lock(mu_);
    const WorldRepo* found = model_.Repo(full_name);
    if (!model_.UserByLogin(login) || !found || keep > found->commits.size()) return false;
    auto& repo = model_.repos[static_cast<std::size_t>(found - model_.repos.data())];
    // The commits taken off keep their parents: each its predecessor on the branch.
    for (std::size_t k = keep; k < repo.commits.size(); ++k) {
      repo.orphans.push_back(repo.commits[k]);
      repo.orphan_parent.push_back(k > 0 ? repo.commits[k - 1].sha : std::string());
    }
    repo.commits.resize(keep);
    model_.now += 60;
    repo.pushed = std::max(repo.pushed, model_.now);
  }
  return PushCommits(full_name, login, n);
}

bool World::ResetBranch(const std::string& full_name, const std::string& sha) {
  std::unique_lock lock(mu_);
  const WorldRepo* found = model_.Repo(full_name);
  if (!found) return false;
  auto& repo = model_.repos[static_cast<std::size_t>(found - model_.repos.data())];
  auto line = repo.History(sha);
  if (!line) return false;
  std::vector<WorldCommit> branch;
  for (auto it = line->rbegin(); it != line->rend(); ++it) branch.push_back(**it);
  std::set<std::string> kept;
  for (const auto& c : branch) kept.insert(c.sha);
  // What the branch held beyond the new history is taken off, each keeping its parent.
  for (std::size_t k = 0; k < repo.commits.size(); ++k) {
    if (kept.count(repo.commits[k].sha)) continue;
    repo.orphans.push_back(repo.commits[k]);
    repo.orphan_parent.push_back(k > 0 ? repo.commits[k - 1].sha : std::string());
  }
  // What is back on the branch is no orphan any more.
  for (std::size_t k = repo.orphans.size(); k-- > 0;) {
    if (!kept.count(repo.orphans[k].sha)) continue;
    repo.orphans.erase(repo.orphans.begin() + static_cast<std::ptrdiff_t>(k));
    repo.orphan_parent.erase(repo.orphan_parent.begin() + static_cast<std::ptrdiff_t>(k));
  }
  repo.commits = std::move(branch);
  model_.now += 60;
  repo.pushed = std::max(repo.pushed, model_.now);
  return true;
}

std::int64_t World::RepoItems(const std::string& full_name) const {
  std::shared_lock lock(mu_);
  const WorldRepo* r = model_.Repo(full_name);
  if (!r) return 0;
  std::int64_t n = static_cast<std::int64_t>(r->commits.size() + r->reviews.size());
  for (const auto& i : r->issues) n += !i.deleted;
  for (const auto& c : r->issue_comments) n += !c.deleted;
  for (const auto& c : r->review_comments) n += !c.deleted;
  return n;
}

std::int64_t World::ItemCount() const {
  std::shared_lock lock(mu_);
  std::int64_t n = 0;
  for (const auto& r : model_.repos)
    n += static_cast<std::int64_t>(r.commits.size() + r.issues.size() + r.issue_comments.size() +
                                   r.review_comments.size() + r.reviews.size());
  return n;
}

AdvanceSpec WeekOfActivity(std::int64_t items) {
  AdvanceSpec a;
  a.seconds = 7 * kDay;
  int one_percent = static_cast<int>(std::max<std::int64_t>(items / 100, 10));
  a.new_items = one_percent;
  a.edits = one_percent / 4;
  a.new_reactions = one_percent / 5;
  a.removed_reactions = one_percent / 20;
  a.old_reactions = one_percent / 5;
  a.old_removed_reactions = one_percent / 20;
  a.merges = one_percent / 20;
  a.late_commits = std::max(1, one_percent / 20);
  a.deleted_issues = std::max(1, one_percent / 50);
  a.deleted_comments = std::max(1, one_percent / 25);
  a.deleted_review_comments = std::max(1, one_percent / 50);
  return a;
}

std::string CountsRow::ToString() const {
  return fmt::format(
      "{} {} commits={} issues_opened={} prs_opened={} prs_merged={} issue_comments={} "
      "review_comments={} reviews={} reactions_received={} feedback_received={} blog_posts={}",
      writer, project, commits, issues_opened, prs_opened, prs_merged, issue_comments,
      review_comments, reviews, reactions_received, feedback_received, blog_posts);
}

std::string CountsToTsv(const std::vector<CountsRow>& rows) {
  std::string out =
      "writer\tproject\tcommits\tissues_opened\tprs_opened\tprs_merged\tissue_comments\t"
      "review_comments\treviews\treactions_received\tfeedback_received\tblog_posts\n";
  for (const auto& r : rows) {
    out += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", r.writer, r.project,
                       r.commits, r.issues_opened, r.prs_opened, r.prs_merged, r.issue_comments,
                       r.review_comments, r.reviews, r.reactions_received, r.feedback_received,
                       r.blog_posts);
  }
  return out;
}

std::string CountsToJson(const std::vector<CountsRow>& rows) {
  // Logins and repository names never need escaping beyond these characters.
  std::string out = "[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    out += fmt::format(
        "{}\n  {{\"writer\":\"{}\",\"project\":\"{}\",\"commits\":{},\"issues_opened\":{},"
        "\"prs_opened\":{},\"prs_merged\":{},\"issue_comments\":{},\"review_comments\":{},"
        "\"reviews\":{},\"reactions_received\":{},\"feedback_received\":{},\"blog_posts\":{}}}",
        i ? "," : "", r.writer, r.project, r.commits, r.issues_opened, r.prs_opened, r.prs_merged,
        r.issue_comments, r.review_comments, r.reviews, r.reactions_received, r.feedback_received,
        r.blog_posts);
  }
  out += "\n]\n";
  return out;
}

}  // namespace ghharvest::testing
