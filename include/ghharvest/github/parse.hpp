// Parsers for GitHub REST responses, straight from JSON text into the plain records of
// records.hpp (simdjson On-Demand underneath; no JSON type leaks out).
//
// Contract, for every function:
// - `body` is one whole response body. When body.capacity() >= body.size() + kJsonPadding
//   it is parsed in place (no copy); otherwise it is copied into a padded buffer first.
//   ReservePadding() lets a caller (the HTTP client) make the in-place path the common one.
// - Missing optional fields leave the record's defaults; `user: null` / `author: null`
//   (deleted or unknown accounts) become nullopt.
// - Malformed or truncated JSON, or a field of the wrong type, gives Status::Corruption
//   with a message naming the field and, when known, the byte offset.
// - Thread-safe: each thread uses its own simdjson parser, reused across calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghharvest/github/model_names.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::github {

// simdjson::SIMDJSON_PADDING, restated so callers need not include simdjson.
inline constexpr std::size_t kJsonPadding = 64;

// Grows body's capacity so the parsers can read it in place.
void ReservePadding(std::string& body);

// GET /repos/{owner}/{repo}
Result<RepoRecord> ParseRepo(const std::string& body);
// GET /users/{login} (or any user object)
Result<UserRef> ParseUser(const std::string& body);
// GET /repos/{o}/{r}/commits: author = the GitHub account (nullopt when none); dates from
// commit.author.date / commit.committer.date.
Result<std::vector<CommitRecord>> ParseCommitList(const std::string& body);
// GET /repos/{o}/{r}/compare/{base}...{head}: `commits` read as ParseCommitList's items;
// `files`, `base_commit` and the rest are skipped.
Result<ComparisonPage> ParseComparison(const std::string& body);
// GET /repos/{o}/{r}/issues: issues and pull requests (key `pull_request` -> is_pull,
// merged_at from pull_request.merged_at).
Result<std::vector<IssueRecord>> ParseIssueList(const std::string& body);
// GET /repos/{o}/{r}/issues/comments (or .../issues/{n}/comments): number from issue_url.
Result<std::vector<CommentRecord>> ParseIssueCommentList(const std::string& body);
// GET /repos/{o}/{r}/pulls/comments: number from pull_request_url, review_id from
// pull_request_review_id.
Result<std::vector<CommentRecord>> ParseReviewCommentList(const std::string& body);
// GET /repos/{o}/{r}/pulls/{n}/reviews: pull_number from pull_request_url.
Result<std::vector<ReviewRecord>> ParseReviewList(const std::string& body);
// GET /search/issues
Result<SearchPage> ParseSearchIssues(const std::string& body);
// GET /users/{login}/repos (or /orgs/{org}/repos)
Result<std::vector<RepoRecord>> ParseRepoList(const std::string& body);

// ".../repos/owner/repo" (also ".../repos/owner/repo/issues/3") -> "owner/repo";
// nullopt when the URL has no /repos/ segment.
std::optional<std::string> RepoFullNameFromUrl(std::string_view url);
// The trailing number of ".../issues/42" or ".../pulls/42"; nullopt when there is none.
std::optional<std::int64_t> TrailingNumber(std::string_view url);

}  // namespace ghharvest::github
