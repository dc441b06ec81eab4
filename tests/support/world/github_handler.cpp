#include "world/github_handler.hpp"
#include "ghharvest/github/graphql.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ghharvest/util/hash.hpp"

namespace ghharvest::testing {
namespace {

// GitHub's `ghost` user: what REST shows as the author of a deleted account's items.
constexpr std::int64_t kGhostUserId = 10137;

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
bool EqualsNoCase(const std::string& a, const std::string& b) { return Lower(a) == Lower(b); }

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    std::size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(PercentDecode(path.substr(i, j - i)));
    i = j;
  }
  return parts;
}

// ---- JSON output -------------------------------------------------------------------------

// JSON strings as the product writes them.
std::string Q(std::string_view s) { return github::JsonQuote(s); }
std::string Time(WorldTime t) { return Q(WorldTimeIso(t)); }
std::string OptTime(const std::optional<WorldTime>& t) { return t ? Time(*t) : "null"; }

struct Ctx {
  const WorldModel& m;
  std::string base;  // API base, "http://127.0.0.1:PORT"
  std::string html;  // where html_url points: the same server, as there is no other host
  bool issues_merged_at = true;  // GitHubHandlerOptions::issues_merged_at

  std::string User(std::int64_t id) const {
    const WorldUser* u = m.User(id);
    if (!u) return "null";
    return fmt::format(
        "{{\"login\":{},\"id\":{},\"node_id\":{},\"url\":{},\"html_url\":{},\"type\":{},"
        "\"site_admin\":false}}",
        Q(u->login), u->id, Q(fmt::format("U_{}", u->id)), Q(base + "/users/" + u->login),
        Q(html + "/" + u->login), Q(u->type));
  }
  // The author of an issue, pull request, comment or review: a deleted account's (id 0) is
  // GitHub's `ghost` user on REST, as GitHub shows it (GraphQL gives a null author instead,
  // and a commit of a deleted account has no GitHub author at all: User(0) is null).
  std::string Author(std::int64_t id) const {
    if (id != 0) return User(id);
    return fmt::format(
        "{{\"login\":\"ghost\",\"id\":{},\"node_id\":\"MDQ6VXNlcjEwMTM3\",\"url\":{},"
        "\"html_url\":{},\"type\":\"User\",\"site_admin\":false}}",
        kGhostUserId, Q(base + "/users/ghost"), Q(html + "/ghost"));
  }
  std::string RepoUrl(const WorldRepo& r) const { return base + "/repos/" + r.full_name(); }
  std::string Reactions(const testing::Reactions& x, const std::string& url) const {
    std::string out =
        fmt::format("{{\"url\":{},\"total_count\":{}", Q(url + "/reactions"), x.total());
    for (std::size_t k = 0; k < kReactionKinds.size(); ++k)
      out += fmt::format(",{}:{}", Q(kReactionKinds[k]), x.n[k]);
    return out + "}";
  }
  // As GitHub's: the counters move with the repository's life (an issue opened or closed
  // changes `open_issues_count`, a push `size`), so its ETag changes more often than
  // `pushed_at` does and a re-poll pays a point for it.
  std::string Repo(const WorldRepo& r) const {
    const WorldUser* owner = m.UserByLogin(r.owner);
    std::int64_t open = 0;
    for (const auto& i : r.issues)
      if (!i.deleted && !i.closed) ++open;
    return fmt::format(
        "{{\"id\":{},\"node_id\":{},\"name\":{},\"full_name\":{},\"private\":false,\"owner\":{},"
        "\"html_url\":{},\"description\":null,\"fork\":false,\"url\":{},\"created_at\":{},"
        "\"updated_at\":{},\"pushed_at\":{},\"size\":{},\"stargazers_count\":0,"
        "\"watchers_count\":0,\"forks_count\":0,\"open_issues_count\":{},\"has_issues\":true,"
        "\"default_branch\":{},\"archived\":false,\"disabled\":false,\"visibility\":\"public\","
        "\"forks\":0,\"open_issues\":{},\"watchers\":0}}",
        r.id, Q(fmt::format("R_{}", r.id)), Q(r.name), Q(r.full_name()),
        owner ? User(owner->id) : "null", Q(html + "/" + r.full_name()), Q(RepoUrl(r)),
        Time(r.created), Time(std::max(r.pushed, r.created)), Time(std::max(r.pushed, r.created)),
        r.commits.size(), open, Q(r.default_branch), open);
  }
  std::string Issue(const WorldRepo& r, const WorldIssue& i) const {
    std::string url = fmt::format("{}/issues/{}", RepoUrl(r), i.number);
    std::string pull;
    if (i.is_pull) {
      pull = fmt::format(
          ",\"pull_request\":{{\"url\":{},\"html_url\":{},\"diff_url\":{},\"patch_url\":{}{}}}",
          Q(fmt::format("{}/pulls/{}", RepoUrl(r), i.number)),
          Q(fmt::format("{}/{}/pull/{}", html, r.full_name(), i.number)),
          Q(fmt::format("{}/{}/pull/{}.diff", html, r.full_name(), i.number)),
          Q(fmt::format("{}/{}/pull/{}.patch", html, r.full_name(), i.number)),
          issues_merged_at ? ",\"merged_at\":" + OptTime(i.merged) : std::string());
    }
    return fmt::format(
        "{{\"url\":{},\"repository_url\":{},\"comments_url\":{},\"html_url\":{},\"id\":{},"
        "\"node_id\":{},\"number\":{},\"title\":{},\"user\":{},\"labels\":[],\"state\":{},"
        "\"locked\":false,\"assignee\":null,\"assignees\":[],\"comments\":{},\"created_at\":{},"
        "\"updated_at\":{},\"closed_at\":{},\"author_association\":\"CONTRIBUTOR\","
        "\"body\":null{},\"reactions\":{},\"state_reason\":{}}}",
        Q(url), Q(RepoUrl(r)), Q(url + "/comments"),
        Q(fmt::format("{}/{}/{}/{}", html, r.full_name(), i.is_pull ? "pull" : "issues", i.number)),
        i.id, Q(fmt::format("I_{}", i.id)), i.number, Q(i.title), Author(i.user),
        Q(i.closed ? "closed" : "open"), i.comments, Time(i.created), Time(i.updated),
        OptTime(i.closed), pull, Reactions(i.reactions, url),
        i.closed ? Q(i.merged || !i.is_pull ? "completed" : "not_planned") : "null");
  }
  std::string Pull(const WorldRepo& r, const WorldIssue& i) const {
    std::string url = fmt::format("{}/pulls/{}", RepoUrl(r), i.number);
    return fmt::format(
        "{{\"url\":{},\"id\":{},\"node_id\":{},\"html_url\":{},\"issue_url\":{},\"number\":{},"
        "\"state\":{},\"locked\":false,\"title\":{},\"user\":{},\"body\":null,\"created_at\":{},"
        "\"updated_at\":{},\"closed_at\":{},\"merged_at\":{},\"draft\":false,"
        "\"head\":{{\"ref\":{},\"sha\":{}}},\"base\":{{\"ref\":{}}},"
        "\"author_association\":\"CONTRIBUTOR\"}}",
        Q(url), i.pr_id, Q(fmt::format("PR_{}", i.pr_id)),
        Q(fmt::format("{}/{}/pull/{}", html, r.full_name(), i.number)),
        Q(fmt::format("{}/issues/{}", RepoUrl(r), i.number)), i.number,
        Q(i.closed ? "closed" : "open"), Q(i.title), Author(i.user), Time(i.created),
        Time(i.updated), OptTime(i.closed), OptTime(i.merged), Q(fmt::format("topic-{}", i.number)),
        Q(fmt::format("{:040x}", i.pr_id)), Q(r.default_branch));
  }
  std::string IssueComment(const WorldRepo& r, const WorldComment& c) const {
    std::string url = fmt::format("{}/issues/comments/{}", RepoUrl(r), c.id);
    const WorldIssue& i = r.issues[static_cast<std::size_t>(c.number - 1)];
    return fmt::format(
        "{{\"url\":{},\"html_url\":{},\"issue_url\":{},\"id\":{},\"node_id\":{},\"user\":{},"
        "\"created_at\":{},\"updated_at\":{},\"author_association\":\"CONTRIBUTOR\","
        "\"body\":{},\"reactions\":{}}}",
        Q(url),
        Q(fmt::format("{}/{}/{}/{}#issuecomment-{}", html, r.full_name(),
                      i.is_pull ? "pull" : "issues", c.number, c.id)),
        Q(fmt::format("{}/issues/{}", RepoUrl(r), c.number)), c.id, Q(fmt::format("IC_{}", c.id)),
        Author(c.user), Time(c.created), Time(c.updated), Q(fmt::format("comment {}", c.id)),
        Reactions(c.reactions, url));
  }
  std::string ReviewComment(const WorldRepo& r, const WorldComment& c) const {
    std::string url = fmt::format("{}/pulls/comments/{}", RepoUrl(r), c.id);
    return fmt::format(
        "{{\"url\":{},\"pull_request_review_id\":{},\"id\":{},\"node_id\":{},\"path\":\"src/"
        "main.cpp\",\"position\":1,\"line\":1,\"user\":{},\"body\":{},\"created_at\":{},"
        "\"updated_at\":{},\"html_url\":{},\"pull_request_url\":{},"
        "\"author_association\":\"CONTRIBUTOR\",\"reactions\":{}}}",
        Q(url), c.review_id, c.id, Q(fmt::format("RC_{}", c.id)), Author(c.user),
        Q(fmt::format("review comment {}", c.id)), Time(c.created), Time(c.updated),
        Q(fmt::format("{}/{}/pull/{}#discussion_r{}", html, r.full_name(), c.number, c.id)),
        Q(fmt::format("{}/pulls/{}", RepoUrl(r), c.number)), Reactions(c.reactions, url));
  }
  std::string Review(const WorldRepo& r, const WorldReview& v) const {
    std::string submitted =
        v.state == "PENDING" ? "" : fmt::format(",\"submitted_at\":{}", Time(v.submitted));
    return fmt::format(
        "{{\"id\":{},\"node_id\":{},\"user\":{},\"body\":\"\",\"state\":{},\"html_url\":{},"
        "\"pull_request_url\":{},\"commit_id\":{},\"author_association\":\"CONTRIBUTOR\"{}}}",
        v.id, Q(fmt::format("PRR_{}", v.id)), Author(v.user), Q(v.state),
        Q(fmt::format("{}/{}/pull/{}#pullrequestreview-{}", html, r.full_name(), v.number, v.id)),
        Q(fmt::format("{}/pulls/{}", RepoUrl(r), v.number)), Q(fmt::format("{:040x}", v.id)),
        submitted);
  }
  std::string Commit(const WorldRepo& r, const WorldCommit& c) const {
    std::string who = fmt::format("{{\"name\":{},\"email\":{},\"date\":{}}}", Q(c.author_name),
                                  Q(c.author_email), Time(c.date));
    return fmt::format(
        "{{\"sha\":{},\"node_id\":{},\"commit\":{{\"author\":{},\"committer\":{},\"message\":{},"
        "\"comment_count\":0}},\"url\":{},\"html_url\":{},\"author\":{},\"committer\":{},"
        "\"parents\":[]}}",
        Q(c.sha), Q("C_" + c.sha.substr(0, 12)), who, who,
        Q(fmt::format("Change {}", c.sha.substr(0, 7))), Q(RepoUrl(r) + "/commits/" + c.sha),
        Q(html + "/" + r.full_name() + "/commit/" + c.sha), User(c.author), User(c.author));
  }
};

// ---- Request helpers ---------------------------------------------------------------------

struct Reply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

Reply Error(int status, const std::string& message) {
  return {status,
          fmt::format("{{\"message\":{},\"documentation_url\":\"https://docs.github.com/rest\","
                      "\"status\":\"{}\"}}",
                      Q(message), status),
          {}};
}
Reply NotFound() { return Error(404, "Not Found"); }

// The query string with page=N (replacing any page parameter), for `link` URLs.
std::string WithPage(const std::string& target, std::int64_t page) {
  auto q = target.find('?');
  std::string path = target.substr(0, q);
  std::string out;
  if (q != std::string::npos) {
    std::string query = target.substr(q + 1);
    std::size_t i = 0;
    while (i <= query.size()) {
      std::size_t j = query.find('&', i);
      if (j == std::string::npos) j = query.size();
      std::string part = query.substr(i, j - i);
      if (!part.empty() && part.rfind("page=", 0) != 0) out += (out.empty() ? "" : "&") + part;
      i = j + 1;
    }
  }
  out += fmt::format("{}page={}", out.empty() ? "" : "&", page);
  // A raw '<', '>', '"' or space would break the link header's syntax.
  std::string url;
  for (char c : path + "?" + out) {
    if (c == '<' || c == '>' || c == '"' || c == ' ') {
      url += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    } else {
      url.push_back(c);
    }
  }
  return url;
}

struct Paging {
  std::int64_t per_page = 30, page = 1;
  bool ok = true;
};

Paging ReadPaging(const HttpRequest& req) {
  Paging p;
  try {
    std::string pp = req.query_param("per_page"), pg = req.query_param("page");
    if (!pp.empty()) p.per_page = std::clamp<std::int64_t>(std::stoll(pp), 1, 100);
    if (!pg.empty()) p.page = std::max<std::int64_t>(std::stoll(pg), 1);
  } catch (const std::exception&) {
    p.ok = false;
  }
  return p;
}

// A page of `items` (already JSON), with GitHub's link header. `reachable` caps how many
// items can be paged to (search: 1000, events: 300).
// Only the page's items are rendered: listings are long, pages short.
Reply Page(const HttpRequest& req, const std::string& base, std::size_t count,
           const std::function<std::string(std::size_t)>& render, const Paging& p,
           std::optional<std::int64_t> reachable = std::nullopt,
           const std::string& wrap_prefix = "", const std::string& wrap_suffix = "") {
  auto n = static_cast<std::int64_t>(count);
  if (reachable) n = std::min(n, *reachable);
  std::int64_t last = std::max<std::int64_t>(1, (n + p.per_page - 1) / p.per_page);
  Reply r;
  std::string body = wrap_prefix + "[";
  std::int64_t from = (p.page - 1) * p.per_page;
  for (std::int64_t i = from; i < std::min(n, from + p.per_page); ++i) {
    if (i > from) body += ",";
    body += render(static_cast<std::size_t>(i));
  }
  body += "]" + wrap_suffix;
  r.body = std::move(body);
  std::vector<std::string> links;
  auto link = [&](std::int64_t page, const char* rel) {
    links.push_back(fmt::format("<{}{}>; rel=\"{}\"", base, WithPage(req.target, page), rel));
  };
  if (p.page > 1) link(std::min(p.page - 1, last), "prev");
  if (p.page < last) {
    link(p.page + 1, "next");
    link(last, "last");
  }
  if (p.page > 1) link(1, "first");
  if (!links.empty()) {
    std::string value;
    for (std::size_t i = 0; i < links.size(); ++i) value += (i ? ", " : "") + links[i];
    r.headers.emplace_back("link", value);
  }
  return r;
}

bool ReadSince(const HttpRequest& req, const char* name, std::optional<WorldTime>* out) {
  std::string s = req.query_param(name);
  if (s.empty()) return true;
  WorldTime t;
  if (!ParseWorldTime(s, &t)) return false;
  *out = t;
  return true;
}

template <typename T, typename Key>
void SortBy(std::vector<const T*>& v, Key key, bool desc) {
  std::stable_sort(v.begin(), v.end(), [&](const T* a, const T* b) {
    return desc ? key(*b) < key(*a) : key(*a) < key(*b);
  });
}

// ---- Search ------------------------------------------------------------------------------

struct SearchQuery {
  std::vector<std::pair<std::string, std::string>> quals;
  bool ok = true;
};

SearchQuery ParseSearch(const std::string& q) {
  SearchQuery out;
  std::string token;
  auto flush = [&] {
    if (token.empty()) return;
    auto colon = token.find(':');
    if (colon != std::string::npos) {
      out.quals.emplace_back(Lower(token.substr(0, colon)), token.substr(colon + 1));
    }
    token.clear();
  };
  for (char c : q) {
    if (c == ' ' || c == '+') {
      flush();
    } else {
      token.push_back(c);
    }
  }
  flush();
  return out;
}

// "2026-01-01", ">=2026-01-01T00:00:00Z", "2025-01-01..2025-02-01", "<2026-01-01".
bool MatchDate(const std::string& cond, WorldTime t) {
  auto parse = [](std::string s, bool end_of_day, WorldTime* out) {
    if (s.size() == 10) {
      s += end_of_day ? "T23:59:59Z" : "T00:00:00Z";
    }
    return ParseWorldTime(s, out);
  };
  auto dots = cond.find("..");
  WorldTime a, b;
  if (dots != std::string::npos) {
    std::string lo = cond.substr(0, dots), hi = cond.substr(dots + 2);
    if (lo != "*" && (!parse(lo, false, &a) || t < a)) return false;
    if (hi != "*" && (!parse(hi, true, &b) || t > b)) return false;
    return true;
  }
  if (cond.rfind(">=", 0) == 0) return parse(cond.substr(2), false, &a) && t >= a;
  if (cond.rfind("<=", 0) == 0) return parse(cond.substr(2), true, &a) && t <= a;
  if (cond.rfind(">", 0) == 0) return parse(cond.substr(1), true, &a) && t > a;
  if (cond.rfind("<", 0) == 0) return parse(cond.substr(1), false, &a) && t < a;
  return parse(cond, false, &a) && parse(cond, true, &b) && t >= a && t <= b;
}

HttpResponse WithDelay(HttpResponse r, std::chrono::milliseconds delay) {
  r.delay = delay;
  return r;
}

}  // namespace

std::int64_t ApiCounters::primary_points() const {
  std::int64_t n = 0;
  for (const auto& [k, v] : points) n += v;
  return n;
}

struct GitHubHandler::State {
  std::shared_ptr<World> world;
  std::function<std::string()> base_url;
  GitHubHandlerOptions options;

  std::mutex mu;  // counters and buckets
  ApiCounters counters;
  struct Bucket {
    std::int64_t used = 0;
    std::int64_t window_start = -1;
  };
  // Per token and resource, as GitHub keeps them: "<token>\n<resource>" ("" anonymous).
  std::map<std::string, Bucket> buckets;
  std::set<std::string> revoked;  // tokens answered 401 from now on (Revoke)
  std::unique_ptr<FakeApp> app;
  std::shared_ptr<GraphqlEndpoint> graphql;

  std::int64_t Now() const {
    if (options.now) return options.now();
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::int64_t Limit(const std::string& resource) const {
    return resource == "search" ? options.search_limit : options.core_limit;
  }
  Bucket& Get(const std::string& who, const std::string& resource) {
    auto& b = buckets[who + "\n" + resource];
    std::int64_t now = Now();
    std::int64_t window =
        (resource == "search" ? options.search_window : options.core_window).count();
    if (b.window_start < 0 || now >= b.window_start + window) {
      b.window_start = now;
      b.used = 0;
    }
    return b;
  }
  void RateHeaders(const std::string& who, const std::string& resource, HttpResponse* out) {
    auto& b = Get(who, resource);
    std::int64_t window =
        (resource == "search" ? options.search_window : options.core_window).count();
    std::int64_t limit = Limit(resource);
    out->headers.emplace_back("x-ratelimit-limit", std::to_string(limit));
    out->headers.emplace_back("x-ratelimit-remaining",
                              std::to_string(std::max<std::int64_t>(0, limit - b.used)));
    out->headers.emplace_back("x-ratelimit-used", std::to_string(b.used));
    out->headers.emplace_back("x-ratelimit-reset", std::to_string(b.window_start + window));
    out->headers.emplace_back("x-ratelimit-resource", resource);
  }

  Reply Route(const HttpRequest& req, const Ctx& ctx, std::string* route);
  Reply RepoRoute(const HttpRequest& req, const Ctx& ctx, const WorldRepo& repo,
                  const std::vector<std::string>& rest, std::string* route);
  Reply Search(const HttpRequest& req, const Ctx& ctx);
  Reply Events(const HttpRequest& req, const Ctx& ctx, const WorldUser& user);
  Reply RateLimitBody(const std::string& who);
};

Reply GitHubHandler::State::RateLimitBody(const std::string& who) {
  std::string res;
  for (const char* name : {"core", "search"}) {
    auto& b = Get(who, name);
    std::int64_t window =
        (std::string(name) == "search" ? options.search_window : options.core_window).count();
    std::int64_t limit = Limit(name);
    res += fmt::format("{}{}:{{\"limit\":{},\"used\":{},\"remaining\":{},\"reset\":{}}}",
                       res.empty() ? "" : ",", Q(name), limit, b.used,
                       std::max<std::int64_t>(0, limit - b.used), b.window_start + window);
  }
  auto& core = Get(who, "core");
  std::int64_t limit = Limit("core");
  return {200,
          fmt::format("{{\"resources\":{{{}}},\"rate\":{{\"limit\":{},\"used\":{},"
                      "\"remaining\":{},\"reset\":{}}}}}",
                      res, limit, core.used, std::max<std::int64_t>(0, limit - core.used),
                      core.window_start + options.core_window.count()),
          {}};
}

Reply GitHubHandler::State::Route(const HttpRequest& req, const Ctx& ctx, std::string* route) {
  const auto& m = ctx.m;
  auto parts = SplitPath(req.path);
  if (req.method != "GET") {
    *route = "other";
    return NotFound();
  }
  if (parts.size() >= 3 && parts[0] == "repos") {
    bool renamed = false;
    std::string full = parts[1] + "/" + parts[2];
    const WorldRepo* repo = m.Repo(full, &renamed);
    std::vector<std::string> rest(parts.begin() + 3, parts.end());
    if (!repo || repo->deleted) {
      *route = "/repos/{o}/{r}" + std::string(rest.empty() ? "" : "/...");
      return NotFound();
    }
    if (renamed) {
      // As GitHub does: a permanent redirect to the repository's id-based URL.
      *route = "redirect";
      std::string suffix;
      for (const auto& p : rest) suffix += "/" + p;
      auto q = req.target.find('?');
      std::string location = fmt::format("{}/repositories/{}{}{}", ctx.base, repo->id, suffix,
                                         q == std::string::npos ? "" : req.target.substr(q));
      Reply r{301,
              fmt::format("{{\"message\":\"Moved Permanently\",\"url\":{},"
                          "\"documentation_url\":\"https://docs.github.com/rest\"}}",
                          Q(location)),
              {{"location", location}}};
      return r;
    }
    return RepoRoute(req, ctx, *repo, rest, route);
  }
  if (parts.size() >= 2 && parts[0] == "repositories") {
    std::int64_t id = 0;
    try {
      id = std::stoll(parts[1]);
    } catch (const std::exception&) {
    }
    const WorldRepo* repo = m.RepoById(id);
    std::vector<std::string> rest(parts.begin() + 2, parts.end());
    if (!repo || repo->deleted) {
      *route = "/repositories/{id}";
      return NotFound();
    }
    return RepoRoute(req, ctx, *repo, rest, route);
  }
  if (parts.size() == 2 && parts[0] == "search" && parts[1] == "issues") {
    *route = "/search/issues";
    return Search(req, ctx);
  }
  if (parts.size() >= 2 && parts[0] == "users") {
    const WorldUser* u = m.UserByLogin(parts[1]);
    if (parts.size() == 2) {
      *route = "/users/{login}";
      if (!u) return NotFound();
      std::int64_t public_repos = 0;
      for (const auto& r : m.repos)
        if (!r.deleted && EqualsNoCase(r.owner, u->login)) public_repos++;
      std::string user = ctx.User(u->id);
      user.pop_back();
      return {200,
              user + fmt::format(",\"public_repos\":{},\"created_at\":{}}}", public_repos,
                                 Time(m.spec.now - 5 * 365 * 86400)),
              {}};
    }
    if (parts.size() == 3 && parts[2] == "repos") {
      *route = "/users/{login}/repos";
      if (!u) return NotFound();
      Paging p = ReadPaging(req);
      if (!p.ok) return Error(422, "Validation Failed");
      std::vector<const WorldRepo*> repos;
      for (const auto& r : m.repos)
        if (!r.deleted && EqualsNoCase(r.owner, u->login)) repos.push_back(&r);
      SortBy<WorldRepo>(
          repos, [](const WorldRepo& r) { return Lower(r.full_name()); }, false);
      return Page(
          req, ctx.base, repos.size(), [&](std::size_t i) { return ctx.Repo(*repos[i]); }, p);
    }
    if ((parts.size() == 4 && parts[2] == "events" && parts[3] == "public") ||
        (parts.size() == 3 && parts[2] == "events")) {
      *route = "/users/{login}/events/public";
      if (!u) return NotFound();
      return Events(req, ctx, *u);
    }
  }
  *route = "unknown";
  return NotFound();
}

Reply GitHubHandler::State::RepoRoute(const HttpRequest& req, const Ctx& ctx, const WorldRepo& repo,
                                      const std::vector<std::string>& rest, std::string* route) {
  const auto& m = ctx.m;
  Paging p = ReadPaging(req);
  if (!p.ok) return Error(422, "Validation Failed");
  std::string dir = Lower(req.query_param("direction"));
  std::string sort = req.query_param("sort");
  auto issue_at = [&](const std::string& s) -> const WorldIssue* {
    try {
      std::int64_t n = std::stoll(s);
      if (n >= 1 && n <= static_cast<std::int64_t>(repo.issues.size()) &&
          !repo.issues[static_cast<std::size_t>(n - 1)].deleted)
        return &repo.issues[static_cast<std::size_t>(n - 1)];
    } catch (const std::exception&) {
    }
    return nullptr;
  };

  if (rest.empty()) {
    *route = "/repos/{o}/{r}";
    return {200, ctx.Repo(repo), {}};
  }
  if (rest.size() == 1 && rest[0] == "commits") {
    *route = "/repos/{o}/{r}/commits";
    // As GitHub: a repository nothing was ever pushed to has no branch to list.
    if (repo.commits.empty()) return Error(409, "Git Repository is empty.");
    // `sha`: the branch or commit to list from (its ancestors): the default branch when
    // absent. A commit a force-push took off the branch is still known.
    const std::string from = req.query_param("sha");
    auto history = repo.History(from.empty() ? repo.default_branch : from);
    if (!history) return Error(404, "No commit found for SHA: " + from);
    std::optional<WorldTime> since, until;
    if (!ReadSince(req, "since", &since) || !ReadSince(req, "until", &until))
      return Error(422, "Validation Failed");
    std::string author = req.query_param("author");
    std::vector<const WorldCommit*> list;
    for (const WorldCommit* ancestor : *history) {
      const WorldCommit& c = *ancestor;
      if (since && c.date < *since) continue;
      if (until && c.date > *until) continue;
      if (!author.empty()) {
        const WorldUser* u = m.User(c.author);
        bool match = (u && EqualsNoCase(u->login, author)) || EqualsNoCase(c.author_email, author);
        if (!match) continue;
      }
      list.push_back(&c);
    }
    // In git log's order, as GitHub: from the commit listed from, then its ancestors; in a
    // history of one line that is push order backwards, whatever the dates (a commit dated
    // in the past is still listed after its children), so the first is always the head.
    return Page(
        req, ctx.base, list.size(), [&](std::size_t i) { return ctx.Commit(repo, *list[i]); }, p);
  }
  if (rest.size() == 2 && rest[0] == "compare") {
    // As GitHub: the commits reachable from head and not from base, oldest first, whatever
    // their dates (a branch merged late keeps its commits' old dates). Either side is a sha
    // (on the branch or taken off it by a force-push) or the default branch's name; an
    // unknown one, or two with no common ancestor, is 404. Without per_page or page, at most
    // 250 commits and no links. permalink_url names both sides by sha.
    *route = "/repos/{o}/{r}/compare/{basehead}";
    const std::string& basehead = rest[1];
    auto dots = basehead.find("...");
    if (dots == std::string::npos) return NotFound();
    auto base_line = repo.History(basehead.substr(0, dots));
    auto head_line = repo.History(basehead.substr(dots + 3));
    if (!base_line || !head_line) return NotFound();
    std::set<std::string_view> in_base, in_head;
    for (const WorldCommit* c : *base_line) in_base.insert(c->sha);
    for (const WorldCommit* c : *head_line) in_head.insert(c->sha);
    const WorldCommit* merge_base = nullptr;
    std::vector<const WorldCommit*> listed;  // oldest first
    for (const WorldCommit* c : *head_line) {
      if (in_base.count(c->sha)) {
        merge_base = c;
        break;
      }
      listed.push_back(c);
    }
    if (!merge_base) return NotFound();
    std::reverse(listed.begin(), listed.end());
    const std::size_t ahead = listed.size();
    std::size_t behind = 0;
    for (const WorldCommit* c : *base_line) behind += !in_head.count(c->sha);
    const char* status = ahead && behind ? "diverged"
                         : ahead         ? "ahead"
                         : behind        ? "behind"
                                         : "identical";
    Paging cp = p;
    std::optional<std::int64_t> reachable;
    if (req.query_param("per_page").empty() && req.query_param("page").empty()) {
      cp.per_page = 250;
      reachable = 250;
    }
    const std::string permalink =
        fmt::format("{}/{}/compare/{}:{}...{}:{}", ctx.html, repo.full_name(), repo.owner,
                    base_line->front()->sha, repo.owner, head_line->front()->sha);
    std::string prefix = fmt::format(
        "{{\"url\":{},\"permalink_url\":{},\"status\":\"{}\",\"ahead_by\":{},"
        "\"behind_by\":{},\"total_commits\":{},\"base_commit\":{},\"merge_base_commit\":{},"
        "\"commits\":",
        Q(ctx.base + "/repos/" + repo.full_name() + "/compare/" + basehead), Q(permalink), status,
        ahead, behind, ahead, ctx.Commit(repo, *base_line->front()), ctx.Commit(repo, *merge_base));
    return Page(
        req, ctx.base, ahead, [&](std::size_t i) { return ctx.Commit(repo, *listed[i]); }, cp,
        reachable,
        // GitHub lists the changed files on the first page only.
        prefix, cp.page <= 1 ? ",\"files\":[]}" : "}");
  }
  if (rest.size() == 1 && rest[0] == "issues") {
    *route = "/repos/{o}/{r}/issues";
    std::optional<WorldTime> since;
    if (!ReadSince(req, "since", &since)) return Error(422, "Validation Failed");
    std::string state = req.query_param("state", "open"), creator = req.query_param("creator");
    if (state != "open" && state != "closed" && state != "all")
      return Error(422, "Validation Failed");
    // GitHub validates the login: one it does not know (a deleted or renamed account) is 422.
    if (!creator.empty() && !m.UserByLogin(creator)) return Error(422, "Validation Failed");
    std::vector<const WorldIssue*> list;
    for (const auto& i : repo.issues) {
      if (i.deleted) continue;
      if (since && i.updated < *since) continue;
      if (state == "open" && i.closed) continue;
      if (state == "closed" && !i.closed) continue;
      if (!creator.empty()) {
        const WorldUser* u = m.User(i.user);
        if (!u || !EqualsNoCase(u->login, creator)) continue;
      }
      list.push_back(&i);
    }
    bool desc = dir != "asc";
    if (sort == "updated") {
      SortBy<WorldIssue>(
          list, [](const WorldIssue& i) { return std::make_pair(i.updated, i.id); }, desc);
    } else if (sort == "comments") {
      SortBy<WorldIssue>(
          list, [](const WorldIssue& i) { return std::make_pair(i.comments, i.id); }, desc);
    } else {
      SortBy<WorldIssue>(
          list, [](const WorldIssue& i) { return std::make_pair(i.created, i.id); }, desc);
    }
    return Page(
        req, ctx.base, list.size(), [&](std::size_t i) { return ctx.Issue(repo, *list[i]); }, p);
  }
  // Comment listings: repository-wide, or one issue's / pull request's.
  auto comments = [&](const std::vector<WorldComment>& all, std::optional<std::int64_t> number,
                      bool review) -> Reply {
    std::optional<WorldTime> since;
    if (!ReadSince(req, "since", &since)) return Error(422, "Validation Failed");
    std::vector<const WorldComment*> list;
    for (const auto& c : all) {
      if (c.deleted) continue;
      if (number && c.number != *number) continue;
      if (since && c.updated < *since) continue;
      list.push_back(&c);
    }
    // GitHub: ascending by default; direction is ignored without sort.
    bool desc = !sort.empty() && dir == "desc";
    if (sort == "updated") {
      SortBy<WorldComment>(
          list, [](const WorldComment& c) { return std::make_pair(c.updated, c.id); }, desc);
    } else {
      SortBy<WorldComment>(
          list, [](const WorldComment& c) { return std::make_pair(c.created, c.id); }, desc);
    }
    return Page(
        req, ctx.base, list.size(),
        [&](std::size_t i) {
          return review ? ctx.ReviewComment(repo, *list[i]) : ctx.IssueComment(repo, *list[i]);
        },
        p);
  };
  if (rest.size() == 2 && rest[0] == "issues" && rest[1] == "comments") {
    *route = "/repos/{o}/{r}/issues/comments";
    return comments(repo.issue_comments, std::nullopt, false);
  }
  // One comment by its id: 404 once deleted, as on GitHub.
  auto one_comment = [&](const std::vector<WorldComment>& all, const std::string& id,
                         bool review) -> Reply {
    for (const auto& c : all) {
      if (std::to_string(c.id) != id) continue;
      if (c.deleted) break;
      return {200, review ? ctx.ReviewComment(repo, c) : ctx.IssueComment(repo, c), {}};
    }
    return NotFound();
  };
  if (rest.size() == 3 && rest[0] == "issues" && rest[1] == "comments") {
    *route = "/repos/{o}/{r}/issues/comments/{id}";
    return one_comment(repo.issue_comments, rest[2], false);
  }
  if (rest.size() == 3 && rest[0] == "pulls" && rest[1] == "comments") {
    *route = "/repos/{o}/{r}/pulls/comments/{id}";
    return one_comment(repo.review_comments, rest[2], true);
  }
  if (rest.size() == 2 && rest[0] == "issues") {
    *route = "/repos/{o}/{r}/issues/{n}";
    const WorldIssue* i = issue_at(rest[1]);
    if (!i) return NotFound();
    return {200, ctx.Issue(repo, *i), {}};
  }
  if (rest.size() == 3 && rest[0] == "issues" && rest[2] == "comments") {
    *route = "/repos/{o}/{r}/issues/{n}/comments";
    const WorldIssue* i = issue_at(rest[1]);
    if (!i) return NotFound();
    return comments(repo.issue_comments, i->number, false);
  }
  if (rest.size() == 2 && rest[0] == "pulls" && rest[1] == "comments") {
    *route = "/repos/{o}/{r}/pulls/comments";
    return comments(repo.review_comments, std::nullopt, true);
  }
  if (rest.size() == 1 && rest[0] == "pulls") {
    *route = "/repos/{o}/{r}/pulls";
    std::string state = req.query_param("state", "open");
    if (state != "open" && state != "closed" && state != "all")
      return Error(422, "Validation Failed");
    std::vector<const WorldIssue*> list;
    for (const auto& i : repo.issues) {
      if (!i.is_pull) continue;
      if (state == "open" && i.closed) continue;
      if (state == "closed" && !i.closed) continue;
      list.push_back(&i);
    }
    // GitHub: desc by default when sorting by creation, asc otherwise.
    bool by_created = sort.empty() || sort == "created";
    bool desc = dir.empty() ? by_created : dir == "desc";
    if (sort == "updated") {
      SortBy<WorldIssue>(
          list, [](const WorldIssue& i) { return std::make_pair(i.updated, i.id); }, desc);
    } else {
      SortBy<WorldIssue>(
          list, [](const WorldIssue& i) { return std::make_pair(i.created, i.id); }, desc);
    }
    return Page(
        req, ctx.base, list.size(), [&](std::size_t i) { return ctx.Pull(repo, *list[i]); }, p);
  }
  if (rest.size() >= 2 && rest[0] == "pulls") {
    const WorldIssue* i = issue_at(rest[1]);
    if (rest.size() == 2) {
      *route = "/repos/{o}/{r}/pulls/{n}";
      if (!i || !i->is_pull) return NotFound();
      return {200, ctx.Pull(repo, *i), {}};
    }
    if (rest.size() == 3 && rest[2] == "reviews") {
      *route = "/repos/{o}/{r}/pulls/{n}/reviews";
      if (!i || !i->is_pull) return NotFound();
      std::vector<const WorldReview*> list;
      for (const auto& v : repo.reviews)
        if (v.number == i->number) list.push_back(&v);
      return Page(
          req, ctx.base, list.size(), [&](std::size_t k) { return ctx.Review(repo, *list[k]); }, p);
    }
    if (rest.size() == 3 && rest[2] == "comments") {
      *route = "/repos/{o}/{r}/pulls/{n}/comments";
      if (!i || !i->is_pull) return NotFound();
      return comments(repo.review_comments, i->number, true);
    }
  }
  *route = "/repos/{o}/{r}/unknown";
  return NotFound();
}

Reply GitHubHandler::State::Search(const HttpRequest& req, const Ctx& ctx) {
  const auto& m = ctx.m;
  Paging p = ReadPaging(req);
  std::string q = req.query_param("q");
  if (!p.ok || q.empty()) return Error(422, "Validation Failed");
  auto quals = ParseSearch(q).quals;
  if ((p.page - 1) * p.per_page >= options.search_cap) {
    return Error(422,
                 fmt::format("Only the first {} search results are available", options.search_cap));
  }
  struct Hit {
    const WorldRepo* repo;
    const WorldIssue* issue;
  };
  std::vector<Hit> hits;
  for (const auto& repo : m.repos) {
    if (repo.deleted) continue;
    // Who commented on which number, for involves:/commenter:.
    std::map<std::int64_t, std::set<std::int64_t>> commenters;
    bool need_commenters = false;
    for (const auto& [k, v] : quals) need_commenters |= (k == "involves" || k == "commenter");
    if (need_commenters) {
      for (const auto* list : {&repo.issue_comments, &repo.review_comments})
        for (const auto& c : *list)
          if (!c.deleted) commenters[c.number].insert(c.user);
    }
    bool repo_ok = true;
    for (const auto& [k, v] : quals) {
      if (k == "repo" && !EqualsNoCase(v, repo.full_name())) repo_ok = false;
      if ((k == "user" || k == "org") && !EqualsNoCase(v, repo.owner)) repo_ok = false;
    }
    if (!repo_ok) continue;
    for (const auto& i : repo.issues) {
      if (i.deleted) continue;
      bool ok = true;
      for (const auto& [k, v] : quals) {
        const WorldUser* who = nullptr;
        if (k == "involves" || k == "author" || k == "commenter") {
          who = m.UserByLogin(v);
          if (!who) {
            ok = false;
            break;
          }
        }
        bool is_author = who && i.user == who->id;
        bool commented = who && commenters[i.number].count(who->id) > 0;
        if (k == "involves")
          ok = is_author || commented;
        else if (k == "author")
          ok = is_author;
        else if (k == "commenter")
          ok = commented;
        else if ((k == "is" || k == "type") && (v == "issue"))
          ok = !i.is_pull;
        else if ((k == "is" || k == "type") && (v == "pr" || v == "pull-request"))
          ok = i.is_pull;
        else if (k == "is" && v == "merged")
          ok = i.merged.has_value();
        else if ((k == "is" || k == "state") && v == "open")
          ok = !i.closed;
        else if ((k == "is" || k == "state") && v == "closed")
          ok = i.closed.has_value();
        else if (k == "created")
          ok = MatchDate(v, i.created);
        else if (k == "updated")
          ok = MatchDate(v, i.updated);
        if (!ok) break;
      }
      if (ok) hits.push_back({&repo, &i});
    }
  }
  std::string sort = req.query_param("sort");
  bool desc = Lower(req.query_param("order", "desc")) != "asc";
  std::stable_sort(hits.begin(), hits.end(), [&](const Hit& a, const Hit& b) {
    auto key = [&](const Hit& h) {
      WorldTime t = sort == "updated" ? h.issue->updated : h.issue->created;
      if (sort == "comments") t = h.issue->comments;
      return std::make_pair(t, h.issue->id);
    };
    return desc ? key(b) < key(a) : key(a) < key(b);
  });
  auto render = [&](std::size_t k) {
    std::string item = ctx.Issue(*hits[k].repo, *hits[k].issue);
    item.pop_back();
    return item + ",\"score\":1.0}";
  };
  return Page(
      req, ctx.base, hits.size(), render, p, options.search_cap,
      fmt::format("{{\"total_count\":{},\"incomplete_results\":false,\"items\":", hits.size()),
      "}");
}

Reply GitHubHandler::State::Events(const HttpRequest& req, const Ctx& ctx, const WorldUser& u) {
  const auto& m = ctx.m;
  Paging p = ReadPaging(req);
  if (!p.ok) return Error(422, "Validation Failed");
  if ((p.page - 1) * p.per_page >= options.events_cap) {
    return Error(422,
                 "In order to keep the API fast for everyone, pagination is limited for this "
                 "resource.");
  }
  WorldTime from = m.now - static_cast<WorldTime>(options.events_days) * 86400;
  // Found first, rendered only for the page asked for. As on GitHub, an event names the
  // repository as it was called when the event happened (a renamed one answers 301 later).
  struct Ev {
    WorldTime at;
    std::int64_t order;
    int kind;  // 1 push, 2 PR opened, 3 issue opened, 4 comment, 5 review comment, 6 review
    const WorldRepo* repo;
    const void* item;
    std::int64_t id;
  };
  std::vector<Ev> evs;
  auto add = [&](const WorldRepo& r, WorldTime at, std::int64_t id, int kind, const void* item) {
    if (at < from || at > m.now) return;
    evs.push_back({at, id * 10 + kind, kind, &r, item, id});
  };
  for (const auto& r : m.repos) {
    if (r.deleted) continue;
    for (std::size_t k = 0; k < r.commits.size(); ++k) {
      const auto& c = r.commits[k];
      if (c.author == u.id) add(r, c.date, static_cast<std::int64_t>(k) + r.id * 1000000, 1, &c);
    }
    for (const auto& i : r.issues)
      if (i.user == u.id) add(r, i.created, i.id, i.is_pull ? 2 : 3, &i);
    for (const auto& c : r.issue_comments)
      if (c.user == u.id) add(r, c.created, c.id, 4, &c);
    for (const auto& c : r.review_comments)
      if (c.user == u.id) add(r, c.created, c.id, 5, &c);
    for (const auto& v : r.reviews)
      if (v.user == u.id && v.state != "PENDING") add(r, v.submitted, v.id, 6, &v);
  }
  std::sort(evs.begin(), evs.end(), [](const Ev& a, const Ev& b) {
    return std::make_pair(a.at, a.order) > std::make_pair(b.at, b.order);
  });
  if (static_cast<int>(evs.size()) > options.events_cap)
    evs.resize(static_cast<std::size_t>(options.events_cap));
  std::string actor =
      fmt::format("{{\"id\":{},\"login\":{},\"display_login\":{},\"gravatar_id\":\"\",\"url\":{}}}",
                  u.id, Q(u.login), Q(u.login), Q(ctx.base + "/users/" + u.login));
  auto render = [&](std::size_t k) {
    const Ev& e = evs[k];
    const WorldRepo& r = *e.repo;
    auto issue_of = [&](std::int64_t number) -> const WorldIssue& {
      return r.issues[static_cast<std::size_t>(number - 1)];
    };
    const char* type = "";
    std::string payload;
    switch (e.kind) {
      case 1: {
        const auto& c = *static_cast<const WorldCommit*>(e.item);
        type = "PushEvent";
        payload = fmt::format(
            "{{\"repository_id\":{},\"push_id\":{},\"size\":1,\"ref\":{},\"head\":{},"
            "\"commits\":[{{\"sha\":{},\"message\":\"change\",\"distinct\":true}}]}}",
            r.id, e.id, Q("refs/heads/" + r.default_branch), Q(c.sha), Q(c.sha));
        break;
      }
      case 2: {
        const auto& i = *static_cast<const WorldIssue*>(e.item);
        type = "PullRequestEvent";
        payload = fmt::format("{{\"action\":\"opened\",\"number\":{},\"pull_request\":{}}}",
                              i.number, ctx.Pull(r, i));
        break;
      }
      case 3: {
        const auto& i = *static_cast<const WorldIssue*>(e.item);
        type = "IssuesEvent";
        payload = fmt::format("{{\"action\":\"opened\",\"issue\":{}}}", ctx.Issue(r, i));
        break;
      }
      case 4: {
        const auto& c = *static_cast<const WorldComment*>(e.item);
        type = "IssueCommentEvent";
        payload = fmt::format("{{\"action\":\"created\",\"issue\":{},\"comment\":{}}}",
                              ctx.Issue(r, issue_of(c.number)), ctx.IssueComment(r, c));
        break;
      }
      case 5: {
        const auto& c = *static_cast<const WorldComment*>(e.item);
        type = "PullRequestReviewCommentEvent";
        payload = fmt::format("{{\"action\":\"created\",\"pull_request\":{},\"comment\":{}}}",
                              ctx.Pull(r, issue_of(c.number)), ctx.ReviewComment(r, c));
        break;
      }
      default: {
        const auto& v = *static_cast<const WorldReview*>(e.item);
        type = "PullRequestReviewEvent";
        payload = fmt::format("{{\"action\":\"created\",\"pull_request\":{},\"review\":{}}}",
                              ctx.Pull(r, issue_of(v.number)), ctx.Review(r, v));
        break;
      }
    }
    return fmt::format(
        "{{\"id\":{},\"type\":{},\"actor\":{},\"repo\":{{\"id\":{},\"name\":{},\"url\":{}}},"
        "\"payload\":{},\"public\":true,\"created_at\":{}}}",
        Q(fmt::format("{}{}", e.id, e.kind)), Q(type), actor, r.id, Q(r.name_at(e.at)),
        Q(ctx.base + "/repos/" + r.name_at(e.at)), payload, Time(e.at));
  };
  Reply r = Page(req, ctx.base, evs.size(), render, p, options.events_cap);
  r.headers.emplace_back("x-poll-interval", std::to_string(options.poll_interval));
  return r;
}

GitHubHandler::GitHubHandler(std::shared_ptr<World> world, std::function<std::string()> base_url,
                             GitHubHandlerOptions options)
    : state_(std::make_shared<State>()) {
  state_->world = std::move(world);
  state_->base_url = std::move(base_url);
  state_->options = std::move(options);
  state_->graphql = std::make_shared<GraphqlEndpoint>(state_->options.graphql);
  if (state_->options.app) {
    State* raw = state_.get();
    state_->app = std::make_unique<FakeApp>(*state_->options.app, [raw] { return raw->Now(); });
  }
}

FakeApp* GitHubHandler::app() const { return state_->app.get(); }

GraphqlEndpoint& GitHubHandler::graphql() const { return *state_->graphql; }

std::shared_ptr<World> GitHubHandler::world() const { return state_->world; }

// GitHub dates every answer, refusals and GraphQL included: the client's clock for rate-limit
// resets and commit dates is the world's, whatever it was answered.
HttpResponse GitHubHandler::operator()(const HttpRequest& req) const {
  HttpResponse out = Serve(req);
  for (const auto& [name, value] : out.headers)
    if (name == "date") return out;
  out.headers.emplace_back("date", WorldTimeHttpDate(state_->world->Now()));
  return out;
}

HttpResponse GitHubHandler::Serve(const HttpRequest& req) const {
  State& s = *state_;
  HttpResponse out;
  out.delay = s.options.latency;
  std::string base = s.base_url ? s.base_url() : "";
  std::string resource = req.path.rfind("/search/", 0) == 0 ? "search" : "core";
  bool free = req.path == "/rate_limit";

  // A GitHub App's token exchange: the JWT is its credential, not a token.
  if (s.app && req.method == "POST" && req.path.rfind("/app/installations/", 0) == 0 &&
      req.path.size() > 34 && req.path.substr(req.path.size() - 14) == "/access_tokens") {
    const std::string id = req.path.substr(19, req.path.size() - 19 - 14);
    auto [status, body] = s.app->Exchange(std::atoll(id.c_str()), req.header("authorization"));
    {
      std::lock_guard lock(s.mu);
      s.counters.requests++;
      if (status == 401) s.counters.unauthorized++;
    }
    out.status = status;
    out.headers.emplace_back("content-type", "application/json; charset=utf-8");
    out.body = body;
    return out;
  }
  // The token presented ("" without one): budgets and ETags are per token, as on GitHub.
  std::string who;
  {
    std::string auth = req.header("authorization");
    for (const char* scheme : {"Bearer ", "token "}) {
      if (auth.rfind(scheme, 0) == 0) who = auth.substr(std::string_view(scheme).size());
    }
  }
  bool accepted = s.options.token.empty() && s.options.tokens.empty();
  if (!who.empty() &&
      (who == s.options.token || std::find(s.options.tokens.begin(), s.options.tokens.end(), who) !=
                                     s.options.tokens.end())) {
    accepted = true;
  }
  if (!accepted && !who.empty() && s.app) {
    // An installation token: its budget and ETags are the installation's, across tokens.
    bool expired = false;
    if (auto principal = s.app->Principal(who, &expired)) {
      accepted = true;
      who = *principal;
    }
  }
  {
    std::lock_guard lock(s.mu);
    if (s.revoked.count(who)) accepted = false;
  }
  if (!accepted) {
    {
      std::lock_guard lock(s.mu);
      s.counters.requests++;
      s.counters.unauthorized++;
      out.status = 401;
      out.headers.emplace_back("content-type", "application/json; charset=utf-8");
      out.body = Error(401, "Bad credentials").body;
      return out;
    }
  }
  if (GraphqlEndpoint::Handles(req))
    return WithDelay(s.graphql->Serve(req, *s.world, base + "/html"), s.options.latency);
  {
    std::lock_guard lock(s.mu);
    s.counters.requests++;
    if (!free && s.Get(who, resource).used >= s.Limit(resource)) {
      s.counters.rate_limited++;
      out.status = 403;
      out.body = Error(403, fmt::format("API rate limit exceeded for {} resource. (But here's "
                                        "the good news: this is a test server.)",
                                        resource))
                     .body;
      out.headers.emplace_back("content-type", "application/json; charset=utf-8");
      s.RateHeaders(who, resource, &out);
      return out;
    }
  }

  Reply reply;
  std::string route;
  if (free) {
    route = "/rate_limit";
    std::lock_guard lock(s.mu);
    reply = s.RateLimitBody(who);
  } else {
    reply = s.world->Read([&](const WorldModel& m) {
      Ctx ctx{m, base, base + "/html", s.options.issues_merged_at};
      return s.Route(req, ctx, &route);
    });
  }

  out.status = reply.status;
  out.headers.emplace_back("content-type", "application/json; charset=utf-8");
  for (auto& h : reply.headers) out.headers.push_back(std::move(h));
  std::string etag;
  if (reply.status == 200) {
    // GitHub's ETags vary with the Authorization header: another token's validator is no
    // match, so a client that switches tokens pays a 200.
    const std::uint64_t seed = who.empty() ? kFnv1a64OffsetBasis : Fnv1a64(who);
    etag = fmt::format(
        "\"{:016x}{:016x}\"", Fnv1a64(reply.body, seed),
        Fnv1a64(reply.body, who.empty() ? 0x84222325cbf29ce4ULL : 0x84222325cbf29ce4ULL ^ seed));
    out.headers.emplace_back("etag", etag);
    out.headers.emplace_back("cache-control", "private, max-age=60, s-maxage=60");
    out.headers.emplace_back("vary", "Accept, Authorization, Cookie, X-GitHub-OTP");
  }
  bool not_modified = false;
  if (!etag.empty()) {
    std::string inm = req.header("if-none-match");
    // A list of tags, weak or strong; the weak comparison is what GitHub applies.
    std::size_t i = 0;
    while (!not_modified && i < inm.size()) {
      std::size_t j = inm.find(',', i);
      if (j == std::string::npos) j = inm.size();
      std::string tag = inm.substr(i, j - i);
      while (!tag.empty() && tag.front() == ' ') tag.erase(0, 1);
      while (!tag.empty() && tag.back() == ' ') tag.pop_back();
      if (tag.rfind("W/", 0) == 0) tag = tag.substr(2);
      not_modified = tag == etag || tag == "*";
      i = j + 1;
    }
  }

  std::lock_guard lock(s.mu);
  auto& c = s.counters;
  c.per_route[route]++;
  if (!req.header("if-none-match").empty()) c.conditional++;
  if (not_modified) {
    out.status = 304;
    out.body.clear();
    c.not_modified++;
    c.per_route_304[route]++;
  } else {
    out.body = std::move(reply.body);
    if (!free) {
      s.Get(who, resource).used++;
      c.points[resource]++;
      c.points_by_token[who]++;
    }
    if (out.status == 200) {
      c.ok++;
      c.per_route_ok[route]++;
    } else if (out.status == 301) {
      c.redirects++;
    } else if (out.status == 404) {
      c.not_found++;
    } else {
      c.other++;
    }
  }
  if (!free) s.RateHeaders(who, resource, &out);
  return out;
}

void GitHubHandler::Revoke(const std::string& token) {
  std::lock_guard lock(state_->mu);
  state_->revoked.insert(token);
}

ApiCounters GitHubHandler::counters() const {
  GraphqlCounters g = state_->graphql->counters();
  std::lock_guard lock(state_->mu);
  ApiCounters c = state_->counters;
  if (g.requests > 0) {
    c.requests += g.requests;
    c.points["graphql"] += g.points;
    c.per_route["/graphql"] += g.requests;
  }
  return c;
}

void GitHubHandler::ResetCounters() {
  state_->graphql->ResetCounters();
  std::lock_guard lock(state_->mu);
  state_->counters = ApiCounters{};
}

void GitHubHandler::ResetRateLimits() {
  state_->graphql->ResetRateLimit();
  std::lock_guard lock(state_->mu);
  state_->buckets.clear();
}

// ---- Faults ------------------------------------------------------------------------------

void FaultCounts::Add(const std::string& kind) {
  std::lock_guard lock(mu_);
  ++by_kind_[kind];
}

std::map<std::string, std::int64_t> FaultCounts::snapshot() const {
  std::lock_guard lock(mu_);
  return by_kind_;
}

Handler WithFaults(Handler inner, double rate, std::uint64_t seed, FaultMix mix,
                   std::shared_ptr<FaultCounts> counts) {
  struct FaultState {
    std::mutex mu;
    std::map<std::string, std::uint64_t> attempts;
  };
  auto st = std::make_shared<FaultState>();
  return [inner = std::move(inner), rate, seed, mix, counts,
          st](const HttpRequest& req) -> HttpResponse {
    if (req.path == "/rate_limit" || rate <= 0) return inner(req);
    std::uint64_t attempt;
    {
      std::lock_guard lock(st->mu);
      attempt = st->attempts[req.target + req.body]++;
    }
    // The body too: every GraphQL query is a POST to the same target.
    std::uint64_t h =
        Fnv1a64(req.target + req.body, seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL);
    h ^= attempt * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 31)) * 0x94d049bb133111ebULL;
    h ^= h >> 29;
    double draw = static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);
    if (draw >= rate) return inner(req);
    auto count = [&](const char* kind) {
      if (counts) counts->Add(kind);
    };
    HttpResponse out;
    out.headers.emplace_back("content-type", "application/json; charset=utf-8");
    // A plausible start of a listing, cut off: a client must not accept it.
    std::string partial =
        "[{\"id\":1,\"number\":1,\"title\":\"cut off\",\"user\":{\"login\":\"someone\",\"id\":2,"
        "\"type\":\"User\"},\"created_at\":\"2026-01-01T00:00:00Z\",\"reactions\":{\"total_count\"";
    switch ((h >> 3) % (mix == FaultMix::kAll ? 9 : 6)) {
      case 0:
        count("http_500");
        out.status = 500;
        out.body = "{\"message\":\"Server Error\"}";
        break;
      case 1:
        count("http_502");
        out.status = 502;
        out.body = "{\"message\":\"Server Error\"}";
        break;
      case 2:
        count("secondary_403");
        out.status = 403;
        out.headers.emplace_back("retry-after", "1");
        out.body =
            "{\"message\":\"You have exceeded a secondary rate limit. Please wait a few minutes "
            "before you try again.\",\"documentation_url\":\"https://docs.github.com/rest/"
            "overview/rate-limits-for-the-rest-api#about-secondary-rate-limits\"}";
        break;
      case 3:
        count("reset");
        out.reset_connection = true;
        break;
      case 4:
        count("truncated");
        out.status = 200;
        out.body = partial + ":3}}]";
        out.truncate_at = partial.size();
        break;
      case 5:
        count("closed_mid_body");
        out.status = 200;
        out.body = partial + ":3}}]";
        out.close_mid_body = true;
        break;
      case 6:
        count("http_429");
        out.status = 429;
        out.headers.emplace_back("retry-after", "1");
        out.body = "{\"message\":\"Too Many Requests\"}";
        break;
      case 7:
        // Slow but whole: the client must wait it out, not count it as a failure.
        count("slow");
        out = inner(req);
        out.delay = std::chrono::milliseconds(100);
        break;
      default: {
        // Corruption can only hide in a body that is gzip-encoded on the wire; a 304, an
        // empty body or a client that does not ask for gzip gets the answer untouched.
        out = inner(req);
        if (out.status == 200 && !out.body.empty() && AcceptsGzip(req.header("accept-encoding"))) {
          count("corrupt_gzip");
          out.gzip = true;
          out.corrupt_gzip = true;
        } else {
          count("corrupt_gzip_not_applicable");
        }
        break;
      }
    }
    return out;
  };
}

}  // namespace ghharvest::testing
