#include "ghharvest/store/http_cache.hpp"

namespace ghharvest::store {

std::optional<model::HttpValidators> HttpCache::Lookup(const std::string& url,
                                                       const std::string& token_id) {
  auto stmt = db_.Prepare(
      "SELECT etag, last_modified, next_url FROM http_cache WHERE url = ?1 AND token_id = ?2");
  // A cache that cannot be read is an empty cache: the request goes out unconditional.
  if (!stmt.ok()) return std::nullopt;
  StatementGuard g(**stmt);
  g->Bind(1, url).Bind(2, token_id);
  if (!g->Step()) return std::nullopt;
  model::HttpValidators e{g->OptText(0), g->OptText(1), g->OptText(2)};
  if (!e.etag && !e.last_modified) return std::nullopt;
  return e;
}

Status HttpCache::Save(const std::string& url, const std::string& token_id,
                       const model::HttpValidators& entry) {
  auto stmt = db_.Prepare(
      "INSERT INTO http_cache (url, token_id, etag, last_modified, next_url, stored_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%SZ','now')) "
      "ON CONFLICT (url, token_id) DO UPDATE SET etag = excluded.etag, "
      "last_modified = excluded.last_modified, next_url = excluded.next_url, "
      "stored_at = excluded.stored_at");
  if (!stmt.ok()) return stmt.status();
  StatementGuard g(**stmt);
  g->Bind(1, url).Bind(2, token_id).Bind(3, entry.etag).Bind(4, entry.last_modified);
  g->Bind(5, entry.next_url);
  return g->Run();
}

Status HttpCache::Forget(const std::string& url, const std::string& token_id) {
  auto stmt = db_.Prepare("DELETE FROM http_cache WHERE url = ?1 AND token_id = ?2");
  if (!stmt.ok()) return stmt.status();
  StatementGuard g(**stmt);
  g->Bind(1, url).Bind(2, token_id);
  return g->Run();
}

}  // namespace ghharvest::store
