// The client's view of its EtagStore: one token identity bound in, and no store at all
// behaving as an empty cache that forgets everything.
#pragma once

#include <optional>
#include <string>

#include "ghharvest/github/etag_store.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::github {

class EtagCache {
 public:
  // `store` may be null: then nothing is remembered.
  EtagCache(EtagStore* store, std::string token_id)
      : store_(store), token_id_(std::move(token_id)) {}

  std::optional<CacheEntry> Lookup(const std::string& url) {
    return store_ ? store_->Lookup(url, token_id_) : std::nullopt;
  }
  Status Store(const std::string& url, const CacheEntry& entry) {
    return store_ ? store_->Save(url, token_id_, entry) : Status::Ok();
  }
  Status Forget(const std::string& url) {
    return store_ ? store_->Forget(url, token_id_) : Status::Ok();
  }

 private:
  EtagStore* store_;
  std::string token_id_;
};

}  // namespace ghharvest::github
