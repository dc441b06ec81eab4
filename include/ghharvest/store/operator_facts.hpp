// What the operator's views (the daemon's metrics, `ghharvest status --json`) read from the
// database: its size, the rows stored per kind and when each repository's lists were last
// read. One snapshot; tables a database of an older schema lacks are left out.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ghharvest/store/database.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::store {

struct OperatorFacts {
  std::int64_t database_bytes = 0;  // the main file's pages (page_count * page_size)
  // Rows stored per kind: commits, issues, pull_requests, issue_comments, review_comments,
  // reviews, posts; in that order.
  std::vector<std::pair<std::string, std::int64_t>> items;
  struct RepositorySync {
    std::string repository;  // 'owner/repo' as the harvester asked for it
    // ISO 8601: the oldest of the newest reads of each of its lists (200 or 304), so every
    // list of the repository was read at or after this time.
    std::string last_sync;
  };
  std::vector<RepositorySync> repositories;  // by name
};

Result<OperatorFacts> ReadOperatorFacts(Database& db);

}  // namespace ghharvest::store
