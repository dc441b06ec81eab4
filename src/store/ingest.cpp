#include "ghharvest/store/ingest.hpp"

#include <array>
#include <chrono>
#include <unordered_set>

#include <fmt/format.h>

#include "ghharvest/util/clock.hpp"

namespace ghharvest::store {
namespace {

enum Which : int {
  kUser,
  kUserIfNew,
  kRepoFreeName,
  kRepo,
  kEnsureRepo,
  kRepoOldName,
  kCommit,
  kIssue,
  kPullObject,
  kPullMerged,
  kIssueIfNew,
  kIssueFromEvent,
  kIssueComment,
  kReviewComment,
  kIssueCommentIfNew,
  kReviewCommentIfNew,
  kUserIdByLogin,
  kReview,
  kReviewIfNew,
  kGetWatermark,
  kSetWatermark,
  kSetNextPoll,
  kRateLimit,
  kWriter,
  kResolveWriter,
  kWriterGone,
  kWriterBack,
  kAddWatch,
  kResolveWatch,
  kWatchGone,
  kWatchActive,
  kListWatches,
  kError,
  kPruneErrorsByCount,
  kPruneErrorsByAge,
  kCount,
};

// Every upsert's DO UPDATE has a WHERE that is false when nothing differs, so a replayed
// page writes no row; rows whose stored updated_at is newer are left alone, since events
// and archives may arrive out of order.
constexpr const char* kSql[] = {
    // kUser: an empty type (event actors) keeps what is known.
    "INSERT INTO users(id, login, type) VALUES(?1, ?2, COALESCE(NULLIF(?3, ''),"
    " CASE WHEN lower(?2) LIKE '%[bot]' THEN 'Bot' ELSE 'User' END))"
    " ON CONFLICT(id) DO UPDATE SET login = excluded.login,"
    " type = CASE WHEN ?3 = '' THEN users.type ELSE excluded.type END,"
    " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')"
    " WHERE users.login IS NOT excluded.login OR (?3 <> '' AND users.type IS NOT excluded.type)",
    // kUserIfNew: events carry logins of their time; a later rename must not be undone.
    "INSERT INTO users(id, login, type) VALUES(?1, ?2, COALESCE(NULLIF(?3, ''),"
    " CASE WHEN lower(?2) LIKE '%[bot]' THEN 'Bot' ELSE 'User' END))"
    " ON CONFLICT(id) DO NOTHING",
    // kRepoFreeName: another id still holding the name gives it up, keeping its rows.
    "UPDATE repos SET full_name = full_name || '#' || id WHERE full_name = ?1 AND id <> ?2",
    // kRepo
    "INSERT INTO repos(id, full_name, default_branch, html_url, updated_at)"
    " VALUES(?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT(id) DO UPDATE SET full_name = excluded.full_name,"
    " default_branch = COALESCE(excluded.default_branch, repos.default_branch),"
    " html_url = COALESCE(excluded.html_url, repos.html_url),"
    " updated_at = COALESCE(excluded.updated_at, repos.updated_at)"
    " WHERE (repos.full_name COLLATE BINARY, repos.default_branch, repos.html_url,"
    " repos.updated_at) IS NOT (excluded.full_name,"
    " COALESCE(excluded.default_branch, repos.default_branch),"
    " COALESCE(excluded.html_url, repos.html_url),"
    " COALESCE(excluded.updated_at, repos.updated_at))",
    // kEnsureRepo
    "INSERT INTO repos(id, full_name) VALUES(?1, ?2) ON CONFLICT DO NOTHING",
    // kRepoOldName: unless another repository holds that name now.
    "INSERT INTO repo_old_names(name, repo_id, noticed_at)"
    " SELECT ?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
    " WHERE NOT EXISTS (SELECT 1 FROM repos WHERE full_name = ?1)"
    " ON CONFLICT(name) DO UPDATE SET repo_id = excluded.repo_id",
    // kCommit
    "INSERT INTO commits(repo_id, sha, author_id, committed_at, authored_at, html_url)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6)"
    " ON CONFLICT(repo_id, sha) DO UPDATE SET author_id = excluded.author_id,"
    " committed_at = excluded.committed_at, authored_at = excluded.authored_at,"
    " html_url = excluded.html_url"
    " WHERE (commits.author_id, commits.committed_at, commits.authored_at, commits.html_url)"
    " IS NOT (excluded.author_id, excluded.committed_at, excluded.authored_at,"
    " excluded.html_url)",
    // kIssue: by id; or by (repo, number) over a row first seen as a pull-request object.
    "INSERT INTO issues(id, repo_id, number, user_id, is_pull, state, title, html_url,"
    " created_at, updated_at, closed_at, merged_at, comments, reactions_total,"
    " reactions_plus1, reactions_minus1, reactions_laugh, reactions_hooray, reactions_confused,"
    " reactions_heart, reactions_rocket, reactions_eyes)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19, ?20, ?21, ?22)"
    " ON CONFLICT(id) DO UPDATE SET repo_id = excluded.repo_id, number = excluded.number,"
    " user_id = excluded.user_id, is_pull = excluded.is_pull, state = excluded.state,"
    " title = excluded.title, html_url = excluded.html_url, created_at = excluded.created_at,"
    " updated_at = COALESCE(excluded.updated_at, issues.updated_at),"
    " closed_at = excluded.closed_at,"
    " merged_at = COALESCE(excluded.merged_at, issues.merged_at),"
    " comments = excluded.comments, reactions_total = excluded.reactions_total,"
    " reactions_plus1 = excluded.reactions_plus1, reactions_minus1 = excluded.reactions_minus1,"
    " reactions_laugh = excluded.reactions_laugh, reactions_hooray = excluded.reactions_hooray,"
    " reactions_confused = excluded.reactions_confused,"
    " reactions_heart = excluded.reactions_heart, reactions_rocket = excluded.reactions_rocket,"
    " reactions_eyes = excluded.reactions_eyes"
    " WHERE COALESCE(excluded.updated_at, issues.updated_at, '') >= COALESCE(issues.updated_at,"
    " '') AND (issues.repo_id, issues.number, issues.user_id, issues.is_pull, issues.state,"
    " issues.title, issues.html_url, issues.created_at, issues.updated_at, issues.closed_at,"
    " issues.merged_at, issues.comments, issues.reactions_total, issues.reactions_plus1,"
    " issues.reactions_minus1, issues.reactions_laugh, issues.reactions_hooray,"
    " issues.reactions_confused, issues.reactions_heart, issues.reactions_rocket,"
    " issues.reactions_eyes) IS NOT (excluded.repo_id, excluded.number, excluded.user_id,"
    " excluded.is_pull, excluded.state, excluded.title, excluded.html_url,"
    " excluded.created_at, COALESCE(excluded.updated_at, issues.updated_at),"
    " excluded.closed_at, COALESCE(excluded.merged_at, issues.merged_at), excluded.comments,"
    " excluded.reactions_total,"
    " excluded.reactions_plus1, excluded.reactions_minus1, excluded.reactions_laugh,"
    " excluded.reactions_hooray, excluded.reactions_confused, excluded.reactions_heart,"
    " excluded.reactions_rocket, excluded.reactions_eyes)"
    " ON CONFLICT(repo_id, number) DO UPDATE SET id = excluded.id, user_id = excluded.user_id,"
    " is_pull = excluded.is_pull, state = excluded.state, title = excluded.title,"
    " html_url = excluded.html_url, created_at = excluded.created_at,"
    " updated_at = COALESCE(excluded.updated_at, issues.updated_at),"
    " closed_at = excluded.closed_at,"
    " merged_at = COALESCE(excluded.merged_at, issues.merged_at),"
    " comments = excluded.comments, reactions_total = excluded.reactions_total,"
    " reactions_plus1 = excluded.reactions_plus1, reactions_minus1 = excluded.reactions_minus1,"
    " reactions_laugh = excluded.reactions_laugh, reactions_hooray = excluded.reactions_hooray,"
    " reactions_confused = excluded.reactions_confused,"
    " reactions_heart = excluded.reactions_heart, reactions_rocket = excluded.reactions_rocket,"
    " reactions_eyes = excluded.reactions_eyes"
    " WHERE issues.id < 0 OR COALESCE(excluded.updated_at, issues.updated_at, '') >="
    " COALESCE(issues.updated_at, '')",
    // kPullObject: a pull request known only from a pull object (events). Stored under the
    // negated pull id until the issues list brings the issue id; never touches the rollup.
    "INSERT INTO issues(id, repo_id, number, user_id, is_pull, state, title, html_url,"
    " created_at, updated_at, closed_at, merged_at, archive_file, archive_event_at)"
    " VALUES(-?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    " ON CONFLICT(repo_id, number) DO UPDATE SET is_pull = 1,"
    " user_id = COALESCE(excluded.user_id, issues.user_id),"
    " state = COALESCE(excluded.state, issues.state),"
    " title = COALESCE(excluded.title, issues.title),"
    " created_at = COALESCE(issues.created_at, excluded.created_at),"
    " updated_at = COALESCE(excluded.updated_at, issues.updated_at),"
    " closed_at = excluded.closed_at,"
    " merged_at = COALESCE(excluded.merged_at, issues.merged_at)"
    " WHERE COALESCE(excluded.updated_at, '') > COALESCE(issues.updated_at, '')"
    " ON CONFLICT DO NOTHING",
    // kPullMerged: the pulls list's merged_at, where the issues list did not carry it (older
    // servers); one column, so the fact is stored once, and nothing else of the row moves.
    "UPDATE issues SET merged_at = ?3 WHERE repo_id = ?1 AND number = ?2 AND merged_at IS NULL",
    // kIssueIfNew: what an event or a partial record may do to an item the store already
    // holds: nothing. Same parameters as kIssue.
    "INSERT INTO issues(id, repo_id, number, user_id, is_pull, state, title, html_url,"
    " created_at, updated_at, closed_at, merged_at, comments, reactions_total,"
    " reactions_plus1, reactions_minus1, reactions_laugh, reactions_hooray, reactions_confused,"
    " reactions_heart, reactions_rocket, reactions_eyes, archive_file, archive_event_at)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19, ?20, ?21, ?22, ?23, ?24) ON CONFLICT DO NOTHING",
    // kIssueFromEvent: an event's issue object (parameters as kIssue) moves a stored issue's
    // state when it is newer, but its comment count and reactions are a snapshot of the
    // event's time: they only fill a stand-in row (negative id, from a pull object) and never
    // replace what the issues list stored, so an archive import cannot lower a count. SET
    // expressions read the row as it was, so `id < 0` means the stand-in throughout.
    "UPDATE OR IGNORE issues SET id = CASE WHEN id < 0 THEN ?1 ELSE id END,"
    " user_id = COALESCE(?4, user_id), is_pull = ?5, state = COALESCE(?6, state),"
    " title = COALESCE(?7, title), html_url = COALESCE(?8, html_url),"
    " created_at = COALESCE(created_at, ?9), updated_at = COALESCE(?10, updated_at),"
    " closed_at = CASE WHEN ?6 IS NULL THEN closed_at ELSE ?11 END,"
    " merged_at = COALESCE(?12, merged_at),"
    " comments = CASE WHEN id < 0 THEN ?13 ELSE comments END,"
    " reactions_total = CASE WHEN id < 0 THEN ?14 ELSE reactions_total END,"
    " reactions_plus1 = CASE WHEN id < 0 THEN ?15 ELSE reactions_plus1 END,"
    " reactions_minus1 = CASE WHEN id < 0 THEN ?16 ELSE reactions_minus1 END,"
    " reactions_laugh = CASE WHEN id < 0 THEN ?17 ELSE reactions_laugh END,"
    " reactions_hooray = CASE WHEN id < 0 THEN ?18 ELSE reactions_hooray END,"
    " reactions_confused = CASE WHEN id < 0 THEN ?19 ELSE reactions_confused END,"
    " reactions_heart = CASE WHEN id < 0 THEN ?20 ELSE reactions_heart END,"
    " reactions_rocket = CASE WHEN id < 0 THEN ?21 ELSE reactions_rocket END,"
    " reactions_eyes = CASE WHEN id < 0 THEN ?22 ELSE reactions_eyes END"
    " WHERE (id = ?1 OR (repo_id = ?2 AND number = ?3 AND id < 0))"
    " AND (id < 0 OR COALESCE(?10, '') > COALESCE(updated_at, ''))",
    // kIssueComment
    "INSERT INTO issue_comments(id, repo_id, issue_number, user_id, html_url, created_at,"
    " updated_at, reactions_total, reactions_plus1, reactions_minus1, reactions_laugh,"
    " reactions_hooray, reactions_confused, reactions_heart, reactions_rocket, reactions_eyes)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
    " ON CONFLICT(id) DO UPDATE SET repo_id = excluded.repo_id,"
    " issue_number = excluded.issue_number, user_id = excluded.user_id,"
    " html_url = excluded.html_url, created_at = excluded.created_at,"
    " updated_at = COALESCE(excluded.updated_at, issue_comments.updated_at),"
    " reactions_total = excluded.reactions_total, reactions_plus1 = excluded.reactions_plus1,"
    " reactions_minus1 = excluded.reactions_minus1, reactions_laugh = excluded.reactions_laugh,"
    " reactions_hooray = excluded.reactions_hooray,"
    " reactions_confused = excluded.reactions_confused,"
    " reactions_heart = excluded.reactions_heart, reactions_rocket = excluded.reactions_rocket,"
    " reactions_eyes = excluded.reactions_eyes"
    " WHERE COALESCE(excluded.updated_at, issue_comments.updated_at, '') >="
    " COALESCE(issue_comments.updated_at, '') AND (issue_comments.repo_id,"
    " issue_comments.issue_number, issue_comments.user_id, issue_comments.html_url,"
    " issue_comments.created_at, issue_comments.updated_at, issue_comments.reactions_total,"
    " issue_comments.reactions_plus1, issue_comments.reactions_minus1,"
    " issue_comments.reactions_laugh, issue_comments.reactions_hooray,"
    " issue_comments.reactions_confused, issue_comments.reactions_heart,"
    " issue_comments.reactions_rocket, issue_comments.reactions_eyes) IS NOT"
    " (excluded.repo_id, excluded.issue_number, excluded.user_id, excluded.html_url,"
    " excluded.created_at, COALESCE(excluded.updated_at, issue_comments.updated_at),"
    " excluded.reactions_total, excluded.reactions_plus1, excluded.reactions_minus1,"
    " excluded.reactions_laugh, excluded.reactions_hooray, excluded.reactions_confused,"
    " excluded.reactions_heart, excluded.reactions_rocket, excluded.reactions_eyes)",
    // kReviewComment
    "INSERT INTO review_comments(id, repo_id, pull_number, user_id, review_id, html_url,"
    " created_at, updated_at, reactions_total, reactions_plus1, reactions_minus1,"
    " reactions_laugh, reactions_hooray, reactions_confused, reactions_heart, reactions_rocket,"
    " reactions_eyes)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
    " ON CONFLICT(id) DO UPDATE SET repo_id = excluded.repo_id,"
    " pull_number = excluded.pull_number, user_id = excluded.user_id,"
    " review_id = COALESCE(excluded.review_id, review_comments.review_id),"
    " html_url = excluded.html_url, created_at = excluded.created_at,"
    " updated_at = COALESCE(excluded.updated_at, review_comments.updated_at),"
    " reactions_total = excluded.reactions_total, reactions_plus1 = excluded.reactions_plus1,"
    " reactions_minus1 = excluded.reactions_minus1, reactions_laugh = excluded.reactions_laugh,"
    " reactions_hooray = excluded.reactions_hooray,"
    " reactions_confused = excluded.reactions_confused,"
    " reactions_heart = excluded.reactions_heart, reactions_rocket = excluded.reactions_rocket,"
    " reactions_eyes = excluded.reactions_eyes"
    " WHERE COALESCE(excluded.updated_at, review_comments.updated_at, '') >="
    " COALESCE(review_comments.updated_at, '') AND (review_comments.repo_id,"
    " review_comments.pull_number, review_comments.user_id, review_comments.review_id,"
    " review_comments.html_url, review_comments.created_at, review_comments.updated_at,"
    " review_comments.reactions_total, review_comments.reactions_plus1,"
    " review_comments.reactions_minus1, review_comments.reactions_laugh,"
    " review_comments.reactions_hooray, review_comments.reactions_confused,"
    " review_comments.reactions_heart, review_comments.reactions_rocket,"
    " review_comments.reactions_eyes) IS NOT (excluded.repo_id, excluded.pull_number,"
    " excluded.user_id, COALESCE(excluded.review_id, review_comments.review_id),"
    " excluded.html_url, excluded.created_at,"
    " COALESCE(excluded.updated_at, review_comments.updated_at), excluded.reactions_total,"
    " excluded.reactions_plus1, excluded.reactions_minus1, excluded.reactions_laugh,"
    " excluded.reactions_hooray, excluded.reactions_confused, excluded.reactions_heart,"
    " excluded.reactions_rocket, excluded.reactions_eyes)",
    // kIssueCommentIfNew: a comment in an event is a snapshot of its time (reactions come
    // later without moving updated_at), so events add comments but never change one.
    "INSERT INTO issue_comments(id, repo_id, issue_number, user_id, html_url, created_at,"
    " updated_at, reactions_total, reactions_plus1, reactions_minus1, reactions_laugh,"
    " reactions_hooray, reactions_confused, reactions_heart, reactions_rocket, reactions_eyes,"
    " archive_file, archive_event_at)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
    " ON CONFLICT DO NOTHING",
    // kReviewCommentIfNew: the same for review comments.
    "INSERT INTO review_comments(id, repo_id, pull_number, user_id, review_id, html_url,"
    " created_at, updated_at, reactions_total, reactions_plus1, reactions_minus1,"
    " reactions_laugh, reactions_hooray, reactions_confused, reactions_heart, reactions_rocket,"
    " reactions_eyes, archive_file, archive_event_at)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19) ON CONFLICT DO NOTHING",
    // kUserIdByLogin: a timeline actor is a login; the watched writer's resolved id first,
    // else the account that most recently held the login here.
    "SELECT COALESCE((SELECT user_id FROM writers WHERE login = ?1 AND user_id IS NOT NULL),"
    " (SELECT id FROM users WHERE login = ?1 COLLATE NOCASE ORDER BY updated_at DESC, id DESC"
    " LIMIT 1))",
    // kReview
    "INSERT INTO reviews(id, repo_id, pull_number, user_id, state, html_url, submitted_at)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    " ON CONFLICT(id) DO UPDATE SET repo_id = excluded.repo_id,"
    " pull_number = excluded.pull_number, user_id = excluded.user_id, state = excluded.state,"
    " html_url = excluded.html_url,"
    " submitted_at = COALESCE(excluded.submitted_at, reviews.submitted_at)"
    " WHERE (reviews.repo_id, reviews.pull_number, reviews.user_id, reviews.state,"
    " reviews.html_url, reviews.submitted_at) IS NOT (excluded.repo_id, excluded.pull_number,"
    " excluded.user_id, excluded.state, excluded.html_url,"
    " COALESCE(excluded.submitted_at, reviews.submitted_at))",
    // kReviewIfNew: a review's state in an event may be older than what the API said.
    "INSERT INTO reviews(id, repo_id, pull_number, user_id, state, html_url, submitted_at,"
    " archive_file, archive_event_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    " ON CONFLICT(id) DO NOTHING",
    // kGetWatermark
    "SELECT watermark, cursor, walking, next_poll_at FROM sync_state"
    " WHERE endpoint = ?1 AND scope = ?2",
    // kSetWatermark: ?5 is the walking flag
    "INSERT INTO sync_state(endpoint, scope, watermark, cursor, walking) VALUES(?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT(endpoint, scope) DO UPDATE SET watermark = excluded.watermark,"
    " cursor = excluded.cursor, walking = excluded.walking,"
    " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')",
    // kSetNextPoll
    "INSERT INTO sync_state(endpoint, scope, next_poll_at) VALUES(?1, ?2, ?3)"
    " ON CONFLICT(endpoint, scope) DO UPDATE SET next_poll_at = excluded.next_poll_at,"
    " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')",
    // kRateLimit
    "INSERT INTO rate_limits(resource, quota, remaining, used, reset_at) VALUES(?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT(resource) DO UPDATE SET quota = excluded.quota,"
    " remaining = excluded.remaining, used = excluded.used, reset_at = excluded.reset_at,"
    " seen_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')",
    // kWriter
    "INSERT INTO writers(login) VALUES(?1) ON CONFLICT(login) DO NOTHING",
    // kResolveWriter
    "UPDATE writers SET user_id = ?2 WHERE login = ?1 AND user_id IS NOT ?2",
    // kWriterGone: the first time found gone is kept.
    "UPDATE writers SET gone_at = ?2 WHERE login = ?1 AND gone_at IS NULL",
    // kWriterBack
    "UPDATE writers SET gone_at = NULL WHERE login = ?1 AND gone_at IS NOT NULL",
    // kAddWatch
    "INSERT INTO watches(writer, repo_name, source) VALUES(?1, ?2, ?3)"
    " ON CONFLICT(writer, repo_name) DO NOTHING",
    // kResolveWatch
    "UPDATE watches SET repo_id = ?3 WHERE writer = ?1 AND repo_name = ?2"
    " AND repo_id IS NOT ?3",
    // kWatchGone
    "UPDATE watches SET status = 'gone', gone_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')"
    " WHERE writer = ?1 AND repo_name = ?2 AND status <> 'gone'",
    // kWatchActive
    "UPDATE watches SET status = 'active', gone_at = NULL"
    " WHERE writer = ?1 AND repo_name = ?2 AND status <> 'active'",
    // kListWatches
    "SELECT writer, repo_name, repo_id, source, status, gone_at FROM watches"
    " ORDER BY writer COLLATE NOCASE, repo_name COLLATE NOCASE",
    // kError: `at` from the Clock when there is one, else SQLite's now (the column default).
    "INSERT INTO sync_errors(at, scope, url, message)"
    " VALUES(COALESCE(?4, strftime('%Y-%m-%dT%H:%M:%SZ','now')), ?1, ?2, ?3)",
    // kPruneErrorsByCount: ids only grow (AUTOINCREMENT), so the newest ?1 rows are those
    // above max(id) - ?1; max(id) and the range are rowid b-tree lookups, not a scan.
    "DELETE FROM sync_errors WHERE id <= (SELECT max(id) FROM sync_errors) - ?1",
    // kPruneErrorsByAge: rows are inserted in time order, so the old ones are the lowest ids.
    // The subquery walks ids upward and stops at the first row not older than the cutoff,
    // touching only the rows about to go; the DELETE is an id range.
    "DELETE FROM sync_errors WHERE id < COALESCE((SELECT id FROM sync_errors"
    " WHERE at >= COALESCE(?1, strftime('%Y-%m-%dT%H:%M:%SZ','now','-30 days'))"
    " ORDER BY id LIMIT 1), (SELECT max(id) + 1 FROM sync_errors))",
};

static_assert(std::size(kSql) == kCount, "one SQL text per statement id");

// Empty text from the parsers means "absent": stored as NULL.
Statement& BindText(Statement& st, int index, const std::string& s) {
  return s.empty() ? st.BindNull(index) : st.Bind(index, std::string_view(s));
}

Statement& BindReactions(Statement& st, int first, const model::ReactionRollup& r) {
  return st.Bind(first, r.total)
      .Bind(first + 1, r.plus1)
      .Bind(first + 2, r.minus1)
      .Bind(first + 3, r.laugh)
      .Bind(first + 4, r.hooray)
      .Bind(first + 5, r.confused)
      .Bind(first + 6, r.heart)
      .Bind(first + 7, r.rocket)
      .Bind(first + 8, r.eyes);
}

// The archive file and event time of an event's inserted rows: both NULL outside an
// archive import.
Statement& BindArchive(Statement& st, int first, const std::string& file,
                       const std::string* event_at) {
  if (file.empty() || !event_at) return st.BindNull(first).BindNull(first + 1);
  return BindText(BindText(st, first, file), first + 1, *event_at);
}

Statement& BindUserId(Statement& st, int index, const std::optional<model::UserRef>& u) {
  return u && u->id != 0 ? st.Bind(index, u->id) : st.BindNull(index);
}

}  // namespace

struct Ingest::Statements {
  std::array<Statement*, kCount> st{};
};

Ingest::Ingest(Database& db) : db_(db), st_(std::make_unique<Statements>()) {}
Ingest::~Ingest() = default;

Result<Statement*> Ingest::Stmt(int which) {
  Statement*& slot = st_->st[static_cast<std::size_t>(which)];
  if (!slot) {
    auto p = db_.Prepare(kSql[which]);
    if (!p.ok()) return p.status();
    slot = *p;
  }
  return slot;
}

#define GHH_STMT(var, which)                  \
  auto var##_r = Stmt(which);                 \
  if (!var##_r.ok()) return var##_r.status(); \
  StatementGuard var(**var##_r)

Status Ingest::UpsertUser(const model::UserRef& user) {
  if (user.id == 0) return Status::Ok();  // nothing to key it by
  GHH_STMT(g, from_event_ ? kUserIfNew : kUser);
  g->Bind(1, user.id).Bind(2, user.login).Bind(3, user.type);
  return g->Run();
}

namespace {
// Users already written in this call, so a page by one author upserts them once.
class SeenUsers {
 public:
  bool FirstTime(const std::optional<model::UserRef>& u) {
    return u && u->id != 0 && seen_.insert(u->id).second;
  }

 private:
  std::unordered_set<std::int64_t> seen_;
};
}  // namespace

Status Ingest::UpsertRepo(const model::RepoRecord& repo) {
  if (repo.id == 0 || repo.full_name.empty()) {
    return Status::InvalidArgument("repository without id or full_name");
  }
  if (repo.owner) {
    if (Status s = UpsertUser(*repo.owner); !s.ok()) return s;
  }
  {
    GHH_STMT(g, kRepoFreeName);
    g->Bind(1, repo.full_name).Bind(2, repo.id);
    if (Status s = g->Run(); !s.ok()) return s;
  }
  GHH_STMT(g, kRepo);
  g->Bind(1, repo.id).Bind(2, repo.full_name);
  BindText(*g, 3, repo.default_branch);
  BindText(*g, 4, repo.html_url);
  BindText(*g, 5, repo.updated_at);
  return g->Run();
}

Status Ingest::EnsureRepo(std::int64_t repo_id, std::string_view full_name) {
  if (repo_id == 0 || full_name.empty()) return Status::Ok();
  GHH_STMT(g, kEnsureRepo);
  g->Bind(1, repo_id).Bind(2, full_name);
  return g->Run();
}

Status Ingest::RecordOldName(std::string_view old_name, std::int64_t repo_id) {
  if (repo_id == 0 || old_name.empty()) return Status::Ok();
  GHH_STMT(g, kRepoOldName);
  g->Bind(1, old_name).Bind(2, repo_id);
  return g->Run();
}

Status Ingest::UpsertCommits(std::int64_t repo_id,
                             const std::vector<model::CommitRecord>& commits) {
  SeenUsers seen;
  for (const auto& c : commits) {
    if (c.sha.empty()) continue;
    if (seen.FirstTime(c.author)) {
      if (Status s = UpsertUser(*c.author); !s.ok()) return s;
    }
    GHH_STMT(g, kCommit);
    g->Bind(1, repo_id).Bind(2, c.sha);
    BindUserId(*g, 3, c.author);
    BindText(*g, 4, c.committed_at);
    BindText(*g, 5, c.authored_at);
    BindText(*g, 6, c.html_url);
    if (Status s = g->Run(); !s.ok()) return s;
  }
  return ReviveCommits(repo_id, commits);
}

// A commit a history rewrite buried (commit_tombstones) that GitHub lists again, the branch
// restored, is alive: its tombstone goes. Rare, so one lookup on the primary key first.
Status Ingest::ReviveCommits(std::int64_t repo_id,
                             const std::vector<model::CommitRecord>& commits) {
  bool any = false;
  {
    auto st = db_.Prepare("SELECT 1 FROM commit_tombstones WHERE repo_id = ?1 LIMIT 1");
    if (!st.ok()) return st.status();
    StatementGuard g(**st);
    g->Bind(1, repo_id);
    any = g->Step();
    if (!g->status().ok()) return g->status();
  }
  if (!any) return Status::Ok();
  for (const auto& c : commits) {
    auto st = db_.Prepare("DELETE FROM commit_tombstones WHERE repo_id = ?1 AND sha = ?2");
    if (!st.ok()) return st.status();
    StatementGuard g(**st);
    g->Bind(1, repo_id).Bind(2, c.sha);
    if (Status s = g->Run(); !s.ok()) return s;
  }
  return Status::Ok();
}

Status Ingest::UpsertIssue(std::int64_t repo_id, const model::IssueRecord& i) {
  if (i.number == 0) return Status::Ok();
  if (i.user) {
    if (Status s = UpsertUser(*i.user); !s.ok()) return s;
  }
  return IssueRow(repo_id, i);
}

Status Ingest::IssueRow(std::int64_t repo_id, const model::IssueRecord& i) {
  if (i.number == 0) return Status::Ok();
  if (i.from_pull_object) {
    GHH_STMT(g, kPullObject);
    g->Bind(1, i.id).Bind(2, repo_id).Bind(3, i.number);
    BindUserId(*g, 4, i.user);
    BindText(*g, 5, i.state);
    BindText(*g, 6, i.title);
    BindText(*g, 7, i.html_url);
    BindText(*g, 8, i.created_at);
    BindText(*g, 9, i.updated_at);
    g->Bind(10, i.closed_at).Bind(11, i.merged_at);
    BindArchive(*g, 12, from_event_ ? archive_file_ : std::string(), event_at_);
    return g->Run();
  }
  if (i.id == 0) return Status::Ok();
  auto bind = [&](Statement& st) {
    st.Bind(1, i.id).Bind(2, repo_id).Bind(3, i.number);
    BindUserId(st, 4, i.user);
    st.Bind(5, i.is_pull ? 1 : 0);
    BindText(st, 6, i.state);
    BindText(st, 7, i.title);
    BindText(st, 8, i.html_url);
    BindText(st, 9, i.created_at);
    BindText(st, 10, i.updated_at);
    st.Bind(11, i.closed_at).Bind(12, i.merged_at).Bind(13, i.comments);
    BindReactions(st, 14, i.reactions);
  };
  if (from_event_ && !i.partial) {
    GHH_STMT(g, kIssueFromEvent);
    bind(*g);
    if (Status s = g->Run(); !s.ok()) return s;
  }
  const bool if_new = i.partial || from_event_;
  GHH_STMT(g, if_new ? kIssueIfNew : kIssue);
  bind(*g);
  if (if_new) BindArchive(*g, 23, from_event_ ? archive_file_ : std::string(), event_at_);
  return g->Run();
}

Status Ingest::RecordPullsMerged(std::int64_t repo_id,
                                 const std::vector<model::IssueRecord>& pulls) {
  for (const auto& p : pulls) {
    if (p.number == 0 || !p.merged_at || p.merged_at->empty()) continue;
    // A pull request the issues list has not brought yet gets its stand-in row (never its
    // rollup); the issues list later takes the row over by (repo, number).
    model::IssueRecord stand_in = p;
    stand_in.from_pull_object = true;
    if (stand_in.user) {
      if (Status s = UpsertUser(*stand_in.user); !s.ok()) return s;
    }
    if (stand_in.id != 0) {
      if (Status s = IssueRow(repo_id, stand_in); !s.ok()) return s;
    }
    GHH_STMT(g, kPullMerged);
    g->Bind(1, repo_id).Bind(2, p.number).Bind(3, *p.merged_at);
    if (Status s = g->Run(); !s.ok()) return s;
  }
  return Status::Ok();
}

Status Ingest::UpsertIssues(std::int64_t repo_id, const std::vector<model::IssueRecord>& issues) {
  SeenUsers seen;
  for (const auto& i : issues) {
    if (seen.FirstTime(i.user)) {
      if (Status s = UpsertUser(*i.user); !s.ok()) return s;
    }
    if (Status s = IssueRow(repo_id, i); !s.ok()) return s;
  }
  return Status::Ok();
}

namespace {
template <typename Upsert>
Status ForComments(const std::vector<model::CommentRecord>& comments, Ingest& ingest,
                   Upsert&& one) {
  SeenUsers seen;
  for (const auto& c : comments) {
    if (c.id == 0 || c.number == 0) continue;
    if (seen.FirstTime(c.user)) {
      if (Status s = ingest.UpsertUser(*c.user); !s.ok()) return s;
    }
    if (Status s = one(c); !s.ok()) return s;
  }
  return Status::Ok();
}
}  // namespace

Status Ingest::UpsertIssueComments(std::int64_t repo_id,
                                   const std::vector<model::CommentRecord>& comments) {
  return ForComments(comments, *this, [&](const model::CommentRecord& c) -> Status {
    GHH_STMT(g, from_event_ ? kIssueCommentIfNew : kIssueComment);
    g->Bind(1, c.id).Bind(2, repo_id).Bind(3, c.number);
    BindUserId(*g, 4, c.user);
    BindText(*g, 5, c.html_url);
    BindText(*g, 6, c.created_at);
    BindText(*g, 7, c.updated_at);
    BindReactions(*g, 8, c.reactions);
    if (from_event_) BindArchive(*g, 17, archive_file_, event_at_);
    return g->Run();
  });
}

Status Ingest::UpsertReviewComments(std::int64_t repo_id,
                                    const std::vector<model::CommentRecord>& comments) {
  return ForComments(comments, *this, [&](const model::CommentRecord& c) -> Status {
    GHH_STMT(g, from_event_ ? kReviewCommentIfNew : kReviewComment);
    g->Bind(1, c.id).Bind(2, repo_id).Bind(3, c.number);
    BindUserId(*g, 4, c.user);
    g->Bind(5, c.review_id);
    BindText(*g, 6, c.html_url);
    BindText(*g, 7, c.created_at);
    BindText(*g, 8, c.updated_at);
    BindReactions(*g, 9, c.reactions);
    if (from_event_) BindArchive(*g, 18, archive_file_, event_at_);
    return g->Run();
  });
}

Status Ingest::UpsertReviews(std::int64_t repo_id, std::int64_t pull_number,
                             const std::vector<model::ReviewRecord>& reviews) {
  SeenUsers seen;
  for (const auto& r : reviews) {
    std::int64_t number = r.pull_number != 0 ? r.pull_number : pull_number;
    if (r.id == 0 || number == 0) continue;
    if (seen.FirstTime(r.user)) {
      if (Status s = UpsertUser(*r.user); !s.ok()) return s;
    }
    GHH_STMT(g, from_event_ ? kReviewIfNew : kReview);
    g->Bind(1, r.id).Bind(2, repo_id).Bind(3, number);
    BindUserId(*g, 4, r.user);
    g->Bind(5, r.state.empty() ? std::string_view("COMMENTED") : std::string_view(r.state));
    BindText(*g, 6, r.html_url);
    BindText(*g, 7, r.submitted_at);
    if (from_event_) BindArchive(*g, 8, archive_file_, event_at_);
    if (Status s = g->Run(); !s.ok()) return s;
  }
  return Status::Ok();
}

Status Ingest::UpsertEvent(const model::EventRecord& e, EventIngestCounts* counts) {
  if (e.repo_id == 0) return Status::Ok();
  // Users and reviews from events only fill gaps (see kUserIfNew, kReviewIfNew).
  struct EventMode {
    bool& flag;
    explicit EventMode(bool& f) : flag(f) { flag = true; }
    ~EventMode() { flag = false; }
  } mode(from_event_);
  event_at_ = &e.created_at;
  if (e.timeline && e.actor.id == 0 && !e.actor.login.empty()) {
    // A timeline event names its actor by login only: put the account this database knows
    // by that login on the records the actor made, or leave them to nobody until the REST
    // harvest brings them with their author.
    std::optional<std::int64_t> id;
    {
      GHH_STMT(g, kUserIdByLogin);
      g->Bind(1, e.actor.login);
      if (g->Step()) id = g->OptInt(0);
      if (!g->status().ok()) return g->status();
    }
    model::EventRecord resolved = e;
    auto fill = [&](std::optional<model::UserRef>& u) {
      if (!u || u->id != 0) return;
      if (id) {
        u->id = *id;
      } else {
        u.reset();
      }
    };
    if (resolved.issue) fill(resolved.issue->user);
    if (resolved.comment) fill(resolved.comment->user);
    if (resolved.review) fill(resolved.review->user);
    resolved.timeline = false;
    resolved.actor.id = id.value_or(0);
    return UpsertEvent(resolved, counts);
  }
  if (Status s = UpsertUser(e.actor); !s.ok()) return s;
  if (Status s = EnsureRepo(e.repo_id, e.repo_name); !s.ok()) return s;
  EventIngestCounts local;
  if (e.issue) {
    if (Status s = UpsertIssue(e.repo_id, *e.issue); !s.ok()) return s;
    ++local.issues;
  }
  if (e.comment) {
    std::vector<model::CommentRecord> one{*e.comment};
    if (e.type == "PullRequestReviewCommentEvent") {
      if (Status s = UpsertReviewComments(e.repo_id, one); !s.ok()) return s;
      ++local.review_comments;
    } else {
      if (Status s = UpsertIssueComments(e.repo_id, one); !s.ok()) return s;
      ++local.issue_comments;
    }
  }
  if (e.review) {
    if (Status s = UpsertReviews(e.repo_id, e.review->pull_number, {*e.review}); !s.ok()) {
      return s;
    }
    ++local.reviews;
  }
  if (counts) {
    counts->issues += local.issues;
    counts->issue_comments += local.issue_comments;
    counts->review_comments += local.review_comments;
    counts->reviews += local.reviews;
  }
  return Status::Ok();
}

Result<std::optional<Watermark>> Ingest::GetWatermark(std::string_view endpoint,
                                                      std::string_view scope) {
  GHH_STMT(g, kGetWatermark);
  g->Bind(1, endpoint).Bind(2, scope);
  std::optional<Watermark> out;
  if (g->Step()) out = Watermark{g->OptText(0), g->OptText(1), g->Int(2) != 0, g->OptText(3)};
  if (!g->status().ok()) return g->status();
  return out;
}

Status Ingest::SetWatermark(std::string_view endpoint, std::string_view scope,
                            const std::optional<std::string>& watermark,
                            const std::optional<std::string>& cursor) {
  GHH_STMT(g, kSetWatermark);
  g->Bind(1, endpoint).Bind(2, scope).Bind(3, watermark).Bind(4, cursor).Bind(5, 0);
  return g->Run();
}

Status Ingest::MarkWalking(std::string_view endpoint, std::string_view scope,
                           const std::optional<std::string>& watermark) {
  GHH_STMT(g, kSetWatermark);
  g->Bind(1, endpoint).Bind(2, scope).Bind(3, watermark).BindNull(4).Bind(5, 1);
  return g->Run();
}

Status Ingest::SetNextPoll(std::string_view endpoint, std::string_view scope,
                           const std::string& at) {
  GHH_STMT(g, kSetNextPoll);
  g->Bind(1, endpoint).Bind(2, scope).Bind(3, at);
  return g->Run();
}

Status Ingest::RecordRateLimit(const RateLimitRow& row) {
  GHH_STMT(g, kRateLimit);
  g->Bind(1, row.resource).Bind(2, row.quota).Bind(3, row.remaining).Bind(4, row.used);
  g->Bind(5, row.reset_at);
  return g->Run();
}

Status Ingest::MarkCredentialRevoked(const std::string& credential) {
  auto st = db_.Prepare(
      "UPDATE credential_budgets SET revoked = 1,"
      " seen_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE credential = ?1");
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  g->Bind(1, credential);
  return g->Run();
}

Status Ingest::RecordCredentialBudget(const std::string& credential, const RateLimitRow& row,
                                      bool revoked) {
  auto st = db_.Prepare(
      "INSERT INTO credential_budgets(credential, resource, quota, remaining, reset_at, revoked)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(credential, resource) DO UPDATE SET"
      " quota = excluded.quota, remaining = excluded.remaining, reset_at = excluded.reset_at,"
      " revoked = excluded.revoked, seen_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')");
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  g->Bind(1, credential)
      .Bind(2, row.resource)
      .Bind(3, row.quota)
      .Bind(4, row.remaining)
      .Bind(5, row.reset_at)
      .Bind(6, std::int64_t{revoked ? 1 : 0});
  return g->Run();
}

Status Ingest::UpsertWriter(std::string_view login) {
  GHH_STMT(g, kWriter);
  g->Bind(1, login);
  return g->Run();
}

Status Ingest::ResolveWriterUser(std::string_view login, std::int64_t user_id) {
  GHH_STMT(g, kResolveWriter);
  g->Bind(1, login).Bind(2, user_id);
  return g->Run();
}

Status Ingest::MarkWriterGone(std::string_view login, const std::string& at) {
  GHH_STMT(g, kWriterGone);
  g->Bind(1, login).Bind(2, at);
  return g->Run();
}

Status Ingest::MarkWriterBack(std::string_view login) {
  GHH_STMT(g, kWriterBack);
  g->Bind(1, login);
  return g->Run();
}

Status Ingest::AddWatch(std::string_view writer, std::string_view repo_name,
                        std::string_view source) {
  GHH_STMT(g, kAddWatch);
  g->Bind(1, writer).Bind(2, repo_name).Bind(3, source);
  return g->Run();
}

Status Ingest::ResolveWatch(std::string_view writer, std::string_view repo_name,
                            std::int64_t repo_id) {
  GHH_STMT(g, kResolveWatch);
  g->Bind(1, writer).Bind(2, repo_name).Bind(3, repo_id);
  return g->Run();
}

Status Ingest::MarkWatchGone(std::string_view writer, std::string_view repo_name) {
  GHH_STMT(g, kWatchGone);
  g->Bind(1, writer).Bind(2, repo_name);
  return g->Run();
}

Status Ingest::ReactivateWatch(std::string_view writer, std::string_view repo_name) {
  GHH_STMT(g, kWatchActive);
  g->Bind(1, writer).Bind(2, repo_name);
  return g->Run();
}

Result<std::vector<WatchRow>> Ingest::ListWatches() {
  GHH_STMT(g, kListWatches);
  std::vector<WatchRow> out;
  while (g->Step()) {
    out.push_back(
        WatchRow{g->Text(0), g->Text(1), g->OptInt(2), g->Text(3), g->Text(4), g->OptText(5)});
  }
  if (!g->status().ok()) return g->status();
  return out;
}

Status Ingest::RecordError(std::string_view scope, std::string_view url, std::string_view message,
                           std::optional<TimePoint> now) {
  {
    GHH_STMT(g, kError);
    g->Bind(1, scope).Bind(2, url).Bind(3, message);
    if (now) {
      g->Bind(4, FormatIso8601(*now));
    } else {
      g->BindNull(4);
    }
    if (Status s = g->Run(); !s.ok()) return s;
  }
  {
    GHH_STMT(g, kPruneErrorsByCount);
    g->Bind(1, kSyncErrorsKept);
    if (Status s = g->Run(); !s.ok()) return s;
  }
  // Age is checked at most once per kSyncErrorsPruneEvery of time, and on the first error of
  // an Ingest (a restart), so a burst of failures costs one insert and one id range each.
  // Without `now` the throttle reads the system clock; the cutoff stays SQLite's, like `at`.
  const TimePoint t = now.value_or(std::chrono::system_clock::now());
  if (errors_pruned_at_ && t >= *errors_pruned_at_ &&
      t - *errors_pruned_at_ < kSyncErrorsPruneEvery) {
    return Status::Ok();
  }
  GHH_STMT(g, kPruneErrorsByAge);
  if (now) {
    g->Bind(1, FormatIso8601(*now - kSyncErrorsMaxAge));
  } else {
    g->BindNull(1);
  }
  if (Status s = g->Run(); !s.ok()) return s;
  errors_pruned_at_ = t;
  return Status::Ok();
}

}  // namespace ghharvest::store
