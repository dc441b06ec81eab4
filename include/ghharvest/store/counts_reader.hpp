// Reading the counts for scoring, fast: the same numbers as the writer_project_counts view
// (score_scorer_test checks that they agree), read as plain index-ordered rows of each
// activity table and merged in (user, repo) order. SQLite's GROUP BY costs about three times
// the index walk, and merging sorted streams needs no hash table of a million pairs.
// With a time window or decay the scorer needs each item's time, so ReadActivity walks
// writer_activity instead.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ghharvest/model/scores.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::store {

// Where the readers put what they find. Every name is registered before any count, so each
// writer and project is spelled the same way whatever the order of the rows, and as the
// view spells it: a writer as the byte-smallest login of the accounts matching it (one
// login can be on two accounts), a project as `repos` spells it, else the byte-smallest
// spelling among the blog posts tagged with it. The sink decides what a slot is (it groups
// names case-insensitively); the first project spelling registered must win.
class CountsSink {
 public:
  virtual ~CountsSink() = default;
  virtual int WriterSlot(std::string_view login) = 0;
  virtual int ProjectSlot(std::string_view project) = 0;
  // May come more than once for a pair (one login on two accounts, blog posts): sum them.
  virtual void Add(int writer, int project, const model::Counts& counts) = 0;
};

// All-time counts of every watched writer's (writer, project) pairs.
Status ReadCounts(Database& db, CountsSink& sink);

struct ActivityRow {
  std::string writer, project;
  model::Count count;
  std::optional<std::string> at;  // ISO 8601; only filled when asked for
  double amount = 0;
};

class ActivitySink : public CountsSink {
 public:
  // Whether rows need `at` (reading it costs a copy per row).
  virtual bool WantsTime() const = 0;
  virtual void Activity(const ActivityRow& row) = 0;
};

// Registers the names, then one Activity() per writer_activity row whose kind is a count,
// only rows with at >= `since` when given (undated rows cannot be shown to fall inside a
// window, so a window drops them).
Status ReadActivity(Database& db, const std::optional<std::string>& since, ActivitySink& sink);

}  // namespace ghharvest::store
