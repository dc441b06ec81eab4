#include "ghharvest/store/posts.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "ghharvest/util/names.hpp"

namespace ghharvest::store {
namespace {

struct StoredPost {
  std::int64_t id = 0;
  std::optional<std::string> entry_id, link, title, published_at, updated_at;
  std::vector<std::string> projects;  // lower-cased, sorted
};

std::vector<std::string> LowerSorted(const std::vector<std::string>& v) {
  std::vector<std::string> out;
  for (const std::string& p : v) out.push_back(AsciiLower(p));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::optional<std::string> NonEmpty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

}  // namespace

Result<model::HttpValidators> PostsTables::Validators(std::string_view writer,
                                                      std::string_view url) {
  auto stmt = db_.Prepare("SELECT etag, last_modified FROM feeds WHERE writer = ?1 AND url = ?2");
  if (!stmt.ok()) return stmt.status();
  StatementGuard g(**stmt);
  g->Bind(1, writer).Bind(2, url);
  model::HttpValidators v;
  if (g->Step()) {
    v.etag = g->OptText(0);
    v.last_modified = g->OptText(1);
  }
  if (!g->status().ok()) return g->status();
  return v;
}

Status PostsTables::TouchFeed(std::string_view writer, std::string_view url,
                              std::string_view status, bool ok, TimePoint now) {
  auto stmt = db_.Prepare(
      "INSERT INTO feeds (writer, url, last_fetch_at, last_ok_at, last_status) "
      "VALUES (?1, ?2, ?3, CASE WHEN ?5 THEN ?3 END, ?4) "
      "ON CONFLICT (writer, url) DO UPDATE SET last_fetch_at = excluded.last_fetch_at, "
      "last_ok_at = COALESCE(excluded.last_ok_at, feeds.last_ok_at), "
      "last_status = excluded.last_status");
  if (!stmt.ok()) return stmt.status();
  StatementGuard g(**stmt);
  g->Bind(1, writer).Bind(2, url).Bind(3, FormatIso8601(now)).Bind(4, status);
  g->Bind(5, ok ? 1 : 0);
  return g->Run();
}

Result<PostsWritten> PostsTables::StoreFeed(std::string_view writer, std::string_view url,
                                            std::string_view format,
                                            const std::vector<model::BlogPost>& posts,
                                            const model::HttpValidators& validators,
                                            TimePoint now) {
  Transaction tx(db_);
  if (!tx.status().ok()) return tx.status();
  PostsWritten out;
  const std::string seen = FormatIso8601(now);
  for (const model::BlogPost& p : posts) {
    if (p.entry_id.empty() && p.link.empty()) continue;
    // The writer's post with this entry id, else with this link.
    std::optional<StoredPost> old;
    {
      auto stmt = db_.Prepare(
          "SELECT id, entry_id, link, title, published_at, updated_at FROM posts "
          "WHERE writer = ?1 AND ((?2 IS NOT NULL AND entry_id = ?2) OR "
          "(?3 IS NOT NULL AND link = ?3)) ORDER BY (entry_id IS ?2) DESC, id LIMIT 1");
      if (!stmt.ok()) return stmt.status();
      StatementGuard g(**stmt);
      g->Bind(1, writer).Bind(2, NonEmpty(p.entry_id)).Bind(3, NonEmpty(p.link));
      if (g->Step()) {
        old = StoredPost{
            g->Int(0), g->OptText(1), g->OptText(2), g->OptText(3), g->OptText(4), g->OptText(5),
            {}};
      }
      if (!g->status().ok()) return g->status();
    }
    std::int64_t id;
    if (!old) {
      auto stmt = db_.Prepare(
          "INSERT INTO posts (writer, feed, entry_id, link, title, published_at, updated_at, "
          "first_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
      if (!stmt.ok()) return stmt.status();
      StatementGuard g(**stmt);
      g->Bind(1, writer).Bind(2, url).Bind(3, NonEmpty(p.entry_id)).Bind(4, NonEmpty(p.link));
      g->Bind(5, NonEmpty(p.title)).Bind(6, p.published_at).Bind(7, p.updated_at).Bind(8, seen);
      if (Status s = g->Run(); !s.ok()) return s;
      id = db_.LastInsertRowId();
      ++out.added;
    } else {
      id = old->id;
      {
        auto stmt =
            db_.Prepare("SELECT project FROM post_projects WHERE post_id = ?1 AND feed = ?2");
        if (!stmt.ok()) return stmt.status();
        StatementGuard g(**stmt);
        g->Bind(1, id).Bind(2, url);
        while (g->Step()) old->projects.push_back(g->Text(0));
        if (!g->status().ok()) return g->status();
        old->projects = LowerSorted(old->projects);
      }
      // A field the entry no longer carries keeps what was stored (a feed that drops dates
      // from older entries does not undate them).
      const auto keep = [](const std::optional<std::string>& now_value,
                           const std::optional<std::string>& before) {
        return now_value ? now_value : before;
      };
      // The identity stays as first stored: the RSS guid and the Atom id of one post differ,
      // and taking each feed's in turn would change the post on every poll. A post matched by
      // its id takes the entry's link (a renamed slug).
      const bool by_id = old->entry_id && *old->entry_id == p.entry_id;
      const auto entry_id = old->entry_id ? old->entry_id : NonEmpty(p.entry_id);
      const auto link =
          by_id ? keep(NonEmpty(p.link), old->link) : keep(old->link, NonEmpty(p.link));
      const auto title = keep(NonEmpty(p.title), old->title);
      const auto published = keep(p.published_at, old->published_at);
      const auto updated = keep(p.updated_at, old->updated_at);
      const bool same = entry_id == old->entry_id && link == old->link && title == old->title &&
                        published == old->published_at && updated == old->updated_at &&
                        LowerSorted(p.projects) == old->projects;
      // A post another of the writer's feeds brought first: what this feed adds (its
      // projects, a date the other lacked) joins it, which is no edit of the post.
      bool first_in_feed = false;
      {
        auto stmt = db_.Prepare("SELECT 1 FROM post_feeds WHERE post_id = ?1 AND feed = ?2");
        if (!stmt.ok()) return stmt.status();
        StatementGuard g(**stmt);
        g->Bind(1, id).Bind(2, url);
        first_in_feed = !g->Step();
        if (!g->status().ok()) return g->status();
      }
      const bool same_fields = entry_id == old->entry_id && link == old->link &&
                               title == old->title && published == old->published_at &&
                               updated == old->updated_at;
      if (!same && !first_in_feed) ++out.changed;
      if (!same_fields) {
        auto stmt = db_.Prepare(
            "UPDATE posts SET feed = ?2, entry_id = ?3, link = ?4, title = ?5, "
            "published_at = ?6, updated_at = ?7 WHERE id = ?1");
        if (!stmt.ok()) return stmt.status();
        StatementGuard g(**stmt);
        g->Bind(1, id).Bind(2, url).Bind(3, entry_id).Bind(4, link).Bind(5, title);
        g->Bind(6, published).Bind(7, updated);
        if (Status s = g->Run(); !s.ok()) return s;
      }
      if (LowerSorted(p.projects) != old->projects) {
        auto stmt = db_.Prepare("DELETE FROM post_projects WHERE post_id = ?1 AND feed = ?2");
        if (!stmt.ok()) return stmt.status();
        StatementGuard g(**stmt);
        g->Bind(1, id).Bind(2, url);
        if (Status s = g->Run(); !s.ok()) return s;
      }
    }
    for (const std::string& project : p.projects) {
      auto stmt = db_.Prepare(
          "INSERT OR IGNORE INTO post_projects (post_id, project, feed) VALUES (?1, ?2, ?3)");
      if (!stmt.ok()) return stmt.status();
      StatementGuard g(**stmt);
      g->Bind(1, id).Bind(2, project).Bind(3, url);
      if (Status s = g->Run(); !s.ok()) return s;
    }
    {
      auto stmt = db_.Prepare("INSERT OR IGNORE INTO post_feeds (post_id, feed) VALUES (?1, ?2)");
      if (!stmt.ok()) return stmt.status();
      StatementGuard g(**stmt);
      g->Bind(1, id).Bind(2, url);
      if (Status s = g->Run(); !s.ok()) return s;
    }
  }
  if (Status s = TouchFeed(writer, url, "ok", true, now); !s.ok()) return s;
  {
    auto stmt = db_.Prepare(
        "UPDATE feeds SET etag = ?3, last_modified = ?4, format = ?5 "
        "WHERE writer = ?1 AND url = ?2");
    if (!stmt.ok()) return stmt.status();
    StatementGuard g(**stmt);
    g->Bind(1, writer).Bind(2, url).Bind(3, validators.etag).Bind(4, validators.last_modified);
    g->Bind(5, format);
    if (Status s = g->Run(); !s.ok()) return s;
  }
  if (Status s = tx.Commit(); !s.ok()) return s;
  return out;
}

Status PostsTables::RecordNotModified(std::string_view writer, std::string_view url,
                                      TimePoint now) {
  return TouchFeed(writer, url, "not modified", true, now);
}

Status PostsTables::RecordFailure(std::string_view writer, std::string_view url,
                                  std::string_view message, TimePoint now) {
  if (Status s = TouchFeed(writer, url, message, false, now); !s.ok()) return s;
  return ingest_.RecordError(fmt::format("feed {}", writer), url, message, now);
}

Result<std::vector<model::FeedState>> PostsTables::FeedStates() {
  auto stmt = db_.Prepare(
      "SELECT f.writer, f.url, f.format, f.last_fetch_at, f.last_ok_at, f.last_status, "
      "(SELECT COUNT(*) FROM post_feeds pf JOIN posts p ON p.id = pf.post_id "
      "WHERE pf.feed = f.url AND p.writer = f.writer) "
      "FROM feeds f ORDER BY f.writer COLLATE NOCASE, f.url");
  if (!stmt.ok()) return stmt.status();
  StatementGuard g(**stmt);
  std::vector<model::FeedState> out;
  while (g->Step()) {
    out.push_back(model::FeedState{g->Text(0), g->Text(1), g->OptText(2), g->OptText(3),
                                   g->OptText(4), g->OptText(5), g->Int(6)});
  }
  if (!g->status().ok()) return g->status();
  return out;
}

}  // namespace ghharvest::store
