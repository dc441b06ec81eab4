#include "ghharvest/store/status_snapshot.hpp"

namespace ghharvest::store {
namespace {

// Runs `sql` (bound to `arg` when it has a parameter) and hands each row to `row`.
template <typename F>
Status Each(Database& db, std::string_view sql, F row, std::optional<std::int64_t> arg = {}) {
  auto st = db.Prepare(sql);
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  if (arg) g->Bind(1, *arg);
  while (g->Step()) row(*g);
  return g->status();
}

}  // namespace

Result<StatusSnapshot> ReadStatusSnapshot(Database& db, int max_errors) {
  ReadSnapshot snapshot(db);
  if (!snapshot.status().ok()) return snapshot.status();
  StatusSnapshot out;
  out.schema_version = db.UserVersion();
  Status s = Each(db,
                  "SELECT writer, repo_name, source, status, first_seen, gone_at FROM watches "
                  "ORDER BY writer COLLATE NOCASE, repo_name COLLATE NOCASE",
                  [&](Statement& r) {
                    out.watches.push_back(
                        {r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4), r.OptText(5)});
                  });
  if (!s.ok()) return s;
  // writers.gone_at since version 13 (Ingest::MarkWriterGone); the next look is the users
  // row of sync_state.
  s = Each(
      db,
      out.schema_version >= 13 ? "SELECT w.login, w.user_id, w.gone_at, s.next_poll_at, s.watermark"
                                 " FROM writers w LEFT JOIN sync_state s"
                                 " ON s.endpoint = 'users' AND s.scope = lower(w.login)"
                               : "SELECT login, user_id, NULL, NULL, NULL FROM writers",
      [&](Statement& r) {
        out.writers.push_back({r.Text(0), r.OptInt(1), r.OptText(2), r.OptText(3), r.OptText(4)});
      });
  if (!s.ok()) return s;
  s = Each(
      db,
      "SELECT endpoint, scope, watermark, cursor, updated_at FROM sync_state "
      "ORDER BY scope, endpoint",
      [&](Statement& r) {
        out.watermarks.push_back({r.Text(0), r.Text(1), r.OptText(2), r.OptText(3), r.Text(4)});
      });
  if (!s.ok()) return s;
  s = Each(db, "SELECT resource, quota, remaining, reset_at, seen_at FROM rate_limits ORDER BY 1",
           [&](Statement& r) {
             out.rate_limits.push_back({r.Text(0), r.Int(1), r.Int(2), r.Text(3), r.Text(4)});
           });
  if (!s.ok()) return s;
  if (out.schema_version >= 12) {  // credential_budgets came in version 12
    s = Each(db,
             "SELECT credential, resource, quota, remaining, reset_at, seen_at, revoked"
             " FROM credential_budgets ORDER BY credential, resource",
             [&](Statement& r) {
               out.credentials.push_back(
                   {r.Text(0), r.Text(1), r.Int(2), r.Int(3), r.Text(4), r.Text(5), r.Int(6) != 0});
             });
    if (!s.ok()) return s;
  }
  s = Each(
      db, "SELECT at, scope, url, message FROM sync_errors ORDER BY id DESC LIMIT ?1",
      [&](Statement& r) {
        out.errors.push_back({r.Text(0), r.OptText(1), r.OptText(2), r.Text(3)});
      },
      max_errors);
  if (!s.ok()) return s;
  return out;
}

}  // namespace ghharvest::store
