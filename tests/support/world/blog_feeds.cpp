#include "world/blog_feeds.hpp"

#include <chrono>

#include <date/date.h>
#include <fmt/format.h>

#include "ghharvest/util/hash.hpp"
#include "ghharvest/util/names.hpp"

namespace ghharvest::testing {
namespace {

std::string Rfc3339(std::int64_t t) {
  return date::format("%Y-%m-%dT%H:%M:%SZ", date::sys_seconds{std::chrono::seconds(t)});
}

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

HttpResponse Cached(const HttpRequest& req, std::string body, const std::string& type,
                    std::int64_t modified) {
  HttpResponse r;
  const std::string etag = fmt::format("\"{:016x}\"", Fnv1a64(body));
  const std::string last_modified = WorldTimeHttpDate(modified);
  r.headers.emplace_back("etag", etag);
  r.headers.emplace_back("last-modified", last_modified);
  if (req.header("if-none-match") == etag ||
      (req.header("if-none-match").empty() && req.header("if-modified-since") == last_modified)) {
    r.status = 304;
    return r;
  }
  r.headers.emplace_back("content-type", type);
  r.body = std::move(body);
  r.gzip = true;
  return r;
}

}  // namespace

BlogFeeds::BlogFeeds(std::map<std::string, std::vector<std::string>> projects, std::uint64_t seed,
                     std::int64_t now) {
  for (const auto& [login, repos] : projects) {
    const std::string key = AsciiLower(login);
    logins_[key] = login;
    std::vector<Post>& posts = posts_[key];
    const std::uint64_t h = Fnv1a64(login, seed ^ kFnv1a64OffsetBasis);
    const int n = static_cast<int>(2 + h % 3);
    for (int j = 0; j < n; ++j) {
      Post p;
      p.slug = fmt::format("post-{}", j + 1);
      p.published = now - (j + 1) * 86400 - static_cast<std::int64_t>(h % 3600);
      if (repos.empty() || j == n - 1) {
        // Not about a project: a link to the writer's profile and to a gist.
        p.title = "Notes from the week";
        p.html = fmt::format(
            "<p>Find me at <a href=\"https://github.com/{0}\">github.com/{0}</a> and in "
            "<a href=\"https://gist.github.com/{0}/1\">a gist</a>.</p>",
            login);
      } else {
        p.project = repos[(j + h) % repos.size()];
        p.title = fmt::format("Working on {}", p.project);
        switch (j % 3) {
          case 0:
            p.html = fmt::format(
                "<p>I sent <a href=\"https://github.com/{}/pull/{}\">a pull request</a>.</p>",
                p.project, j + 1);
            break;
          case 1:
            p.html = fmt::format(
                "<p>Read <a href=\"https://www.github.com/{}/blob/main/README.md\">the "
                "README</a> and <a href=\"https://github.com/{}.git\">clone it</a>.</p>",
                p.project, p.project);
            break;
          default:
            p.html = "<p>A post tagged with its project.</p>";
            p.categories.push_back(p.project);
        }
      }
      posts.push_back(std::move(p));
    }
    if (!repos.empty()) {
      Post note;
      note.note = true;
      note.slug = "note-1";
      note.project = repos[h % repos.size()];
      note.title = "A short note";
      note.published = now - 3 * 3600;
      note.html = fmt::format("<p>Shipped in <a href=\"https://github.com/{}\">{}</a>.</p>",
                              note.project, note.project);
      posts.push_back(std::move(note));
    }
  }
}

std::vector<std::string> BlogFeeds::FeedUrls(const std::string& base,
                                             const std::string& login) const {
  return {fmt::format("{}/blogs/{}/rss.xml", base, login),
          fmt::format("{}/blogs/{}/atom.xml", base, login),
          fmt::format("{}/blogs/{}/feed.json", base, login)};
}

std::string BlogFeeds::Rss(const std::string& base, const std::string& login) const {
  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\n"
      "<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" "
      "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\n<channel>\n"
      "<title>{0}'s blog</title>\n<link>{1}/blogs/{0}/</link>\n"
      "<description>Posts by {0}</description>\n",
      login, base);
  for (const Post& p : posts_.at(AsciiLower(login))) {
    if (p.note) continue;
    const std::string link = fmt::format("{}/blogs/{}/{}/", base, login, p.slug);
    out += fmt::format(
        "<item>\n<title>{}</title>\n<link>{}</link>\n<pubDate>{}</pubDate>\n<guid>{}</guid>\n"
        "<description>{}</description>\n<content:encoded><![CDATA[{}]]></content:encoded>\n",
        XmlEscape(p.title), link, WorldTimeHttpDate(p.published), link, XmlEscape(p.html), p.html);
    for (const std::string& c : p.categories) out += fmt::format("<category>{}</category>\n", c);
    out += "</item>\n";
  }
  return out + "</channel>\n</rss>\n";
}

std::string BlogFeeds::Atom(const std::string& base, const std::string& login) const {
  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"{1}/blogs/{0}/\">\n"
      "<title type=\"html\">{0}&amp;#39;s blog</title>\n<id>{1}/blogs/{0}/</id>\n"
      "<link href=\"atom.xml\" rel=\"self\"/>\n<updated>2026-01-01T00:00:00Z</updated>\n",
      login, base);
  for (const Post& p : posts_.at(AsciiLower(login))) {
    if (p.note) continue;
    // Relative links against xml:base; the id a tag URI, not the link.
    out += fmt::format(
        "<entry>\n<title type=\"html\">{}</title>\n<link rel=\"alternate\" href=\"{}/\"/>\n"
        "<id>tag:blogs.fakehub,2026:{}/{}</id>\n<published>{}</published>\n"
        "<updated>{}</updated>\n<content type=\"html\">{}</content>\n",
        XmlEscape(XmlEscape(p.title)), p.slug, login, p.slug, Rfc3339(p.published),
        Rfc3339(p.published), XmlEscape(p.html));
    for (const std::string& c : p.categories) out += fmt::format("<category term=\"{}\"/>\n", c);
    out += "</entry>\n";
  }
  return out + "</feed>\n";
}

std::string BlogFeeds::Json(const std::string& base, const std::string& login) const {
  std::string items;
  for (const Post& p : posts_.at(AsciiLower(login))) {
    if (!p.note) continue;
    items += fmt::format(
        "{}{{\"id\":\"{}/blogs/{}/notes/{}\",\"url\":\"notes/{}\",\"title\":\"{}\","
        "\"content_html\":\"{}\",\"date_published\":\"{}\"}}",
        items.empty() ? "" : ",", base, login, p.slug, p.slug, JsonEscape(p.title),
        JsonEscape(p.html), Rfc3339(p.published));
  }
  return fmt::format(
      "{{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"{}'s notes\","
      "\"home_page_url\":\"{}/blogs/{}/\",\"items\":[{}]}}\n",
      login, base, login, items);
}

std::optional<HttpResponse> BlogFeeds::Serve(const HttpRequest& req,
                                             const std::string& base) const {
  const std::string prefix = "/blogs/";
  if (req.path.rfind(prefix, 0) != 0) return std::nullopt;
  const std::string rest = req.path.substr(prefix.size());
  HttpResponse r;
  if (rest == "_broken.xml") {
    r.headers.emplace_back("content-type", "application/rss+xml");
    r.body = "<rss version=\"2.0\"><channel><item><title>cut</item></channel></rss>";
    return r;
  }
  if (rest == "_page") {
    r.headers.emplace_back("content-type", "text/html");
    r.body = "<!DOCTYPE html>\n<html><head><title>My blog</title></head><body></body></html>";
    return r;
  }
  if (rest == "_gone") {
    r.status = 410;
    r.body = "gone";
    return r;
  }
  if (rest == "_loop") {
    r.status = 302;
    r.headers.emplace_back("location", base + "/blogs/_loop");
    return r;
  }
  if (rest == "_huge.xml") {
    r.headers.emplace_back("content-type", "application/rss+xml");
    r.body = "<rss version=\"2.0\"><channel>" + std::string(2 << 20, ' ') + "</channel></rss>";
    r.gzip = true;
    return r;
  }
  const std::size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    const std::string login = AsciiLower(rest.substr(0, slash));
    const std::string file = rest.substr(slash + 1);
    auto it = logins_.find(login);
    if (it != logins_.end()) {
      std::int64_t newest = 0;
      for (const Post& p : posts_.at(login)) newest = std::max(newest, p.published);
      if (file == "rss.xml")
        return Cached(req, Rss(base, it->second), "application/rss+xml", newest);
      if (file == "atom.xml") {
        return Cached(req, Atom(base, it->second), "application/atom+xml", newest);
      }
      if (file == "feed.json") {
        return Cached(req, Json(base, it->second), "application/feed+json", newest);
      }
    }
  }
  r.status = 404;
  r.body = "not found";
  return r;
}

void BlogFeeds::AddTruth(std::vector<CountsRow>* rows,
                         const std::function<std::string(const std::string&)>& current_name) const {
  for (const auto& [login, posts] : posts_) {
    for (const Post& p : posts) {
      if (p.project.empty()) continue;
      const std::string project = AsciiLower(current_name ? current_name(p.project) : p.project);
      for (CountsRow& row : *rows) {
        if (AsciiLower(row.writer) == login && AsciiLower(row.project) == project) {
          ++row.blog_posts;
        }
      }
    }
  }
}

}  // namespace ghharvest::testing
