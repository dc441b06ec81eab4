#include "ghharvest/store/writers.hpp"
#include "ghharvest/util/names.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace ghharvest::store {
namespace {

Result<std::vector<std::string>> Column(Database& db, std::string_view sql,
                                        std::string_view arg = {}, bool bind = false) {
  auto st = db.Prepare(sql);
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  if (bind) g->Bind(1, arg);
  std::vector<std::string> out;
  while (g->Step()) out.push_back(g->Text(0));
  if (!g->status().ok()) return g->status();
  return out;
}

Status Run(Database& db, std::string_view sql, std::string_view a) {
  auto st = db.Prepare(sql);
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  return g->Bind(1, a).Run();
}

Status Run(Database& db, std::string_view sql, std::string_view a, std::string_view b) {
  auto st = db.Prepare(sql);
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  return g->Bind(1, a).Bind(2, b).Run();
}

Status SyncWriter(Database& db, const model::WatchedWriter& w) {
  if (Status s = Run(db,
                     "INSERT INTO writers(login) VALUES (?1) "
                     "ON CONFLICT(login) DO UPDATE SET login = excluded.login",
                     w.login);
      !s.ok()) {
    return s;
  }
  auto before = Column(db,
                       "SELECT lower(repo_name) FROM watches WHERE writer = ?1 AND "
                       "source = 'config'",
                       w.login, true);
  if (!before.ok()) return before.status();
  std::set<std::string> old_set(before->begin(), before->end());
  std::set<std::string> new_set;
  for (const std::string& r : w.repos) new_set.insert(AsciiLower(r));

  // Watches to drop: former config repos no longer listed; with explicit repos, anything else.
  std::vector<std::pair<std::string, std::string>> all;  // (repo_name, source)
  {
    auto st = db.Prepare("SELECT repo_name, source FROM watches WHERE writer = ?1");
    if (!st.ok()) return st.status();
    StatementGuard g(**st);
    g->Bind(1, w.login);
    while (g->Step()) all.emplace_back(g->Text(0), g->Text(1));
    if (!g->status().ok()) return g->status();
  }
  for (const auto& [repo, source] : all) {
    bool listed = new_set.count(AsciiLower(repo)) > 0;
    bool drop = !listed && (source == "config" || !w.repos.empty());
    if (drop) {
      if (Status s =
              Run(db, "DELETE FROM watches WHERE writer = ?1 AND repo_name = ?2", w.login, repo);
          !s.ok()) {
        return s;
      }
    }
  }
  for (const std::string& repo : w.repos) {
    // Follows the config's spelling of the repo name; adopts a discovered watch.
    if (Status s = Run(db,
                       "INSERT INTO watches(writer, repo_name, source) VALUES (?1, ?2, 'config') "
                       "ON CONFLICT(writer, repo_name) DO UPDATE SET source = 'config', "
                       "writer = excluded.writer, repo_name = excluded.repo_name",
                       w.login, repo);
        !s.ok()) {
      return s;
    }
  }
  if (old_set != new_set) {
    if (Status s = Run(db,
                       "UPDATE watches SET status = 'active', gone_at = NULL "
                       "WHERE writer = ?1 AND status = 'gone' AND source = 'config'",
                       w.login);
        !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

}  // namespace

Status SyncWriters(Database& db, const std::vector<model::WatchedWriter>& writers) {
  Transaction tx(db);
  if (!tx.status().ok()) return tx.status();
  std::set<std::string> configured;
  for (const auto& w : writers) configured.insert(AsciiLower(w.login));

  auto existing = Column(db, "SELECT login FROM writers");
  if (!existing.ok()) return existing.status();
  for (const std::string& login : *existing) {
    if (configured.count(AsciiLower(login))) continue;
    if (Status s = Run(db, "DELETE FROM watches WHERE writer = ?1", login); !s.ok()) return s;
    if (Status s = Run(db, "DELETE FROM writers WHERE login = ?1", login); !s.ok()) return s;
  }
  for (const auto& w : writers) {
    if (Status s = SyncWriter(db, w); !s.ok()) {
      return Status::IOError(fmt::format("mirroring writer {}: {}", w.login, s.message()));
    }
  }
  return tx.Commit();
}

Result<std::vector<WatchedRepo>> ListWatchedRepos(Database& db) {
  auto st = db.Prepare(
      "SELECT w.repo_name, w.repo_id, r.full_name FROM watches w"
      " LEFT JOIN repos r ON r.id = w.repo_id");
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  std::vector<WatchedRepo> out;
  while (g->Step()) out.push_back(WatchedRepo{g->Text(0), g->OptInt(1), g->OptText(2)});
  if (!g->status().ok()) return g->status();
  return out;
}

}  // namespace ghharvest::store
