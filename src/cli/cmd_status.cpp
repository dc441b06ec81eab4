#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/load_config.hpp"
#include "ghharvest/cli/commands.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/migrations.hpp"

namespace ghharvest::cli {
namespace {

// Runs `sql` and hands each row to `row`; false (after printing why) on a database error.
template <typename F>
bool Each(store::Database& db, std::string_view sql, F row) {
  auto st = db.Prepare(sql);
  if (!st.ok()) {
    std::fprintf(stderr, "ghharvest: %s\n", st.status().ToString().c_str());
    return false;
  }
  store::StatementGuard g(**st);
  while (g->Step()) row(*g);
  if (!g->status().ok()) {
    std::fprintf(stderr, "ghharvest: %s\n", g->status().ToString().c_str());
    return false;
  }
  return true;
}

std::string Or(const std::optional<std::string>& s, std::string_view fallback) {
  return s ? *s : std::string(fallback);
}

}  // namespace

// What is watched, how far each sync got, the rate-limit budget and the last errors. Works on
// a missing or empty database (it is created and migrated, as the daemon would). A database
// written by a newer ghharvest is refused with EX_DATAERR (65) and left untouched.
// Rate-limit rows are read from sync_state with endpoint 'rate_limit' (scope = resource).
int CmdStatus(const CommonOptions& common) {
  config::Config cfg;
  int code = kExitOk;
  if (!LoadConfigOrReport(common, &cfg, &code)) return code;

  const std::string& path = cfg.storage.database;
  auto opened = OpenDatabaseOrReport(cfg, &code);
  if (!opened) return code;
  store::Database& db = *opened;

  std::string out = fmt::format("database: {} (schema version {})\n", path, db.UserVersion());

  struct Watch {
    std::string repo, source, status, since;
    std::optional<std::string> gone_at;
  };
  std::map<std::string, std::vector<Watch>> watches;  // by lowercased writer
  std::map<std::string, std::optional<std::int64_t>> user_ids;
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  bool ok = Each(db,
                 "SELECT writer, repo_name, source, status, first_seen, gone_at FROM watches "
                 "ORDER BY writer COLLATE NOCASE, repo_name COLLATE NOCASE",
                 [&](store::Statement& s) {
                   watches[lower(s.Text(0))].push_back(
                       {s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.OptText(5)});
                 }) &&
            Each(db, "SELECT login, user_id FROM writers",
                 [&](store::Statement& s) { user_ids[lower(s.Text(0))] = s.OptInt(1); });
  if (!ok) return kExitIOErr;

  out += fmt::format("\nwriters: {}\n", cfg.writers.size());
  for (const auto& w : cfg.writers) {
    const std::string key = lower(w.login);
    std::string id = "not yet synced";
    if (auto it = user_ids.find(key); it != user_ids.end()) {
      id = it->second ? fmt::format("GitHub id {}", *it->second) : "id not resolved yet";
    }
    out += fmt::format("  {} ({}; {})\n", w.login, id,
                       w.repos.empty() ? "repos discovered" : "repos configured");
    auto it = watches.find(key);
    if (it == watches.end() || it->second.empty()) {
      out += "    no watches yet\n";
      continue;
    }
    for (const Watch& x : it->second) {
      out += fmt::format("    {:<40} {:<7} {:<10} since {}{}\n", x.repo, x.status, x.source,
                         x.since, x.gone_at ? " gone at " + *x.gone_at : "");
    }
  }

  std::string marks, limits;
  ok = Each(db,
            "SELECT endpoint, scope, watermark, cursor, updated_at FROM sync_state "
            "ORDER BY endpoint = 'rate_limit', scope, endpoint",
            [&](store::Statement& s) {
              if (s.Text(0) == "rate_limit") {
                limits += fmt::format("  {}: {} (resets {}; recorded {})\n", s.Text(1),
                                      Or(s.OptText(3), "?"), Or(s.OptText(2), "?"), s.Text(4));
              } else {
                marks += fmt::format("  {:<16} {:<40} {} (updated {})\n", s.Text(0), s.Text(1),
                                     Or(s.OptText(2), "-"), s.Text(4));
              }
            });
  if (!ok) return kExitIOErr;
  out += "\nwatermarks:\n" + (marks.empty() ? std::string("  none yet\n") : marks);
  out += "\nrate limit:\n" + (limits.empty() ? std::string("  not recorded yet\n") : limits);

  std::string errors;
  ok = Each(db, "SELECT at, scope, url, message FROM sync_errors ORDER BY id DESC LIMIT 10",
            [&](store::Statement& s) {
              errors += fmt::format("  {} {}{}: {}\n", s.Text(0), Or(s.OptText(1), "-"),
                                    s.IsNull(2) ? "" : " " + s.Text(2), s.Text(3));
            });
  if (!ok) return kExitIOErr;
  out += "\nlast errors (newest first):\n" + (errors.empty() ? std::string("  none\n") : errors);
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

}  // namespace ghharvest::cli
