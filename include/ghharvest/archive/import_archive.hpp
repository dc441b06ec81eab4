// GH Archive backfill (`ghharvest import-archive FILE...`): hourly .json.gz dumps of the
// public event stream, read as a gzip stream (never whole in memory), normalized by
// github/events.hpp and stored through store::Ingest, one transaction per batch of events.
// Bad lines are counted and reported as file:line, never failing the whole import.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "ghharvest/model/writers.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::archive {

struct ImportStats;

struct ImportOptions {
  int events_per_transaction = 5000;
  int max_reported_errors = 20;  // bad lines listed in `errors` (all are counted)
  // A longer line is a bad line, skipped up to its newline without being held in memory, so
  // a file without newlines (or a hostile one) cannot grow the importer. GH Archive's
  // longest real lines (a PushEvent's 20 commits, a long PR body) are well under 1 MiB.
  std::size_t max_line_bytes = std::size_t{64} << 20;
  // Bytes decompressed per read; memory is about max_line_bytes + 2 * read_block_bytes.
  // Tests and the fuzzer make it tiny to put lines across many reads.
  unsigned read_block_bytes = 1u << 20;
  // An hour of GH Archive holds all of public GitHub. When `filter` is set, only events in
  // the given repositories (by id, or by lowercase "owner/repo") or by the given actors
  // (lowercase logins) are stored; the rest are counted in `skipped`.
  struct Filter {
    std::unordered_set<std::int64_t> repo_ids;
    std::unordered_set<std::string> repo_names;
    std::unordered_set<std::string> actors;
  };
  std::optional<Filter> filter;
  // Called on the writing thread after each stored stretch of a file, with the file's stats
  // so far and the compressed bytes of it read (for a progress line).
  std::function<void(const ImportStats&, std::int64_t compressed_bytes)> progress;
};

struct ImportStats {
  std::int64_t lines = 0;
  std::int64_t events = 0;     // parsed events
  std::int64_t bad_lines = 0;  // unparsable lines (skipped)
  std::int64_t skipped = 0;    // parsed events outside the filter
  std::int64_t issues = 0;     // rows upserted from payloads
  std::int64_t issue_comments = 0;
  std::int64_t review_comments = 0;
  std::int64_t reviews = 0;
  std::vector<std::string> errors;  // "file:line: message", at most max_reported_errors
  // The most bytes of unfinished lines held at once: at most max_line_bytes + read_block_bytes.
  std::size_t max_buffered_bytes = 0;
};

// Imports one .json.gz (or plain .json) file into `db`, adding to `stats`. Fails (IOError)
// when the file cannot be opened or read or a transaction fails; bad lines only count.
Status ImportArchiveFile(store::Database& db, const std::string& path, const ImportOptions& opts,
                         ImportStats* stats);

// ImportArchiveFile over `paths`, in order, calling file_done(index, stats, status) after each
// on the calling thread. With jobs > 1, up to `jobs` files are decompressed and parsed at
// once, each on a thread of its own, while the calling thread alone writes the database (the
// SQLite writer stays single), storing the files in the given order; each reader holds at
// most a few parsed stretches ahead of the writer, so memory stays bounded. The stats and
// statuses are the same as with jobs = 1.
void ImportArchiveFiles(
    store::Database& db, const std::vector<std::string>& paths, const ImportOptions& opts, int jobs,
    const std::function<void(std::size_t, const ImportStats&, const Status&)>& file_done);

// What the harvester would count: the writers' own events anywhere, and everything in the
// projects watched for them (configured, or discovered by earlier syncs and kept in `db`).
Result<ImportOptions::Filter> WatchedFilter(store::Database& db,
                                            const std::vector<model::WatchedWriter>& writers);

}  // namespace ghharvest::archive
