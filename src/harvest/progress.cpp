// The progress line and its encoding in sync_state (progress.hpp): pure, so `ghharvest status`
// reads what the running cycle last wrote without talking to the daemon.
#include "ghharvest/harvest/progress.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "ghharvest/config/config.hpp"

namespace ghharvest::harvest {
namespace {

std::int64_t EpochSeconds(Clock::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// 1234567 -> "1,234,567": budgets run to thousands, and grouped digits read at a glance.
std::string Grouped(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

// "15:42" for an epoch second, `utc_offset` from UTC.
std::string TimeOfDay(std::int64_t epoch, std::chrono::seconds utc_offset) {
  std::int64_t local = epoch + utc_offset.count();
  std::int64_t of_day = ((local % 86400) + 86400) % 86400;
  return fmt::format("{:02}:{:02}", of_day / 3600, of_day % 3600 / 60);
}

}  // namespace

std::optional<BucketLeft> WaitingFor(const std::vector<BucketLeft>& buckets, Clock::TimePoint now) {
  std::optional<BucketLeft> out;
  const std::int64_t t = EpochSeconds(now);
  for (const auto& b : buckets) {
    if (b.limit < 0 || b.remaining < 0 || b.remaining > b.reserve || b.reset <= t) continue;
    if (!out || b.reset > out->reset) out = b;
  }
  return out;
}

std::optional<std::chrono::seconds> EstimateRemaining(const SyncProgress& p, Clock::TimePoint now) {
  if (!p.running || p.phase != SyncProgress::Phase::kLists || p.repos_done <= 0 ||
      p.repos_done >= p.repos_total || now < p.lists_started) {
    return std::nullopt;
  }
  // The repositories left at the pace of those done: rough (repositories differ in size), but
  // it settles as more are done, which is what a person waiting wants from it.
  const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - p.lists_started);
  std::chrono::seconds left(elapsed.count() * (p.repos_total - p.repos_done) / p.repos_done);
  if (auto w = WaitingFor(p.buckets, now)) {
    left = std::max(left, std::chrono::seconds(w->reset - EpochSeconds(now)));
  }
  return left;
}

std::string ProgressLine(const SyncProgress& p, Clock::TimePoint now,
                         std::chrono::seconds utc_offset) {
  if (!p.running) return "sync: not running";
  std::string out = p.unit.empty() ? "sync: " : "harvest " + p.unit + ": ";
  switch (p.phase) {
    case SyncProgress::Phase::kWriters:
      out += "resolving writers";
      break;
    case SyncProgress::Phase::kRepositories:
      out += "looking up repositories";
      break;
    case SyncProgress::Phase::kLists:
      out += fmt::format("repositories {}/{}", p.repos_done, p.repos_total);
      break;
  }
  out += fmt::format(", {} requests, {} points", Grouped(p.requests), Grouped(p.points));
  if (p.graphql_requests > 0) {
    out += fmt::format(", GraphQL {} queries / {} points", Grouped(p.graphql_requests),
                       Grouped(p.graphql_points));
  }
  std::string left;
  for (const auto& b : p.buckets) {
    if (b.limit < 0 || b.remaining < 0) continue;
    left += fmt::format("{}{} {}/{}", left.empty() ? "" : ", ", b.resource, Grouped(b.remaining),
                        Grouped(b.limit));
  }
  if (!left.empty()) out += "; left: " + left;
  if (auto w = WaitingFor(p.buckets, now)) {
    out += fmt::format("; waiting for the {} limit reset at {}", w->resource,
                       TimeOfDay(w->reset, utc_offset));
  }
  if (auto eta = EstimateRemaining(p, now)) {
    out += "; ETA " + config::FormatDuration(*eta);
  }
  return out;
}

std::chrono::seconds LocalUtcOffset() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  return std::chrono::seconds(tm.tm_gmtoff);
}

std::string EncodeProgress(const SyncProgress& p) {
  const char* phase = p.phase == SyncProgress::Phase::kWriters        ? "writers"
                      : p.phase == SyncProgress::Phase::kRepositories ? "repositories"
                                                                      : "lists";
  // The unit's one space (writer jobs) becomes ':' so the record stays space-separated.
  std::string unit;
  if (!p.unit.empty()) {
    unit = " unit=" + p.unit;
    if (auto sp = unit.find(' ', 1); sp != std::string::npos) unit[sp] = ':';
  }
  return fmt::format(
      "running={}{} phase={} repos={}/{} requests={} points={} graphql={}/{} started={} "
      "lists_started={}",
      p.running ? 1 : 0, unit, phase, p.repos_done, p.repos_total, p.requests, p.points,
      p.graphql_requests, p.graphql_points, EpochSeconds(p.started), EpochSeconds(p.lists_started));
}

std::optional<SyncProgress> DecodeProgress(const std::string& text) {
  std::map<std::string, std::string> kv;
  std::istringstream in(text);
  for (std::string word; in >> word;) {
    auto eq = word.find('=');
    if (eq == std::string::npos) return std::nullopt;
    kv[word.substr(0, eq)] = word.substr(eq + 1);
  }
  auto num = [&](const std::string& key, std::int64_t* out) {
    auto it = kv.find(key);
    if (it == kv.end()) return false;
    char* end = nullptr;
    long long v = std::strtoll(it->second.c_str(), &end, 10);
    if (end == it->second.c_str() || *end != '\0') return false;
    *out = v;
    return true;
  };
  auto pair = [&](const std::string& key, std::int64_t* a, std::int64_t* b) {
    auto it = kv.find(key);
    if (it == kv.end()) return false;
    long long x = 0, y = 0;
    char tail = 0;
    if (std::sscanf(it->second.c_str(), "%lld/%lld%c", &x, &y, &tail) != 2) return false;
    *a = x;
    *b = y;
    return true;
  };
  SyncProgress p;
  std::int64_t running = 0, started = 0, lists_started = 0;
  if (!num("running", &running) || !pair("repos", &p.repos_done, &p.repos_total) ||
      !num("requests", &p.requests) || !num("points", &p.points) ||
      !pair("graphql", &p.graphql_requests, &p.graphql_points) || !num("started", &started) ||
      !num("lists_started", &lists_started)) {
    return std::nullopt;
  }
  const std::string& phase = kv["phase"];
  if (phase == "writers") {
    p.phase = SyncProgress::Phase::kWriters;
  } else if (phase == "repositories") {
    p.phase = SyncProgress::Phase::kRepositories;
  } else if (phase == "lists") {
    p.phase = SyncProgress::Phase::kLists;
  } else {
    return std::nullopt;
  }
  p.running = running != 0;
  if (auto it = kv.find("unit"); it != kv.end()) {
    // Repository names have no ':'; "writer:alice" is a writer job's.
    p.unit = it->second;
    if (auto colon = p.unit.find(':'); colon != std::string::npos) p.unit[colon] = ' ';
  }
  p.started = Clock::TimePoint(std::chrono::seconds(started));
  p.lists_started = Clock::TimePoint(std::chrono::seconds(lists_started));
  return p;
}

}  // namespace ghharvest::harvest
