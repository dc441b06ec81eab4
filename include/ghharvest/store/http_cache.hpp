// The table http_cache: validators of earlier GitHub answers per (URL, token identity), so a
// restarted daemon still sends conditional requests. Keyed by a hash of the token, never the
// token itself.
#pragma once

#include <optional>
#include <string>

#include "ghharvest/model/http_validators.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::store {

class HttpCache {
 public:
  explicit HttpCache(Database& db) : db_(db) {}

  // nullopt when there is no row, or the row holds neither an ETag nor a Last-Modified.
  std::optional<model::HttpValidators> Lookup(const std::string& url, const std::string& token_id);
  Status Save(const std::string& url, const std::string& token_id,
              const model::HttpValidators& entry);
  Status Forget(const std::string& url, const std::string& token_id);

 private:
  Database& db_;
};

}  // namespace ghharvest::store
