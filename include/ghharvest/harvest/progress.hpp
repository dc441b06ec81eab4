// Where a running sync is, and the one line a person watching it reads (issue #12, item 8):
// repositories done of all, what was spent, the budget left per bucket, what it is waiting
// for, and when it should end. Harvester::Progress() gives the numbers; ProgressLine is pure,
// so the wording is unit-tested (tests/unit/harvest_progress_test.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ghharvest/util/clock.hpp"

namespace ghharvest::harvest {

// One rate-limit bucket as last seen (github::RateLimit) with the share the client keeps
// unused: at or below it, requests of that bucket wait for the reset.
struct BucketLeft {
  std::string resource;                     // "core", "graphql", "search"
  std::int64_t limit = -1, remaining = -1;  // -1: not seen yet
  std::int64_t reset = 0;                   // UTC epoch seconds
  std::int64_t reserve = 0;
};

struct SyncProgress {
  bool running = false;  // false: no sync runs (the rest is zero)
  // The job's unit of work: "" for a whole cycle, "owner/repo" for one repository's crawl,
  // "writer LOGIN" for one writer's part (lookup and discovery). No spaces but that one.
  std::string unit;
  enum class Phase {
    kWriters,       // resolving the writers' accounts, discovering their projects
    kRepositories,  // one GET per watched repository
    kLists,         // each repository's lists, then its pull requests' reviews
  };
  Phase phase = Phase::kWriters;
  // Repositories whose lists this sync reads, and of them those read to the end (or given up
  // for this cycle). Known from the lists phase on; 0 before.
  std::int64_t repos_total = 0, repos_done = 0;
  // Since the sync started, as the client counts them (retries included).
  std::int64_t requests = 0, points = 0, graphql_requests = 0, graphql_points = 0;
  Clock::TimePoint started{}, lists_started{};
  std::vector<BucketLeft> buckets;  // core, graphql, search, as far as seen
};

// The bucket requests wait for now: remaining at or below its reserve and a reset still to
// come (of several, the one that resets last). nullopt: nothing waits on a limit.
std::optional<BucketLeft> WaitingFor(const std::vector<BucketLeft>& buckets, Clock::TimePoint now);

// The time left, from the pace of the repositories done so far, and no earlier than a reset
// being waited for. nullopt until it can be estimated (no repository done yet, or all done).
std::optional<std::chrono::seconds> EstimateRemaining(const SyncProgress& p, Clock::TimePoint now);

// "sync: repositories 12/40, 1,234 requests, 1,180 points, GraphQL 40 queries / 52 points;
// left: core 3,766/5,000, graphql 4,948/5,000; ETA 4m10s", with "waiting for the core limit
// reset at 15:42" when a bucket is spent. A job of one unit says "harvest owner/repo: ..." or
// "harvest writer alice: ..." instead of "sync: ". Times of day are shown `utc_offset` from UTC
// (the caller's local time zone).
std::string ProgressLine(const SyncProgress& p, Clock::TimePoint now,
                         std::chrono::seconds utc_offset);

// The running cycle as the store keeps it, for `ghharvest status` of a running daemon: one
// sync_state row (endpoint kProgressEndpoint, scope kProgressScope) whose cursor is
// EncodeProgress's text, written at each phase, at most once a second as repositories finish,
// and at the cycle's end (running=0). Buckets are not in it (rate_limits has them).
inline constexpr const char* kProgressEndpoint = "cycle";
inline constexpr const char* kProgressScope = "progress";
// How the planner reads each list of a large repository, for `ghharvest status`: sync_state
// rows whose endpoint is kPlanPrefix + the list ("plan_issues", "plan_commits"), scope the
// repository, cursor "per-writer: <why>" (the list is read per watched writer).
inline constexpr const char* kPlanPrefix = "plan_";
// The local time zone's offset from UTC now (for ProgressLine's times of day).
std::chrono::seconds LocalUtcOffset();

// "running=1 phase=lists repos=12/40 requests=1234 points=1180 graphql=40/52 started=1767…",
// with "unit=owner/repo" or "unit=writer:alice" after running= for a job of one unit.
std::string EncodeProgress(const SyncProgress& p);
// nullopt for text EncodeProgress did not write.
std::optional<SyncProgress> DecodeProgress(const std::string& text);

}  // namespace ghharvest::harvest
