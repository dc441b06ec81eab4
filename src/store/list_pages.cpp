#include "ghharvest/store/list_pages.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <string>

#include "store/counting_rules.hpp"

namespace ghharvest::store {
namespace {

// Rows by one author when ?4 names a login (a per-writer list speaks for that writer's items
// only), everyone's when it is NULL. The author is the writer's account as the counts choose
// it (counting_rules.hpp), so a reused login's list does not judge the old account's items;
// a login no writers row names is every account under it.
#define GHH_BY_AUTHOR                                                                     \
  " AND (?4 IS NULL OR user_id IN (SELECT u.id FROM users u"                              \
  " LEFT JOIN writers w ON w.login = ?4 COLLATE NOCASE WHERE u.login = ?4 COLLATE NOCASE" \
  " AND " GHH_WRITERS_ACCOUNT "))"

struct TableSql {
  const char* kind;
  const char* select;  // ids in a range, in order
  const char* bury;    // copy one row into tombstones
  const char* remove;  // and delete it
};

// The SQL of one item table. The range is an id range on the primary key, so a page's
// check reads only that page's stretch of the table.
const TableSql& Sql(ItemTable t) {
  static const TableSql kIssues{
      "issue",
      "SELECT id FROM issues WHERE id > ?2 AND id <= ?3 AND repo_id = ?1" GHH_BY_AUTHOR
      " ORDER BY id",
      "INSERT INTO tombstones(kind, id, repo_id, number, user_id, created_at, reactions_total,"
      " noticed_at) SELECT 'issue', id, repo_id, number, user_id, created_at, reactions_total, ?2"
      " FROM issues WHERE id = ?1 ON CONFLICT(kind, id) DO UPDATE SET noticed_at = "
      "excluded.noticed_at",
      "DELETE FROM issues WHERE id = ?1"};
  static const TableSql kIssueComments{
      "issue_comment",
      "SELECT id FROM issue_comments WHERE id > ?2 AND id <= ?3 AND repo_id = ?1" GHH_BY_AUTHOR
      " ORDER BY id",
      "INSERT INTO tombstones(kind, id, repo_id, number, user_id, created_at, reactions_total,"
      " noticed_at) SELECT 'issue_comment', id, repo_id, issue_number, user_id, created_at,"
      " reactions_total, ?2 FROM issue_comments WHERE id = ?1"
      " ON CONFLICT(kind, id) DO UPDATE SET noticed_at = excluded.noticed_at",
      "DELETE FROM issue_comments WHERE id = ?1"};
  static const TableSql kReviewComments{
      "review_comment",
      "SELECT id FROM review_comments WHERE id > ?2 AND id <= ?3 AND repo_id = ?1" GHH_BY_AUTHOR
      " ORDER BY id",
      "INSERT INTO tombstones(kind, id, repo_id, number, user_id, created_at, reactions_total,"
      " noticed_at) SELECT 'review_comment', id, repo_id, pull_number, user_id, created_at,"
      " reactions_total, ?2 FROM review_comments WHERE id = ?1"
      " ON CONFLICT(kind, id) DO UPDATE SET noticed_at = excluded.noticed_at",
      "DELETE FROM review_comments WHERE id = ?1"};
  switch (t) {
    case ItemTable::kIssues:
      return kIssues;
    case ItemTable::kIssueComments:
      return kIssueComments;
    case ItemTable::kReviewComments:
      break;
  }
  return kReviewComments;
}

void BindAuthor(Statement& st, std::string_view author) {
  if (author.empty()) {
    st.BindNull(4);
  } else {
    st.Bind(4, author);
  }
}

}  // namespace

Result<std::optional<PageEnd>> ListPages::Get(std::string_view endpoint, std::string_view scope,
                                              std::int64_t page) {
  auto st = db_.Prepare(
      "SELECT last_id FROM list_pages WHERE endpoint = ?1 AND scope = ?2 AND page = ?3");
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  g->Bind(1, endpoint).Bind(2, scope).Bind(3, page);
  if (!g->Step()) {
    if (!g->status().ok()) return g->status();
    return std::optional<PageEnd>();
  }
  return std::optional<PageEnd>(PageEnd{g->OptInt(0)});
}

Status ListPages::Set(std::string_view endpoint, std::string_view scope, std::int64_t page,
                      const PageEnd& end, std::string_view checked_at) {
  auto st = db_.Prepare(
      "INSERT INTO list_pages(endpoint, scope, page, last_id, checked_at)"
      " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(endpoint, scope, page) DO UPDATE SET"
      " last_id = excluded.last_id, checked_at = excluded.checked_at");
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  g->Bind(1, endpoint).Bind(2, scope).Bind(3, page).Bind(4, end.last_id).Bind(5, checked_at);
  return g->Run();
}

Result<std::int64_t> ListPages::PageCount(std::string_view endpoint, std::string_view scope) {
  auto st = db_.Prepare(
      "SELECT COALESCE(MAX(page), 0) FROM list_pages WHERE endpoint = ?1 AND scope = ?2");
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  g->Bind(1, endpoint).Bind(2, scope);
  if (!g->Step()) return g->status().ok() ? Status::IOError("no row") : g->status();
  return g->Int(0);
}

Status ListPages::DropAfter(std::string_view endpoint, std::string_view scope, std::int64_t page) {
  auto st = db_.Prepare("DELETE FROM list_pages WHERE endpoint = ?1 AND scope = ?2 AND page > ?3");
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  g->Bind(1, endpoint).Bind(2, scope).Bind(3, page);
  return g->Run();
}

Result<std::int64_t> ListPages::TombstoneMissing(ItemTable table, std::int64_t repo_id,
                                                 std::optional<std::int64_t> lower,
                                                 std::optional<std::int64_t> upper,
                                                 const std::vector<std::int64_t>& present,
                                                 std::string_view noticed_at,
                                                 std::string_view author) {
  const TableSql& sql = Sql(table);
  std::vector<std::int64_t> seen = present;
  std::sort(seen.begin(), seen.end());
  std::vector<std::int64_t> missing;
  if (Status s = EachInStretch(table, repo_id, lower, upper, author,
                               [&](std::int64_t id) {
                                 if (!std::binary_search(seen.begin(), seen.end(), id))
                                   missing.push_back(id);
                               });
      !s.ok()) {
    return s;
  }
  for (std::int64_t id : missing) {
    auto bury = db_.Prepare(sql.bury);
    if (!bury.ok()) return bury.status();
    {
      StatementGuard g(**bury);
      g->Bind(1, id).Bind(2, noticed_at);
      if (Status s = g->Run(); !s.ok()) return s;
    }
    auto remove = db_.Prepare(sql.remove);
    if (!remove.ok()) return remove.status();
    StatementGuard g(**remove);
    g->Bind(1, id);
    if (Status s = g->Run(); !s.ok()) return s;
  }
  if (!seen.empty()) {
    // Rare (an item that reappeared after a walk raced a deletion), so first one range
    // lookup on the primary key; only when it finds any, one delete per id.
    auto any =
        db_.Prepare("SELECT 1 FROM tombstones WHERE kind = ?1 AND id >= ?2 AND id <= ?3 LIMIT 1");
    if (!any.ok()) return any.status();
    bool found = false;
    {
      StatementGuard g(**any);
      g->Bind(1, sql.kind).Bind(2, seen.front()).Bind(3, seen.back());
      found = g->Step();
      if (!g->status().ok()) return g->status();
    }
    if (!found) return static_cast<std::int64_t>(missing.size());
    auto st = db_.Prepare("DELETE FROM tombstones WHERE kind = ?1 AND id = ?2");
    if (!st.ok()) return st.status();
    for (std::int64_t id : seen) {
      StatementGuard g(**st);
      g->Bind(1, sql.kind).Bind(2, id);
      if (Status s = g->Run(); !s.ok()) return s;
    }
  }
  return static_cast<std::int64_t>(missing.size());
}

Status ListPages::EachInStretch(ItemTable table, std::int64_t repo_id,
                                std::optional<std::int64_t> lower,
                                std::optional<std::int64_t> upper, std::string_view author,
                                const std::function<void(std::int64_t)>& each) {
  auto st = db_.Prepare(Sql(table).select);
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  g->Bind(1, repo_id)
      .Bind(2, std::max<std::int64_t>(lower.value_or(0), 0))
      .Bind(3, upper.value_or(std::numeric_limits<std::int64_t>::max()));
  BindAuthor(*g, author);
  while (g->Step()) each(g->Int(0));
  return g->status();
}

Result<std::int64_t> ListPages::CountStretch(ItemTable table, std::int64_t repo_id,
                                             std::optional<std::int64_t> lower,
                                             std::optional<std::int64_t> upper,
                                             std::string_view author) {
  std::int64_t n = 0;
  if (Status s = EachInStretch(table, repo_id, lower, upper, author, [&n](std::int64_t) { ++n; });
      !s.ok()) {
    return s;
  }
  return n;
}

Result<bool> ListPages::AnyAfter(ItemTable table, std::int64_t repo_id,
                                 std::optional<std::int64_t> after, std::string_view author) {
  const char* sql =
      table == ItemTable::kIssues
          ? "SELECT 1 FROM issues WHERE id > ?2 AND repo_id = ?1" GHH_BY_AUTHOR " LIMIT 1"
      : table == ItemTable::kIssueComments
          ? "SELECT 1 FROM issue_comments WHERE id > ?2 AND repo_id = ?1" GHH_BY_AUTHOR " LIMIT 1"
          : "SELECT 1 FROM review_comments WHERE id > ?2 AND repo_id = ?1" GHH_BY_AUTHOR " LIMIT 1";
  auto st = db_.Prepare(sql);
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  g->Bind(1, repo_id).Bind(2, std::max<std::int64_t>(after.value_or(0), 0));
  BindAuthor(*g, author);
  bool found = g->Step();
  if (!g->status().ok()) return g->status();
  return found;
}

Result<ListPages::Share> ListPages::IssueShare(std::int64_t repo_id,
                                               const std::vector<std::string>& logins) {
  std::string in;
  for (std::size_t i = 0; i < logins.size(); ++i) {
    in += (i ? ", ?" : "?") + std::to_string(i + 2);
  }
  if (in.empty()) in = "NULL";
  auto st = db_.Prepare(
      "SELECT COUNT(*), COALESCE(SUM(user_id IN (SELECT id FROM users WHERE login COLLATE NOCASE"
      " IN (" +
      in + "))), 0) FROM issues WHERE repo_id = ?1 AND id > 0");
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  g->Bind(1, repo_id);
  for (std::size_t i = 0; i < logins.size(); ++i) g->Bind(static_cast<int>(i + 2), logins[i]);
  if (!g->Step()) return g->status().ok() ? Status::IOError("no row") : g->status();
  return Share{g->Int(1), g->Int(0)};
}

Result<std::int64_t> ListPages::CountTombstones(std::int64_t repo_id) {
  auto st = db_.Prepare("SELECT COUNT(*) FROM tombstones WHERE ?1 = 0 OR repo_id = ?1");
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  g->Bind(1, repo_id);
  if (!g->Step()) return g->status().ok() ? Status::IOError("no row") : g->status();
  return g->Int(0);
}

Result<std::int64_t> ListPages::BuryCommitsNotListed(std::int64_t repo_id,
                                                     std::vector<std::string> listed,
                                                     std::string_view noticed_at) {
  std::sort(listed.begin(), listed.end());
  std::vector<std::string> missing;
  {
    auto st = db_.Prepare("SELECT sha FROM commits WHERE repo_id = ?1");
    if (!st.ok()) return st.status();
    StatementGuard g(**st);
    g->Bind(1, repo_id);
    while (g->Step()) {
      std::string sha = g->Text(0);
      if (!std::binary_search(listed.begin(), listed.end(), sha)) missing.push_back(sha);
    }
    if (!g->status().ok()) return g->status();
  }
  for (const auto& sha : missing) {
    auto bury = db_.Prepare(
        "INSERT INTO commit_tombstones(repo_id, sha, author_id, committed_at, authored_at,"
        " html_url, noticed_at) SELECT repo_id, sha, author_id, committed_at, authored_at,"
        " html_url, ?3 FROM commits WHERE repo_id = ?1 AND sha = ?2"
        " ON CONFLICT(repo_id, sha) DO UPDATE SET author_id = excluded.author_id,"
        " committed_at = excluded.committed_at, authored_at = excluded.authored_at,"
        " html_url = excluded.html_url, noticed_at = excluded.noticed_at");
    if (!bury.ok()) return bury.status();
    {
      StatementGuard g(**bury);
      g->Bind(1, repo_id).Bind(2, sha).Bind(3, noticed_at);
      if (Status s = g->Run(); !s.ok()) return s;
    }
    auto remove = db_.Prepare("DELETE FROM commits WHERE repo_id = ?1 AND sha = ?2");
    if (!remove.ok()) return remove.status();
    StatementGuard g(**remove);
    g->Bind(1, repo_id).Bind(2, sha);
    if (Status s = g->Run(); !s.ok()) return s;
  }
  // The listed commits were stored through Ingest::UpsertCommits, which took any tombstone
  // of theirs away (a branch restored).
  return static_cast<std::int64_t>(missing.size());
}

Result<std::int64_t> ListPages::CountCommitTombstones(std::int64_t repo_id) {
  auto st = db_.Prepare("SELECT COUNT(*) FROM commit_tombstones WHERE ?1 = 0 OR repo_id = ?1");
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  g->Bind(1, repo_id);
  if (!g->Step()) return g->status().ok() ? Status::IOError("no row") : g->status();
  return g->Int(0);
}

#undef GHH_BY_AUTHOR

}  // namespace ghharvest::store
