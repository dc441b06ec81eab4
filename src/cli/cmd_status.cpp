#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/load_config.hpp"
#include "cli/status_json.hpp"
#include "ghharvest/cli/commands.hpp"
#include "ghharvest/config/config.hpp"
#include "ghharvest/harvest/progress.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/migrations.hpp"
#include "ghharvest/store/operator_facts.hpp"
#include "ghharvest/store/posts.hpp"
#include "ghharvest/store/status_snapshot.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/exit_codes.hpp"
#include "ghharvest/util/log.hpp"
#include "ghharvest/util/names.hpp"

namespace ghharvest::cli {
namespace {

std::string Or(const std::optional<std::string>& s, std::string_view fallback) {
  return s ? *s : std::string(fallback);
}

// The harvest cycle the store last recorded (harvest/progress.hpp): a running one as its
// progress line as of its last record, an ended one by what it did. "" when none was.
std::string CycleLine(const store::StatusSnapshot& snap, const config::Config& cfg) {
  for (const auto& m : snap.watermarks) {
    if (m.endpoint != harvest::kProgressEndpoint || m.scope != harvest::kProgressScope) continue;
    auto p = m.cursor ? harvest::DecodeProgress(*m.cursor) : std::nullopt;
    if (!p) return "  unreadable record: " + m.cursor.value_or("-") + "\n";
    Clock::TimePoint at;
    if (!ParseIso8601(m.updated_at, &at)) at = p->started;
    for (const auto& r : snap.rate_limits) {
      harvest::BucketLeft b;
      b.resource = r.resource;
      b.limit = r.quota;
      b.remaining = r.remaining;
      Clock::TimePoint reset;
      if (ParseIso8601(r.reset_at, &reset)) {
        b.reset =
            std::chrono::duration_cast<std::chrono::seconds>(reset.time_since_epoch()).count();
      }
      b.reserve = r.resource == "core"      ? cfg.github.reserve
                  : r.resource == "graphql" ? cfg.github.graphql_reserve
                                            : 0;
      p->buckets.push_back(std::move(b));
    }
    if (p->running) {
      // A daemon killed mid-cycle leaves this behind: the time of the record says how old it is.
      return fmt::format("  running since {}, as of {}:\n    {}\n", Or(m.watermark, "-"),
                         m.updated_at, harvest::ProgressLine(*p, at, harvest::LocalUtcOffset()));
    }
    // The daemon's jobs are one unit each (a repository's crawl, a writer's lookup): the
    // record is the last job's, and says which it was.
    return fmt::format(
        "  last {} started {}, ended {}: {} repositories, {} requests, {} points, {} GraphQL "
        "queries / {} points\n",
        p->unit.empty() ? std::string("cycle") : "harvest " + p->unit, Or(m.watermark, "-"),
        m.updated_at, p->repos_total, p->requests, p->points, p->graphql_requests,
        p->graphql_points);
  }
  return "";
}

}  // namespace

// What is watched, how far each sync got, the rate-limit budget and the last errors. Only
// reads: the database is opened read-only and never created or migrated (run as root beside
// the service, a status that created files would leave them root-owned in its folder, or
// create a stray empty database where the config's default points). A missing database shows
// the config's writers as not yet synced. A database written by a newer ghharvest is refused
// with EX_DATAERR (65); an older one is shown as far as it can be read. `json`: the same facts
// and the operator's (status_json.hpp) as one JSON object.
int CmdStatus(const CommonOptions& common, bool json) {
  config::Config cfg;
  int code = kExitOk;
  if (!LoadConfigOrReport(common, &cfg, &code)) return code;
  if (!StateOwnerOrReport(common, cfg, &code)) return code;

  const std::string& path = cfg.storage.database;
  store::StatusSnapshot empty;
  std::unique_ptr<store::Database> db;
  std::string state;
  struct stat st {};
  if (path != ":memory:" && ::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      log::Write(log::Level::kError,
                 fmt::format("ghharvest: cannot read database {}: {}", path, std::strerror(errno)));
      return kExitIOErr;
    }
    state = "not created yet: the daemon or `ghharvest sync --once` creates it";
  } else {
    auto opened = store::Database::Open(path, {.read_only = true, .apply_migrations = false});
    if (!opened.ok()) {
      log::Write(log::Level::kError, "ghharvest: " + opened.status().ToString());
      return ExitCodeFor(opened.status());
    }
    db = std::move(*opened);
    const int version = db->UserVersion();
    if (version > store::LatestSchemaVersion()) {
      log::Write(log::Level::kError,
                 fmt::format("ghharvest: {}: schema version {} is newer than this ghharvest "
                             "knows ({}); upgrade ghharvest",
                             path, version, store::LatestSchemaVersion()));
      return kExitDataErr;
    }
    state = fmt::format("schema version {}", version);
    if (version < store::LatestSchemaVersion()) {
      state += fmt::format("; the daemon or the next sync migrates it to {}",
                           store::LatestSchemaVersion());
    }
  }
  Result<store::StatusSnapshot> snap = empty;
  if (db) snap = store::ReadStatusSnapshot(*db);
  if (!snap.ok()) {
    log::Write(log::Level::kError, "ghharvest: " + snap.status().ToString());
    return kExitIOErr;
  }
  // Each configured feed: when it was last fetched, how that went, the posts it carried.
  // None before the first sync; a database of an older schema may have no feeds table yet.
  std::vector<model::FeedState> feed_states;
  if (db) {
    auto read = store::PostsTables(*db).FeedStates();
    if (read.ok()) {
      feed_states = std::move(*read);
    } else if (db->UserVersion() >= store::LatestSchemaVersion()) {
      log::Write(log::Level::kError, "ghharvest: " + read.status().ToString());
      return kExitIOErr;
    }
  }
  if (json) {
    StatusFacts facts;
    facts.database = path;
    facts.exists = db != nullptr;
    facts.latest_schema_version = store::LatestSchemaVersion();
    if (db) {
      facts.schema_version = db->UserVersion();
      auto read = store::ReadOperatorFacts(*db);
      if (!read.ok()) {
        log::Write(log::Level::kError, "ghharvest: " + read.status().ToString());
        return kExitIOErr;
      }
      facts.facts = std::move(read).value();
      facts.snapshot = std::move(snap).value();
    }
    facts.feeds = std::move(feed_states);
    std::fputs(StatusJson(cfg, facts).c_str(), stdout);
    return kExitOk;
  }
  std::string out = fmt::format("database: {} ({})\n", path, state);

  std::map<std::string, std::vector<const store::StatusSnapshot::Watch*>> watches;  // by writer
  for (const auto& w : snap->watches) watches[AsciiLower(w.writer)].push_back(&w);
  std::map<std::string, const store::StatusSnapshot::Writer*> known;
  for (const auto& w : snap->writers) known[AsciiLower(w.login)] = &w;

  out += fmt::format("\nwriters: {}\n", cfg.writers.size());
  for (const auto& w : cfg.writers) {
    const std::string key = AsciiLower(w.login);
    std::string id = "not yet synced";
    if (auto it = known.find(key); it != known.end()) {
      const auto& user_id = it->second->user_id;
      id = user_id ? fmt::format("GitHub id {}", *user_id) : "id not resolved yet";
      if (it->second->gone_at) {
        id += fmt::format(
            "; account gone since {} (404), its GitHub activity not counted, next look {}",
            *it->second->gone_at, it->second->next_look.value_or("next cycle"));
      } else if (it->second->first_404) {
        id += fmt::format("; answered 404 at {}, counted until a second 404 an hour later",
                          *it->second->first_404);
      }
    }
    out += fmt::format("  {} ({}; {})\n", w.login, id,
                       w.repos.empty() ? "repos discovered" : "repos configured");
    auto it = watches.find(key);
    if (it == watches.end() || it->second.empty()) {
      out += "    no watches yet\n";
      continue;
    }
    for (const auto* x : it->second) {
      out += fmt::format("    {:<40} {:<7} {:<10} since {}{}\n", x->repo, x->status, x->source,
                         x->since, x->gone_at ? " gone at " + *x->gone_at : "");
    }
  }

  std::string feeds;
  for (const auto& w : cfg.writers) {
    for (const std::string& url : w.blog_feeds) {
      const model::FeedState* st = nullptr;
      for (const auto& f : feed_states) {
        if (f.url == url && AsciiLower(f.writer) == AsciiLower(w.login)) st = &f;
      }
      if (st == nullptr || !st->last_fetch_at) {
        feeds += fmt::format("  {} {}: not fetched yet\n", w.login, url);
        continue;
      }
      feeds += fmt::format("  {} {}: {} posts{}; last fetch {}: {}{}\n", w.login, url, st->posts,
                           st->format ? " (" + *st->format + ")" : "", *st->last_fetch_at,
                           Or(st->last_status, "-"),
                           st->last_ok_at && *st->last_ok_at != *st->last_fetch_at
                               ? "; last success " + *st->last_ok_at
                               : "");
    }
  }
  out += "\nblog feeds:\n" + (feeds.empty() ? std::string("  none configured\n") : feeds);

  std::string marks, limits;
  for (const auto& r : snap->rate_limits) {
    limits += fmt::format("  {}: {}/{} remaining (resets {}; recorded {})\n", r.resource,
                          r.remaining, r.quota, r.reset_at, r.seen_at);
  }
  std::string cycle = CycleLine(*snap, cfg);
  out += "\nharvest cycle:\n" + (cycle.empty() ? std::string("  none recorded yet\n") : cycle);
  std::string plans;
  const std::string plan_prefix = harvest::kPlanPrefix;
  for (const auto& m : snap->watermarks) {
    if (m.endpoint == harvest::kProgressEndpoint && m.scope == harvest::kProgressScope) continue;
    if (m.endpoint.rfind(plan_prefix, 0) == 0) {
      plans += fmt::format("  {} {}: {} (since {})\n", m.scope,
                           m.endpoint.substr(plan_prefix.size()), Or(m.cursor, "-"), m.updated_at);
      continue;
    }
    marks += fmt::format("  {:<16} {:<40} {} (updated {})\n", m.endpoint, m.scope,
                         Or(m.watermark, "-"), m.updated_at);
  }
  out += "\nlarge repositories (how their long lists are read):\n" +
         (plans.empty() ? std::string("  none\n") : plans);
  out += "\nwatermarks:\n" + (marks.empty() ? std::string("  none yet\n") : marks);
  out += "\nrate limit:\n" + (limits.empty() ? std::string("  not recorded yet\n") : limits);
  // Each credential by its fingerprint, never the token: with a pool, where the budget goes.
  if (!snap->credentials.empty()) {
    out += "\ncredentials:\n";
    for (const auto& c : snap->credentials) {
      out += fmt::format("  {} {}: {}/{} remaining (resets {}; recorded {}){}\n", c.credential,
                         c.resource, c.remaining, c.quota, c.reset_at, c.seen_at,
                         c.revoked ? "; REVOKED: GitHub answered 401" : "");
    }
  }

  std::string errors;
  for (const auto& e : snap->errors) {
    errors += fmt::format("  {} {}{}: {}\n", e.at, Or(e.scope, "-"), e.url ? " " + *e.url : "",
                          e.message);
  }
  out += "\nlast errors (newest first):\n" + (errors.empty() ? std::string("  none\n") : errors);
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

}  // namespace ghharvest::cli
