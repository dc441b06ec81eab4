// Pages of the lists read in creation order (tables list_pages and tombstones, schema 0008):
// where each page of a list ended the last time it was read, and the items that vanished
// from a re-read page, moved to tombstones. docs/harvesting.md says how the harvester uses
// them; docs/schema.md describes the tables.
//
// No method opens a transaction: the caller stores a page's rows, its end and its tombstones
// in the page's one transaction. Not thread-safe (one per Database, on its thread).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghharvest/store/database.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::store {

enum class ItemTable { kIssues, kIssueComments, kReviewComments };

struct PageEnd {
  std::optional<std::int64_t> last_id;  // nullopt: the page was empty
};

class ListPages {
 public:
  explicit ListPages(Database& db) : db_(db) {}

  // Where page `page` (1-based) of the list ended when it was last read; nullopt: never read.
  Result<std::optional<PageEnd>> Get(std::string_view endpoint, std::string_view scope,
                                     std::int64_t page);
  Status Set(std::string_view endpoint, std::string_view scope, std::int64_t page,
             const PageEnd& end, std::string_view checked_at);
  // How many pages of the list are recorded (the highest page number; 0: none).
  Result<std::int64_t> PageCount(std::string_view endpoint, std::string_view scope);
  // Forgets the pages after `page` (the list got shorter).
  Status DropAfter(std::string_view endpoint, std::string_view scope, std::int64_t page);

  // Rows of `table` in repository `repo_id` with lower < id <= upper (an unset bound is
  // open) whose id is not in `present` are moved to tombstones, dated `noticed_at`; ids in
  // `present` lose any tombstone (an item seen again is alive). Rows with id <= 0 (stand-ins
  // for pull requests known only by their pull-request id) are never tombstoned. Returns how
  // many rows were moved. A non-empty `author` (a login, any case) limits it to that
  // account's rows: a per-writer list speaks only for its writer's items.
  Result<std::int64_t> TombstoneMissing(ItemTable table, std::int64_t repo_id,
                                        std::optional<std::int64_t> lower,
                                        std::optional<std::int64_t> upper,
                                        const std::vector<std::int64_t>& present,
                                        std::string_view noticed_at, std::string_view author = {});

  // Whether the store holds any row of `table` in `repo_id` with id > after (unset: > 0), of
  // `author` only when one is named.
  Result<bool> AnyAfter(ItemTable table, std::int64_t repo_id, std::optional<std::int64_t> after,
                        std::string_view author = {});

  // How many rows of `table` in `repo_id` have lower < id <= upper (an unset bound is open;
  // ids <= 0 never count), of `author` only when one is named: how full a page was.
  Result<std::int64_t> CountStretch(ItemTable table, std::int64_t repo_id,
                                    std::optional<std::int64_t> lower,
                                    std::optional<std::int64_t> upper,
                                    std::string_view author = {});

  // How many of repository `repo_id`'s stored issues and pull requests there are, and how
  // many of them `logins` (any case) opened: the planner's share for a list it has read.
  struct Share {
    std::int64_t own = 0, total = 0;
  };
  Result<Share> IssueShare(std::int64_t repo_id, const std::vector<std::string>& logins);

  // Tombstones of one repository (all: repo_id 0), for status and tests.
  Result<std::int64_t> CountTombstones(std::int64_t repo_id = 0);

  // After a read of repository `repo_id`'s whole default branch (a history rewrite): its
  // stored commits whose sha is not in `listed` are moved to commit_tombstones, dated
  // `noticed_at` (Ingest::UpsertCommits takes a listed commit's tombstone away: a branch
  // restored). Returns how many were moved.
  Result<std::int64_t> BuryCommitsNotListed(std::int64_t repo_id, std::vector<std::string> listed,
                                            std::string_view noticed_at);
  // Commit tombstones of one repository (all: repo_id 0).
  Result<std::int64_t> CountCommitTombstones(std::int64_t repo_id = 0);

 private:
  // Calls `each` with the id of every row CountStretch would count, in id order.
  Status EachInStretch(ItemTable table, std::int64_t repo_id, std::optional<std::int64_t> lower,
                       std::optional<std::int64_t> upper, std::string_view author,
                       const std::function<void(std::int64_t)>& each);

  Database& db_;
};

}  // namespace ghharvest::store
