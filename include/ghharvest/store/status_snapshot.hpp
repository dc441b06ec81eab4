// What `ghharvest status` shows, read in one snapshot: watches, writers' resolved ids,
// watermarks, the last rate-limit state seen per resource and the newest sync errors.
// The CLI only formats it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ghharvest/store/database.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::store {

struct StatusSnapshot {
  int schema_version = 0;
  struct Watch {
    std::string writer, repo, source, status, since;
    std::optional<std::string> gone_at;
  };
  std::vector<Watch> watches;  // by writer, then repo (case-insensitively)
  struct Writer {
    std::string login;
    std::optional<std::int64_t> user_id;
    // When the account was found gone (Ingest::MarkWriterGone), and when it is looked at next;
    // when its login first answered 404 (set until it answers again).
    std::optional<std::string> gone_at, next_look, first_404;
  };
  std::vector<Writer> writers;
  struct Mark {
    std::string endpoint, scope;
    std::optional<std::string> watermark, cursor;
    std::string updated_at;
  };
  std::vector<Mark> watermarks;  // by scope, then endpoint
  struct RateLimit {
    std::string resource;
    std::int64_t quota = 0, remaining = 0;
    std::string reset_at, seen_at;
  };
  std::vector<RateLimit> rate_limits;  // the last budget seen per resource, by resource
  struct Credential {
    std::string credential, resource;  // fingerprint, bucket
    std::int64_t quota = 0, remaining = 0;
    std::string reset_at, seen_at;
    bool revoked = false;
  };
  std::vector<Credential> credentials;  // each credential's budget (schema 10), by fingerprint
  struct Error {
    std::string at;
    std::optional<std::string> scope, url;
    std::string message;
  };
  std::vector<Error> errors;  // newest first
};

// `max_errors` newest rows of sync_errors.
Result<StatusSnapshot> ReadStatusSnapshot(Database& db, int max_errors = 10);

}  // namespace ghharvest::store
