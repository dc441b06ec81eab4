// Storing what the GitHub parsers produce: idempotent upserts keyed by GitHub ids, sync
// watermarks, watches, errors.
//
// Transactions: no method opens one. The caller wraps one fetched page (its upserts and the
// watermark it advances) in a store::Transaction, so a crash loses at most that page:
//
//   store::Transaction tx(db);
//   if (!tx.status().ok()) return tx.status();
//   if (auto s = ingest.UpsertIssues(repo_id, page); !s.ok()) return s;
//   if (auto s = ingest.SetWatermark("issues", scope, newest, next_url); !s.ok()) return s;
//   return tx.Commit();
//
// Replaying a page changes nothing: every upsert is INSERT ... ON CONFLICT DO UPDATE and
// only writes rows whose values differ. Embedded users (authors, commenters, reviewers) are
// upserted with the rows that name them. Statements are prepared once per Ingest.
// Not thread-safe: one Ingest per Database, on the Database's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghharvest/model/records.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::store {

struct Watermark {
  std::optional<std::string> watermark;     // ISO 8601 (updated_at or commit date)
  std::optional<std::string> cursor;        // e.g. a next-page URL or an ETag
  bool walking = false;                     // a walk began and has not finished (MarkWalking)
  std::optional<std::string> next_poll_at;  // ISO 8601: not polled before (SetNextPoll)
};

// The budget of one rate-limit resource as a response reported it.
struct RateLimitRow {
  std::string resource;  // 'core', 'search', ...
  std::int64_t quota = 0, remaining = 0;
  std::optional<std::int64_t> used;
  std::string reset_at;  // ISO 8601 UTC
};

struct WatchRow {
  std::string writer;
  std::string repo_name;
  std::optional<std::int64_t> repo_id;
  std::string source;  // 'config', 'search', 'user_repos', 'events'
  std::string status;  // 'active', 'gone'
  std::optional<std::string> gone_at;
};

// What one event stored (for import statistics).
struct EventIngestCounts {
  std::int64_t issues = 0, issue_comments = 0, review_comments = 0, reviews = 0;
};

class Ingest {
 public:
  using TimePoint = std::chrono::system_clock::time_point;  // a Clock's time

  // sync_errors retention (see RecordError).
  static constexpr std::int64_t kSyncErrorsKept = 10000;
  static constexpr std::chrono::hours kSyncErrorsMaxAge{24 * 30};
  static constexpr std::chrono::hours kSyncErrorsPruneEvery{1};

  explicit Ingest(Database& db);
  ~Ingest();
  Ingest(const Ingest&) = delete;
  Ingest& operator=(const Ingest&) = delete;

  // A user by GitHub id; login follows renames. An empty `type` keeps the stored type (new
  // rows then get "Bot" for logins ending in "[bot]", else "User").
  Status UpsertUser(const model::UserRef& user);

  // A repository by GitHub id; full_name follows renames. Another row that still holds this
  // full_name (a repository deleted or renamed away, whose name was reused) is renamed to
  // "<full_name>#<its id>" so its history stays but no longer answers to the name.
  // The owner is upserted as a user.
  Status UpsertRepo(const model::RepoRecord& repo);
  // Inserts a repository row only if neither the id nor the name is known yet (events and
  // archives carry names of their time; they must not rename a repository backwards).
  Status EnsureRepo(std::int64_t repo_id, std::string_view full_name);
  // A name the repository had before a rename (GitHub redirected a request by that name), so
  // that blog posts linking to it count for the repository. UpsertRepo records the names it
  // renames away itself; this is for names the store never held.
  Status RecordOldName(std::string_view old_name, std::int64_t repo_id);

  Status UpsertCommits(std::int64_t repo_id, const std::vector<model::CommitRecord>& commits);
  // Issues and pull requests of one repository, with their authors. A record with
  // from_pull_object (events) is matched by (repo, number); when no row exists yet it is
  // stored under the negated pull-request id until the issues list brings the issue id.
  // Items without number (or, for issues-list records, without id) are skipped.
  Status UpsertIssues(std::int64_t repo_id, const std::vector<model::IssueRecord>& issues);
  Status UpsertIssue(std::int64_t repo_id, const model::IssueRecord& issue);
  // The pulls list's pull requests (records parsed from pull objects: `id` is the pull
  // request's): each merged one's merged_at is stored where the issues list left it unset
  // (older servers send no pull_request.merged_at). Nothing else of an issue row changes, so
  // its rollup and comment count stay the issues list's. A pull request not stored yet gets
  // the stand-in row of UpsertIssues' pull objects. An issues list that carries no merged_at
  // never clears one.
  Status RecordPullsMerged(std::int64_t repo_id, const std::vector<model::IssueRecord>& pulls);
  Status UpsertIssueComments(std::int64_t repo_id,
                             const std::vector<model::CommentRecord>& comments);
  Status UpsertReviewComments(std::int64_t repo_id,
                              const std::vector<model::CommentRecord>& comments);
  // Reviews of pull request `pull_number` (a review's own pull_number, when set, wins).
  Status UpsertReviews(std::int64_t repo_id, std::int64_t pull_number,
                       const std::vector<model::ReviewRecord>& reviews);

  // Everything an event carries: its actor, its repository (EnsureRepo), and the payload's
  // issue / comment / review. Events without repo id are skipped (counts all zero).
  // Events may be old (archives) or trimmed (GitHub's payloads since 2025-10-07), so what
  // they carry is a snapshot, and partial never overwrites complete: users, reviews and
  // comments they name are only inserted when new, never updated (a login renamed since
  // stays renamed; reactions added since stay); an issue object moves a stored issue's state
  // only when its updated_at is newer and never its comment count or reactions (those come
  // from the issues list); a partial record (IssueRecord::partial) is only inserted when new.
  // A timeline event's actor (a login) is resolved to the account known by that login here
  // (the writer's resolved id first); unknown, the records it made count for nobody.
  Status UpsertEvent(const model::EventRecord& event, EventIngestCounts* counts = nullptr);
  // Events upserted from now on come from this GH Archive file (a name, e.g.
  // "2012-03-10-15.json.gz"; empty: not from an archive). Rows an event inserts then carry
  // archive_file and archive_event_at (the event's time), so API rows and archive rows can
  // be told apart; rows that existed keep theirs.
  void SetArchiveFile(std::string file) { archive_file_ = std::move(file); }
  // Discovery from imported history: an archive event by a watched writer that opened an
  // issue or pull request, commented, reviewed or pushed is recorded in archive_touches
  // (other events are ignored; recording one twice changes nothing). ArchiveTouchedRepos
  // gives the projects `login` touched, most touched first, then most recently touched.
  Status RecordArchiveTouch(const model::EventRecord& event);
  Result<std::vector<std::string>> ArchiveTouchedRepos(std::string_view login);

  // Watermarks per (endpoint, scope); nullopt when never set.
  Result<std::optional<Watermark>> GetWatermark(std::string_view endpoint, std::string_view scope);
  // Sets the watermark and cursor and ends a walk (walking = false); keeps next_poll_at.
  Status SetWatermark(std::string_view endpoint, std::string_view scope,
                      const std::optional<std::string>& watermark,
                      const std::optional<std::string>& cursor);
  // A walk that must finish before the watermark may move: `watermark` stays where it was
  // when the walk began, walking = true until the next SetWatermark.
  Status MarkWalking(std::string_view endpoint, std::string_view scope,
                     const std::optional<std::string>& watermark);
  // Not to be polled again before `at` (ISO 8601); the watermark is left alone.
  Status SetNextPoll(std::string_view endpoint, std::string_view scope, const std::string& at);
  // The last budget seen for a resource (table rate_limits).
  Status RecordRateLimit(const RateLimitRow& row);
  // One credential's budget (a token pool's member, by fingerprint): credential_budgets.
  Status RecordCredentialBudget(const std::string& credential, const RateLimitRow& row,
                                bool revoked);
  // Every budget row of `credential` marked revoked (GitHub answered it 401).
  Status MarkCredentialRevoked(const std::string& credential);

  // The writers table mirrors the config; login compares case-insensitively.
  Status UpsertWriter(std::string_view login);
  // Records the GitHub id of a writer once known (no-op for an unknown login).
  Status ResolveWriterUser(std::string_view login, std::int64_t user_id);
  // Writer `login`'s GitHub account is gone (deleted, or renamed away from the config's
  // login), found at `at` (ISO 8601): writer_project_counts leaves its GitHub activity out
  // (writers.gone_at); every row stays stored. A writer already marked keeps its first time.
  Status MarkWriterGone(std::string_view login, const std::string& at);
  // The account answers again: its activity counts again.
  Status MarkWriterBack(std::string_view login);
  // Whether a stored user row has this login (any case): what writer_project_counts counts.
  Result<bool> LoginSeen(std::string_view login);
  // When writer `login` was found gone; nullopt while it is not.
  Result<std::optional<std::string>> WriterGoneAt(std::string_view login);

  // Adds a watch (writer, repo_name) unless present; an existing row keeps its source and
  // status (use ReactivateWatch when the config changed).
  Status AddWatch(std::string_view writer, std::string_view repo_name, std::string_view source);
  Status ResolveWatch(std::string_view writer, std::string_view repo_name, std::int64_t repo_id);
  // 404/410: status 'gone', gone_at now; rows kept, no longer polled.
  Status MarkWatchGone(std::string_view writer, std::string_view repo_name);
  Status ReactivateWatch(std::string_view writer, std::string_view repo_name);
  // All watches, ordered by writer then repo_name.
  Result<std::vector<WatchRow>> ListWatches();
  // The writer's watches that discovery found (source other than 'config'), any status.
  Result<std::vector<WatchRow>> DiscoveredWatches(std::string_view writer);

  // The GitHub spelling of a configured writer's login, once its user id was resolved.
  Result<std::optional<std::string>> KnownLogin(std::string_view config_login);
  // The stored full_name of repository `id`.
  Result<std::optional<std::string>> RepoFullName(std::int64_t id);
  // Its stored default branch (nullopt: none stored).
  Result<std::optional<std::string>> RepoDefaultBranch(std::int64_t id);
  // Every row of writer_project_counts as text, in order: equal digests before and after a
  // harvest mean it changed no count.
  Result<std::string> CountsDigest();

  // A failure worth showing in `ghharvest status` (sync_errors), dated `now`: the caller's
  // Clock time, or SQLite's now when not given. Then prunes, so a daemon failing for months
  // keeps a bounded table: at most the newest kSyncErrorsKept rows after every insert, and
  // rows older than kSyncErrorsMaxAge before `now` deleted on the first insert of this Ingest
  // and then at most once per kSyncErrorsPruneEvery. Both deletes are id ranges (rows are
  // assumed to be dated in id order), never a scan of the table.
  Status RecordError(std::string_view scope, std::string_view url, std::string_view message,
                     std::optional<TimePoint> now = std::nullopt);

  Database& db() { return db_; }

 private:
  struct Statements;
  Result<Statement*> Stmt(int which);
  Status IssueRow(std::int64_t repo_id, const model::IssueRecord& issue);  // without its user
  Status ReviveCommits(std::int64_t repo_id, const std::vector<model::CommitRecord>& commits);
  Database& db_;
  std::unique_ptr<Statements> st_;
  std::optional<TimePoint> errors_pruned_at_;  // last age prune of sync_errors
  bool from_event_ = false;                    // inside UpsertEvent
  std::string archive_file_;                   // SetArchiveFile
  const std::string* event_at_ = nullptr;      // the archive event being upserted
};

}  // namespace ghharvest::store
