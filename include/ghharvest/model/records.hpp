// Plain records parsed from GitHub's JSON (REST listings and events). No JSON types leak
// out of the parser: the store and the harvester see only these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ghharvest::model {

struct UserRef {
  std::int64_t id = 0;
  std::string login;
  // "User", "Bot", "Organization"; empty when the source does not say (event actors):
  // the store then keeps what it knew, or guesses "Bot" from a login ending in "[bot]".
  std::string type = "User";
};

// GitHub's `reactions` rollup on issues, pull requests and comments.
struct ReactionRollup {
  std::int64_t total = 0, plus1 = 0, minus1 = 0, laugh = 0, hooray = 0, confused = 0, heart = 0,
               rocket = 0, eyes = 0;
};

struct RepoRecord {
  std::int64_t id = 0;
  std::string full_name;  // "owner/repo"
  std::string default_branch;
  std::string html_url;
  std::string updated_at;
  std::string pushed_at;
  bool fork = false;
  std::optional<UserRef> owner;
};

struct CommitRecord {
  std::string sha;
  std::optional<UserRef> author;  // nullopt: no GitHub account (counts for nobody)
  std::string authored_at;
  std::string committed_at;
  std::string html_url;
};

// One page of GET /repos/{o}/{r}/compare/{base}...{head}: the commits reachable from head and
// not from base (oldest first), whatever their dates, and how the two refs relate.
struct ComparisonPage {
  std::string status;  // "ahead", "behind", "diverged" or "identical"
  std::int64_t ahead_by = 0, behind_by = 0, total_commits = 0;
  // The head's sha, from permalink_url (".../compare/owner:BASE...owner:HEAD"): the commit a
  // comparison by branch name was made to, so that its later pages can name it and not the
  // branch, which may move between two pages. Empty when the answer names none.
  std::string head_sha;
  std::vector<CommitRecord> commits;
};

// An item of the issues list: an issue, or a pull request (is_pull, merged_at).
struct IssueRecord {
  std::int64_t id = 0;
  std::int64_t number = 0;
  std::optional<UserRef> user;
  bool is_pull = false;
  std::string state;
  std::string title;
  std::string html_url;
  std::string repository_url;  // ".../repos/owner/repo"
  std::string created_at;
  std::string updated_at;
  std::optional<std::string> closed_at;
  std::optional<std::string> merged_at;  // pull requests only
  std::int64_t comments = 0;
  ReactionRollup reactions;
  // True when this came from a pull-request object (PullRequestEvent, review events) rather
  // than the issues list: `id` is then the pull request's id, not the issue's, and
  // `comments`/`reactions` are unknown. The store matches such records by (repo, number)
  // and never overwrites an issue's id, rollup or comment count with them.
  bool from_pull_object = false;
  // True when the source carried only keys and who/when, not the item's state or counts: a
  // 2011-2014 timeline event naming the issue by id, or a pull request as GitHub trims it in
  // events since 2025-10-07 (no state, title, author or times). The store inserts such a
  // record when the item is new and never changes a stored row with it; the REST harvest
  // completes it.
  bool partial = false;
};

// An issue comment (number = the issue's, from issue_url) or a review comment
// (number = the pull request's, from pull_request_url; review_id set).
struct CommentRecord {
  std::int64_t id = 0;
  std::int64_t number = 0;
  std::optional<UserRef> user;
  std::optional<std::int64_t> review_id;
  std::string html_url;
  std::string created_at;
  std::string updated_at;
  ReactionRollup reactions;
};

struct ReviewRecord {
  std::int64_t id = 0;
  std::int64_t pull_number = 0;  // from pull_request_url (0 when absent)
  std::optional<UserRef> user;
  std::string state;  // APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
  std::string html_url;
  std::string submitted_at;  // empty for PENDING
};

// One item of /search/issues: enough to learn which repository a login touched.
struct SearchIssueRecord {
  std::string repo_full_name;  // from repository_url
  std::int64_t number = 0;
  bool is_pull = false;
};

struct SearchPage {
  std::int64_t total_count = 0;
  bool incomplete_results = false;
  std::vector<SearchIssueRecord> items;
};

// A GitHub event (Events API or GH Archive), normalized: who, where, what, when.
// Payload-derived records (an opened issue, a comment, a review) are filled when present.
struct EventRecord {
  std::string id;    // empty for GH Archive's 2011-2014 timeline events, which have none
  std::string type;  // "PushEvent", "IssuesEvent", ...
  UserRef actor;
  std::string repo_name;  // "owner/repo"
  std::int64_t repo_id = 0;
  std::string created_at;
  std::string action;                    // payload.action, when any
  std::optional<IssueRecord> issue;      // IssuesEvent, IssueCommentEvent, PullRequestEvent
  std::optional<CommentRecord> comment;  // IssueCommentEvent, PullRequestReviewCommentEvent
  std::optional<ReviewRecord> review;    // PullRequestReviewEvent
  // A 2011-2014 timeline event: its actor is known by login only (actor.id is 0), so the
  // store resolves the account from the logins it already knows.
  bool timeline = false;
};

}  // namespace ghharvest::model
