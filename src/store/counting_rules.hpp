// The counting rules of writer_project_counts (docs/schema.md) as SQL fragments, for the
// readers that do not go through the view: the scorer's fast reader (counts_reader.cpp) and
// the blog facts (report_state.cpp). The view spells the same rules in its migration
// (schema/0006_counts_view_spelling.sql, 0013_gone_writers.sql), which cannot change once shipped;
// score_scorer_test and score_randomized_test check that the readers and the view agree.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace ghharvest::store::rules {

// Which stored accounts (users `u`) under a writer's login (writers `w`, joined on
// `u.login = w.login COLLATE NOCASE`) are the writer's: once its lookup resolved the login
// (writers.user_id) only that id, so a login GitHub gave to a new account after the old one
// was deleted counts only the new one (schema/0014_writer_account_by_id.sql, which spells the
// same rule); before that, every one. A macro so the fragments below stay literals.
#define GHH_WRITERS_ACCOUNT "(w.user_id IS NULL OR u.id = w.user_id)"

// The GitHub ids of the watched writers' accounts, but not of a writer whose account is
// gone (writers.gone_at, schema/0013_gone_writers.sql).
inline constexpr std::string_view kWatchedUserIds =
    "(SELECT u.id FROM writers w JOIN users u ON u.login = w.login COLLATE NOCASE"
    " WHERE w.gone_at IS NULL AND " GHH_WRITERS_ACCOUNT ")";

// "id, name" of each of those accounts, named as writer_project_counts names its writer: the
// smallest spelling the store holds under the writer's login (of any account).
inline constexpr std::string_view kWatchedAccountNames =
    "SELECT u.id, (SELECT MIN(u2.login) FROM users u2 WHERE u2.login = w.login COLLATE NOCASE)"
    " FROM writers w JOIN users u ON u.login = w.login COLLATE NOCASE"
    " WHERE w.gone_at IS NULL AND " GHH_WRITERS_ACCOUNT;

// The same for the one writer ?1 (any case), gone or not.
inline constexpr std::string_view kWriterUserIds =
    "(SELECT u.id FROM writers w JOIN users u ON u.login = w.login COLLATE NOCASE"
    " WHERE w.login = ?1 COLLATE NOCASE AND " GHH_WRITERS_ACCOUNT ")";

// When writer ?1 (any case) was found gone; NULL while it is not (Ingest::WriterGoneAt).
inline constexpr std::string_view kWriterGoneAt = "SELECT gone_at FROM writers WHERE login = ?1";

// A review counts once submitted: PENDING reviews are drafts only their author sees.
inline constexpr std::string_view kCountedReview = "state <> 'PENDING'";

// Feedback on an item (an issues row aliased `i`): a comment, aliased `c`, by someone other
// than the item's author and not by a bot (`cu` is the commenter; a comment of a deleted
// account counts). `comments` is issue_comments or review_comments, `number_column` the
// column naming the item (issue_number, pull_number).
inline constexpr std::string_view kFeedbackFilter =
    "c.user_id IS NOT i.user_id AND COALESCE(cu.is_bot, 0) = 0";

// "JOIN <comments> c ... LEFT JOIN users cu ...": every comment on each `i`, with its author.
inline std::string FeedbackJoin(std::string_view comments, std::string_view number_column) {
  return fmt::format(
      "JOIN {} c ON c.repo_id = i.repo_id AND c.{} = i.number "
      "LEFT JOIN users cu ON cu.id = c.user_id",
      comments, number_column);
}

// "(SELECT COUNT(*) ...)": the feedback count of one `i`, as a scalar subquery.
inline std::string FeedbackCount(std::string_view comments, std::string_view number_column) {
  return fmt::format(
      "(SELECT COUNT(*) FROM {} c LEFT JOIN users cu ON cu.id = c.user_id "
      "WHERE c.repo_id = i.repo_id AND c.{} = i.number AND {})",
      comments, number_column, kFeedbackFilter);
}

}  // namespace ghharvest::store::rules
