#include "ghharvest/store/operator_facts.hpp"

namespace ghharvest::store {
namespace {

bool HasTable(Database& db, const char* name) {
  auto r = db.QueryText("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?1",
                        std::string(name));
  return r.ok() && r->has_value();
}

}  // namespace

Result<OperatorFacts> ReadOperatorFacts(Database& db) {
  ReadSnapshot snapshot(db);
  if (!snapshot.status().ok()) return snapshot.status();
  OperatorFacts out;
  auto pages = db.QueryInt("PRAGMA page_count");
  if (!pages.ok()) return pages.status();
  auto page_size = db.QueryInt("PRAGMA page_size");
  if (!page_size.ok()) return page_size.status();
  out.database_bytes = pages->value_or(0) * page_size->value_or(0);

  struct Kind {
    const char* kind;
    const char* table;
    const char* sql;
  };
  static constexpr Kind kKinds[] = {
      {"commits", "commits", "SELECT COUNT(*) FROM commits"},
      {"issues", "issues", "SELECT COUNT(*) FROM issues WHERE is_pull = 0"},
      {"pull_requests", "issues", "SELECT COUNT(*) FROM issues WHERE is_pull = 1"},
      {"issue_comments", "issue_comments", "SELECT COUNT(*) FROM issue_comments"},
      {"review_comments", "review_comments", "SELECT COUNT(*) FROM review_comments"},
      {"reviews", "reviews", "SELECT COUNT(*) FROM reviews"},
      {"posts", "posts", "SELECT COUNT(*) FROM posts"},
  };
  for (const Kind& k : kKinds) {
    if (!HasTable(db, k.table)) continue;
    auto n = db.QueryInt(k.sql);
    if (!n.ok()) return n.status();
    out.items.emplace_back(k.kind, n->value_or(0));
  }

  if (HasTable(db, "list_pages")) {
    auto st = db.Prepare(
        "SELECT scope, MIN(newest) FROM (SELECT scope, MAX(checked_at) AS newest FROM list_pages"
        " GROUP BY scope, endpoint) GROUP BY scope ORDER BY scope");
    if (!st.ok()) return st.status();
    StatementGuard g(**st);
    while (g->Step()) out.repositories.push_back({g->Text(0), g->Text(1)});
    if (!g->status().ok()) return g->status();
  }
  return out;
}

}  // namespace ghharvest::store
