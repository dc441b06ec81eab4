// Validators of earlier responses (ETag, Last-Modified) and their next-page link, per URL and
// token identity, in the SQLite table http_cache. ETags are tied to the token, so the key holds
// a hash of it (TokenIdentity), never the token.
#pragma once

#include <optional>
#include <string>

#include "ghharvest/util/status.hpp"

namespace ghharvest::store {
class Database;
}

namespace ghharvest::github {

struct CacheEntry {
  std::optional<std::string> etag;
  std::optional<std::string> last_modified;
  std::optional<std::string> next_url;
};

class EtagCache {
 public:
  // `db` may be null: then nothing is remembered.
  EtagCache(store::Database* db, std::string token_id) : db_(db), token_id_(std::move(token_id)) {}

  std::optional<CacheEntry> Lookup(const std::string& url);
  Status Store(const std::string& url, const CacheEntry& entry);
  Status Forget(const std::string& url);

 private:
  store::Database* db_;
  std::string token_id_;
};

}  // namespace ghharvest::github
