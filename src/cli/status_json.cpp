#include "cli/status_json.hpp"

#include <fmt/format.h>

#include "ghharvest/harvest/progress.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/json.hpp"
#include "ghharvest/util/names.hpp"

namespace ghharvest::cli {
namespace {

std::string Q(const std::string& s) { return JsonQuote(s); }
std::string Q(const char* s) { return JsonQuote(s); }
std::string Q(const std::optional<std::string>& s) { return s ? JsonQuote(*s) : "null"; }

// Unix seconds of an ISO 8601 time, for scripts that compare numbers; null when unreadable.
std::string Epoch(const std::string& iso) {
  Clock::TimePoint t;
  if (!ParseIso8601(iso, &t)) return "null";
  return std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

// Joins the pieces of a JSON array.
std::string Array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]";
}

}  // namespace

std::string StatusJson(const config::Config& cfg, const StatusFacts& s) {
  const store::StatusSnapshot& snap = s.snapshot;
  std::vector<std::string> writers;
  for (const auto& w : cfg.writers) {
    std::string id = "null", account = "null";
    bool synced = false;
    for (const auto& known : snap.writers) {
      if (AsciiLower(known.login) != AsciiLower(w.login)) continue;
      synced = true;
      if (known.user_id) id = std::to_string(*known.user_id);
      if (known.gone_at) {
        account = fmt::format(R"({{"status":"gone","since":{},"next_look":{}}})", Q(*known.gone_at),
                              Q(known.next_look));
      } else if (known.first_404) {
        account = fmt::format(R"({{"status":"answered 404","since":{}}})", Q(*known.first_404));
      }
    }
    std::vector<std::string> watches;
    for (const auto& x : snap.watches) {
      if (AsciiLower(x.writer) != AsciiLower(w.login)) continue;
      watches.push_back(fmt::format(R"({{"repository":{},"status":{},"source":{},"since":{},)"
                                    R"("gone_at":{}}})",
                                    Q(x.repo), Q(x.status), Q(x.source), Q(x.since), Q(x.gone_at)));
    }
    writers.push_back(fmt::format(R"({{"login":{},"synced":{},"github_id":{},"account":{},)"
                                  R"("repos":{},"watches":{}}})",
                                  Q(w.login), synced ? "true" : "false", id, account,
                                  Q(w.repos.empty() ? "discovered" : "configured"),
                                  Array(watches)));
  }
  std::vector<std::string> items;
  for (const auto& [kind, n] : s.facts.items) items.push_back(fmt::format("{}:{}", Q(kind), n));
  std::string items_obj = "{";
  for (std::size_t i = 0; i < items.size(); ++i) items_obj += (i ? "," : "") + items[i];
  items_obj += "}";
  std::vector<std::string> repos;
  for (const auto& r : s.facts.repositories) {
    repos.push_back(fmt::format(R"({{"repository":{},"last_sync":{},"last_sync_unix":{}}})",
                                Q(r.repository), Q(r.last_sync), Epoch(r.last_sync)));
  }
  std::vector<std::string> limits;
  for (const auto& r : snap.rate_limits) {
    limits.push_back(fmt::format(
        R"({{"resource":{},"limit":{},"remaining":{},"reset_at":{},"reset_unix":{},"seen_at":{}}})",
        Q(r.resource), r.quota, r.remaining, Q(r.reset_at), Epoch(r.reset_at), Q(r.seen_at)));
  }
  std::vector<std::string> credentials;
  for (const auto& c : snap.credentials) {
    credentials.push_back(
        fmt::format(R"({{"credential":{},"resource":{},"limit":{},"remaining":{},"reset_at":{},)"
                    R"("reset_unix":{},"seen_at":{},"revoked":{}}})",
                    Q(c.credential), Q(c.resource), c.quota, c.remaining, Q(c.reset_at),
                    Epoch(c.reset_at), Q(c.seen_at), c.revoked ? "true" : "false"));
  }
  std::vector<std::string> marks, plans;
  const std::string plan_prefix = harvest::kPlanPrefix;
  for (const auto& m : snap.watermarks) {
    if (m.endpoint.rfind(plan_prefix, 0) == 0) {
      plans.push_back(fmt::format(R"({{"repository":{},"list":{},"plan":{},"since":{}}})",
                                  Q(m.scope), Q(m.endpoint.substr(plan_prefix.size())), Q(m.cursor),
                                  Q(m.updated_at)));
      continue;
    }
    marks.push_back(fmt::format(R"({{"endpoint":{},"scope":{},"watermark":{},"updated_at":{}}})",
                                Q(m.endpoint), Q(m.scope), Q(m.watermark), Q(m.updated_at)));
  }
  std::vector<std::string> feeds;
  for (const auto& w : cfg.writers) {
    for (const std::string& url : w.blog_feeds) {
      const model::FeedState* st = nullptr;
      for (const auto& f : s.feeds) {
        if (f.url == url && AsciiLower(f.writer) == AsciiLower(w.login)) st = &f;
      }
      feeds.push_back(fmt::format(
          R"({{"writer":{},"url":{},"posts":{},"format":{},"last_fetch_at":{},"last_status":{},)"
          R"("last_ok_at":{}}})",
          Q(w.login), Q(url), st ? st->posts : 0, Q(st ? st->format : std::nullopt),
          Q(st ? st->last_fetch_at : std::nullopt), Q(st ? st->last_status : std::nullopt),
          Q(st ? st->last_ok_at : std::nullopt)));
    }
  }
  std::vector<std::string> errors;
  for (const auto& e : snap.errors) {
    errors.push_back(fmt::format(R"({{"at":{},"scope":{},"url":{},"message":{}}})", Q(e.at),
                                 Q(e.scope), Q(e.url), Q(e.message)));
  }
  std::string database = fmt::format(
      R"({{"path":{},"exists":{},"schema_version":{},"latest_schema_version":{},"size_bytes":{}}})",
      Q(s.database), s.exists ? "true" : "false", s.schema_version, s.latest_schema_version,
      s.facts.database_bytes);
  return fmt::format(
      R"({{"database":{},"writers":{},"items":{},"repositories":{},"rate_limits":{},)"
      R"("credentials":{},"watermarks":{},"list_plans":{},"feeds":{},"errors":{}}})"
      "\n",
      database, Array(writers), items_obj, Array(repos), Array(limits), Array(credentials),
      Array(marks), Array(plans), Array(feeds), Array(errors));
}

}  // namespace ghharvest::cli
