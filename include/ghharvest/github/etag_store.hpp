// Where the client keeps validators between runs. The client defines what it needs; the
// program's composition root hands it one backed by the database (app/), tests hand it
// nothing (no cache) or an in-memory one. ETags belong to the token that fetched them, so
// every call names the token's identity (TokenIdentity), never the token.
#pragma once

#include <optional>
#include <string>

#include "ghharvest/model/http_validators.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::github {

using CacheEntry = model::HttpValidators;

class EtagStore {
 public:
  virtual ~EtagStore() = default;
  // nullopt when nothing usable is kept (no entry, or neither validator).
  virtual std::optional<CacheEntry> Lookup(const std::string& url, const std::string& token_id) = 0;
  virtual Status Save(const std::string& url, const std::string& token_id,
                      const CacheEntry& entry) = 0;
  virtual Status Forget(const std::string& url, const std::string& token_id) = 0;
};

}  // namespace ghharvest::github
