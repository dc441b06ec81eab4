// Mirrors the configured writers and their configured repositories into the database, on
// every start of a command that harvests, scores or imports (app::App::Open), so the planner
// and analysts read one source of truth.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ghharvest/model/writers.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::store {

// In one transaction:
// - `writers` gets one row per configured writer (the spelling of the config wins; logins
//   compare case-insensitively); writers no longer configured are removed together with
//   their watches. Their activity rows (commits, issues, ...) are kept: they are GitHub's
//   data, not ours, and come back into the views if the writer is configured again.
// - For a writer with `repos`, each becomes a watch with source 'config' (a watch that was
//   discovered earlier is adopted: its source becomes 'config'); any other watch of that
//   writer is removed, since configured repos switch discovery off. A writer without
//   `repos` keeps its discovered watches; only former 'config' watches are removed.
// - A 'gone' watch (404/410) stays gone while the config lists the same repos for that
//   writer as before. When the writer's configured repo list changed (a repo added or
//   removed), its gone watches become 'active' again: editing the config is how an operator
//   says "try again". The list before is read from the writer's 'config' watches.
Status SyncWriters(Database& db, const std::vector<model::WatchedWriter>& writers);

// A watch as an archive import matches events against it: the name it was given, and its
// repository's id and current name once resolved.
struct WatchedRepo {
  std::string repo_name;
  std::optional<std::int64_t> repo_id;
  std::optional<std::string> full_name;
};
Result<std::vector<WatchedRepo>> ListWatchedRepos(Database& db);

}  // namespace ghharvest::store
