// A synthetic GitHub: a deterministic, seeded world of users, repositories, commits, issues,
// pull requests, comments, reviews and reactions, with a clock the test controls. The world
// computes its own ground-truth `writer_project_counts` straight from this model, independently
// of the harvester and of SQL, so a harvest can be checked row by row.
//
// Thread-safety: every public method may be called from any thread; readers (the HTTP
// handler, TruthCounts) share a lock, Advance takes it exclusively.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

namespace ghharvest::testing {

// All times are UTC epoch seconds (the world clock); formatted as "2026-01-31T12:00:00Z".
using WorldTime = std::int64_t;

struct WorldSpec {
  std::uint64_t seed = 1;
  int writers = 6;       // watched writers (names with mixed case, see WorldUser)
  int projects = 10;     // repositories
  int items = 20000;     // commits + issues + PRs + comments + review comments + reviews
  int other_users = 40;  // people who are not watched
  int bots = 3;          // type "Bot", logins ending "[bot]" (one with type Bot only)
  double null_author_commit_share = 0.05;  // commits with no GitHub account
  double ghost_comment_share = 0.01;       // comments by a deleted account (user null)
  double writer_share = 0.35;              // share of activity by watched writers
  double bot_share = 0.08;                 // share of comments by bots
  double pr_share = 0.45;                  // of the issues list, pull requests
  double merged_share = 0.6;               // of pull requests, merged
  double pending_review_share = 0.08;      // reviews left PENDING (never counted)
  double reacted_share = 0.3;              // items and comments with any reaction
  int history_days = 400;                  // activity spread over this many days before now
  std::int64_t time_quantum = 1;           // timestamps are multiples of this (ties when > 1)
  WorldTime now = 1767225600;              // 2026-01-01T00:00:00Z: the world clock
  // One more repository, after the `projects` others (which stay as without it): a large one
  // where a few watched writers have a small share, as in a big project a writer contributes
  // to now and then. 0: none. Its items are on top of `items`.
  int large_repo_items = 0;
  int large_repo_writers = 3;             // the first this many watched writers are active there
  double large_repo_writer_share = 0.01;  // share of its activity by them
};

// The 8 kinds, in GitHub's rollup order.
inline constexpr std::array<const char*, 8> kReactionKinds = {
    "+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"};

struct Reactions {
  std::array<std::int64_t, 8> n{};
  std::int64_t total() const {
    std::int64_t t = 0;
    for (auto v : n) t += v;
    return t;
  }
};

struct WorldUser {
  std::int64_t id = 0;
  std::string login;          // as GitHub spells it
  std::string config_login;   // for writers: the spelling the config uses (case differs)
  std::string type = "User";  // "User", "Bot", "Organization"
  bool writer = false;
  bool IsBot() const;
};

struct WorldCommit {
  std::string sha;
  std::int64_t author = 0;  // user id; 0: no GitHub account (author null)
  std::string author_name, author_email;
  WorldTime date = 0;  // authored = committed
};

// An issue or a pull request: one number sequence per repository.
struct WorldIssue {
  std::int64_t id = 0;     // the issue id
  std::int64_t pr_id = 0;  // the pull-request id (pulls endpoints), pull requests only
  std::int64_t number = 0;
  std::int64_t user = 0;  // user id; 0: deleted account
  bool is_pull = false;
  std::string title;
  WorldTime created = 0, updated = 0;
  std::optional<WorldTime> closed, merged;
  int comments = 0;  // issue comments on it (live ones)
  Reactions reactions;
  // Deleted by its owner or a maintainer (plain issues only, as on GitHub): it and its
  // comments vanish from every list and its URL answers 404. Kept in the model so a test can
  // see what a harvester must have tombstoned.
  bool deleted = false;
};

struct WorldComment {
  std::int64_t id = 0;
  std::int64_t number = 0;     // issue or pull request number
  std::int64_t user = 0;       // 0: deleted account (user null)
  std::int64_t review_id = 0;  // review comments: their review
  WorldTime created = 0, updated = 0;
  Reactions reactions;
  bool deleted = false;  // gone from every list, 404 by its URL
};

struct WorldReview {
  std::int64_t id = 0;
  std::int64_t number = 0;
  std::int64_t user = 0;
  std::string state;        // APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
  WorldTime submitted = 0;  // 0 for PENDING
};

struct WorldRepo {
  std::int64_t id = 0;
  std::string owner, name;             // as GitHub spells them
  std::vector<std::string> old_names;  // full names before renames (301 to the current one)
  std::vector<WorldTime> renamed_at;   // when each old name stopped being the name
  // The full name the repository had at time t (events keep the name of their day).
  std::string name_at(WorldTime t) const {
    for (std::size_t k = 0; k < old_names.size() && k < renamed_at.size(); ++k)
      if (t < renamed_at[k]) return old_names[k];
    return full_name();
  }
  bool deleted = false;  // 404 (frozen: its history stays in the truth)
  std::string default_branch = "main";
  WorldTime created = 0, pushed = 0;
  std::vector<WorldCommit> commits;  // oldest first
  // Commits a force-push took off the default branch. GitHub keeps such objects for a
  // while: a comparison from or to one of them, or a commits list from one, still works.
  // `orphan_parent[k]` is the sha of orphans[k]'s parent (a commit on the branch or another
  // orphan; "": none), so history is a tree whose trunk is `commits`.
  std::vector<WorldCommit> orphans;
  std::vector<std::string> orphan_parent;
  // The commit `ref` names (the default branch's name, or a sha on the branch or among the
  // orphans) and its ancestors, newest first; nullopt when `ref` names none.
  std::optional<std::vector<const WorldCommit*>> History(const std::string& ref) const;
  std::vector<WorldIssue> issues;                             // by number (index = number - 1)
  std::vector<WorldComment> issue_comments, review_comments;  // by id (creation order)
  std::vector<WorldReview> reviews;
  // Share of activity by watched writers here; negative: the world's (WorldSpec::writer_share).
  double writer_share = -1;
  std::string full_name() const { return owner + "/" + name; }
};

struct WorldModel {
  WorldSpec spec;
  WorldTime now = 0;
  std::vector<WorldUser> users;  // index by id via user_index
  std::map<std::int64_t, std::size_t> user_index;
  std::vector<WorldRepo> repos;
  std::int64_t next_id = 0;
  std::uint64_t rng_state = 0;
  int advances = 0;

  const WorldUser* User(std::int64_t id) const;
  const WorldUser* UserByLogin(const std::string& login) const;  // case-insensitive
  // The repository answering to `full_name` (case-insensitive), current or old name.
  // *renamed is set when it answered by an old name.
  const WorldRepo* Repo(const std::string& full_name, bool* renamed = nullptr) const;
  const WorldRepo* RepoById(std::int64_t id) const;
};

// One row of writer_project_counts (the counts contract of docs/schema.md).
struct CountsRow {
  std::string writer;   // as GitHub spells it
  std::string project;  // owner/repo, current name
  std::int64_t commits = 0, issues_opened = 0, prs_opened = 0, prs_merged = 0, issue_comments = 0,
               review_comments = 0, reviews = 0, reactions_received = 0, feedback_received = 0,
               blog_posts = 0;
  bool operator==(const CountsRow&) const = default;
  std::string ToString() const;  // "alice-dev octo-org/x commits=3 ..." for test messages
};

struct TruthOptions {
  // When set, only these projects count per writer (config login -> repos as configured,
  // old names of renamed repositories accepted). Unset: every project.
  std::optional<std::map<std::string, std::vector<std::string>>> repos_per_writer;
  bool include_deleted = true;  // a gone repository's rows are kept by the harvester
};

struct AdvanceSpec {
  std::int64_t seconds = 3600;  // the world clock moves this much
  int new_items = 500;          // new commits, issues, PRs, comments, reviews
  int edits = 100;              // updated_at bumps on existing issues and comments
  int new_reactions = 200;      // reactions added to recent items (updated_at unchanged)
  int removed_reactions = 20;   // reactions taken back from recent items (updated_at unchanged)
  // Reactions added to items and comments of ANY age (as on GitHub, updated_at unchanged):
  // only re-reading the page that holds the item can see them.
  int old_reactions = 0;
  int old_removed_reactions = 0;  // and taken back from items of any age
  int deleted_issues = 0;         // plain issues deleted (with their comments)
  int deleted_comments = 0;       // issue comments deleted
  int deleted_review_comments = 0;
  int merges = 10;  // open pull requests merged (updated_at bumped)
  // Commits pushed in this step but dated 2-20 days earlier (a branch merged late keeps its
  // commits' dates): GitHub's `commits?since=` never lists them, its compare does.
  int late_commits = 0;
  int recent_days = 30;  // "recent" for new reactions
  bool reactions_bump_updated = false;
  bool rename_repo = false;                  // rename one repository (301 from its old name)
  bool delete_repo = false;                  // delete one repository (404 from then on)
  std::optional<std::string> rename_target;  // full name; default: chosen by the seed
  std::optional<std::string> delete_target;
  // A user (any spelling of its login) deletes its account, as on GitHub: its issues, pull
  // requests, comments and reviews stay but show no author (GitHub's `ghost`), its commits
  // lose their GitHub author, and the login is unknown from then on: /users/LOGIN answers
  // 404 and issues?creator=LOGIN 422. Done first, so the step's new items are by others.
  std::optional<std::string> delete_account;
};

struct AdvanceResult {
  std::optional<std::string> renamed_from, renamed_to, deleted, account_deleted;
  int items_added = 0, edits = 0, reactions_added = 0, reactions_removed = 0, merges = 0;
  int late_commits = 0;
  int issues_deleted = 0, comments_deleted = 0, review_comments_deleted = 0;
};

// Seven days of ordinary activity on a world of `items` items: about 1 % new items a day's
// worth spread over the week, edits, reactions added to and taken back from items of any age,
// merges and a few deletions of issues and comments (none of repositories).
AdvanceSpec WeekOfActivity(std::int64_t items);

// The fewest requests a first full harvest can make (page size 100): the sum of
// ceil(items/100) over the lists that must be read. Per (writer, project): commits?author=
// and issues?creator=; per watched project: issue comments, review comments, the pulls list;
// per pull request in a watched project: its reviews (one page when it has any).
struct RequestFloor {
  std::int64_t commits = 0, issues = 0, issue_comments = 0, review_comments = 0, pulls = 0,
               reviews = 0;
  std::int64_t total() const {
    return commits + issues + issue_comments + review_comments + pulls + reviews;
  }
};

class World {
 public:
  explicit World(const WorldSpec& spec);
  // A hand-built world (tests of the truth itself).
  explicit World(WorldModel model);

  WorldTime Now() const;
  AdvanceResult Advance(const AdvanceSpec& spec = {});
  // Moves the clock only (e.g. to age items out of the events window).
  void SetNow(WorldTime t);
  // `login` pushes `n` commits to repository `full_name`'s default branch, a minute apart,
  // each dated `dated` (a branch merged late keeps its old dates) or its push time. False when
  // the repository or the user is unknown.
  bool PushCommits(const std::string& full_name, const std::string& login, int n,
                   std::optional<WorldTime> dated = std::nullopt);
  // A force-push to `full_name`'s default branch: it is reset to its first `keep` commits
  // (those after become orphans), then `login` pushes `n` new ones as PushCommits does.
  // False when the repository or the user is unknown, or `keep` is past the branch's length.
  bool ForcePush(const std::string& full_name, std::size_t keep, const std::string& login, int n);
  // A force-push of a commit GitHub still holds (on the branch or taken off it) to
  // `full_name`'s default branch: the branch becomes that commit's history; what it held
  // beyond is taken off. False when the repository or the commit is unknown.
  bool ResetBranch(const std::string& full_name, const std::string& sha);

  // The truth for the watched logins (any case); rows sorted by writer then project,
  // case-insensitively; only rows with any non-zero count.
  std::vector<CountsRow> TruthCounts(const std::vector<std::string>& writer_logins_from_config,
                                     const TruthOptions& options = {}) const;

  // The request floor for watching `repos_per_writer` (config login -> full names, old names
  // accepted); unset: every writer on every project it is active in.
  RequestFloor Floor(const std::optional<std::map<std::string, std::vector<std::string>>>&
                         repos_per_writer = std::nullopt) const;

  // The cheapest exact repository-centred REST plan for the same projects: per project the
  // pages of its whole commits, issues (pull requests included), issue-comment, review-comment
  // and pulls lists, plus one reviews page per 100 reviews of each pull request that has any
  // (`commits` holds the commits pages, `issues` the issues pages, and so on).
  RequestFloor RepositoryFloor(const std::optional<std::map<std::string, std::vector<std::string>>>&
                                   repos_per_writer = std::nullopt) const;

  // Per watched writer active in repository `full_name` (GitHub's login): the items it wrote
  // there that the lists still show (commits, issues and pull requests, issue comments,
  // review comments, reviews). What a writer-centred read of the repository has to fetch.
  std::map<std::string, std::int64_t> OwnItems(const std::string& full_name) const;
  // The items of repository `full_name` that the lists still show, whoever wrote them.
  std::int64_t RepoItems(const std::string& full_name) const;

  // Writers' logins as a config would spell them (case differs from GitHub on purpose).
  std::vector<std::string> WriterConfigLogins() const;
  // Per writer (config spelling): the current full names of projects it is active in.
  std::map<std::string, std::vector<std::string>> WriterProjects() const;
  // Total of commits, issues, PRs, comments, review comments and reviews.
  std::int64_t ItemCount() const;

  // Read access to the model under the shared lock.
  template <typename F>
  auto Read(F&& f) const {
    std::shared_lock lock(mu_);
    return f(static_cast<const WorldModel&>(model_));
  }
  // Write access under the exclusive lock (tests that hand-edit the world).
  template <typename F>
  auto Write(F&& f) {
    std::unique_lock lock(mu_);
    return f(model_);
  }

 private:
  mutable std::shared_mutex mu_;
  WorldModel model_;
};

std::string WorldTimeIso(WorldTime t);
// As HTTP writes dates (IMF-fixdate): "Thu, 01 Jan 2026 00:00:00 GMT".
std::string WorldTimeHttpDate(WorldTime t);
bool ParseWorldTime(const std::string& iso, WorldTime* out);
// Truth rows as TSV with a header line (writer, project, then the count columns).
std::string CountsToTsv(const std::vector<CountsRow>& rows);
std::string CountsToJson(const std::vector<CountsRow>& rows);

}  // namespace ghharvest::testing
