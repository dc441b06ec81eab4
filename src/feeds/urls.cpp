// URL handling for feeds with libcurl's URL API (the parser of the library that fetches), and
// the attribution of a post to GitHub projects.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <memory>
#include <unordered_set>

#include "feeds/text.hpp"
#include "feeds/urls.hpp"
#include "ghharvest/feeds/parse.hpp"
#include "ghharvest/util/names.hpp"

namespace ghharvest::feeds {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

std::optional<std::string> Part(CURLU* u, CURLUPart part, unsigned flags = 0) {
  char* out = nullptr;
  if (curl_url_get(u, part, &out, flags) != CURLUE_OK || out == nullptr) return std::nullopt;
  std::string s(out);
  curl_free(out);
  return s;
}

// The first path segments of GitHub that are GitHub's own pages, not an owner: a link to
// https://github.com/features/actions is no project. Logins cannot take these names.
constexpr std::string_view kReservedOwners[] = {
    "about",      "account",       "apps",     "blog",
    "codespaces", "collections",   "contact",  "customer-stories",
    "dashboard",  "enterprise",    "events",   "explore",
    "features",   "home",          "issues",   "join",
    "login",      "marketplace",   "new",      "notifications",
    "orgs",       "organizations", "pricing",  "pulls",
    "search",     "security",      "settings", "site",
    "sponsors",   "topics",        "trending", "users"};

bool Reserved(std::string_view owner) {
  const std::string lower = AsciiLower(owner);
  return std::find(std::begin(kReservedOwners), std::end(kReservedOwners), lower) !=
         std::end(kReservedOwners);
}

// Whether `ref` starts with a scheme ("https:", "mailto:"): then no base applies (RFC 3986
// section 5.2.2) and parsing the base would be wasted.
bool HasScheme(std::string_view ref) {
  if (ref.empty() || !std::isalpha(static_cast<unsigned char>(ref.front()))) return false;
  for (char c : ref.substr(1)) {
    if (c == ':') return true;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return false;
}

// The repository a GitHub URL's path names ("/owner/repo/anything"), if any.
std::optional<std::string> ProjectOfPath(std::string_view p) {
  while (!p.empty() && p.front() == '/') p.remove_prefix(1);
  const std::size_t slash = p.find('/');
  if (slash == std::string_view::npos) return std::nullopt;  // an owner alone
  std::string_view owner = p.substr(0, slash);
  std::string_view repo = p.substr(slash + 1);
  repo = repo.substr(0, repo.find('/'));
  if (repo.size() > 4 && AsciiLower(repo.substr(repo.size() - 4)) == ".git") {
    repo.remove_suffix(4);
  }
  // A repository's owner is a plain login: "name[bot]" is a bot account's login, never an
  // owner in a URL (found by the fuzz target).
  std::string project = std::string(owner) + "/" + std::string(repo);
  if (Reserved(owner) || !IsValidRepoName(project)) return std::nullopt;
  return project;
}

}  // namespace

namespace internal {

bool IsCanonicalHttpUrl(std::string_view url) {
  std::string_view rest;
  if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return false;
  }
  // The host: lower-case letters, digits, '-' and '.', its last label starting with a letter
  // (curl rewrites numeric hosts such as 127.1 as IPv4 addresses); no user, no port.
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return false;  // curl would add the '/'
  const std::string_view host = rest.substr(0, slash);
  for (char c : host) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  const std::size_t dot = host.rfind('.');
  const char first = host[dot == std::string_view::npos ? 0 : dot + 1];
  if (dot + 1 == host.size() || first < 'a' || first > 'z') return false;
  // The path and query: only characters that are never encoded, no fragment, no '%' (curl may
  // normalise an escape), no empty query, no dot segment (curl removes those).
  const std::string_view tail = rest.substr(slash);
  const std::size_t q = tail.find('?');
  if (q + 1 == tail.size()) return false;
  for (char c : tail) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!plain && std::string_view("-._~!$&'()*+,;=:@/?").find(c) == std::string_view::npos) {
      return false;
    }
  }
  const std::string_view path = tail.substr(0, q);
  for (std::size_t i = 0; i < path.size();) {
    const std::size_t end = std::min(path.find('/', i + 1), path.size());
    const std::string_view segment = path.substr(i + 1, end - i - 1);
    if (segment == "." || segment == "..") return false;
    i = end;
  }
  return true;
}

std::optional<std::string> ResolveWithCurl(const std::string& base, std::string_view ref) {
  UrlHandle u;
  if (!base.empty() && !HasScheme(ref)) {
    // A feed resolves many links against one base: parse it once per thread and copy it.
    thread_local std::string parsed_base;
    thread_local UrlHandle parsed;
    if (!parsed || parsed_base != base) {
      parsed.reset(curl_url());
      if (parsed && curl_url_set(parsed.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK) {
        parsed.reset();
      }
      parsed_base = base;
    }
    if (parsed) u.reset(curl_url_dup(parsed.get()));
  }
  if (!u) u.reset(curl_url());
  if (!u) return std::nullopt;
  // With a URL set, curl resolves a relative one against it.
  const std::string r(ref);
  if (curl_url_set(u.get(), CURLUPART_URL, r.c_str(), CURLU_URLENCODE) != CURLUE_OK) {
    return std::nullopt;
  }
  auto scheme = Part(u.get(), CURLUPART_SCHEME);
  if (!scheme || (*scheme != "http" && *scheme != "https")) return std::nullopt;
  curl_url_set(u.get(), CURLUPART_FRAGMENT, nullptr, 0);
  auto host = Part(u.get(), CURLUPART_HOST);
  if (!host || host->empty()) return std::nullopt;
  curl_url_set(u.get(), CURLUPART_HOST, AsciiLower(*host).c_str(), 0);
  return Part(u.get(), CURLUPART_URL, CURLU_NO_DEFAULT_PORT);
}

}  // namespace internal

std::optional<std::string> ResolveUrl(const std::string& base, std::string_view ref) {
  // Whitespace around an href is common in hand-written HTML and not part of the URL.
  while (!ref.empty() && std::isspace(static_cast<unsigned char>(ref.front())))
    ref.remove_prefix(1);
  while (!ref.empty() && std::isspace(static_cast<unsigned char>(ref.back()))) ref.remove_suffix(1);
  if (ref.empty()) return std::nullopt;
  // Most links of a feed are written the way curl would write them back: skip curl for those
  // (it costs more than reading the post they are in). tests/fuzz/html_links_fuzz.cpp holds
  // the two to the same answer.
  if (internal::IsCanonicalHttpUrl(ref)) return std::string(ref);
  return internal::ResolveWithCurl(base, ref);
}

std::optional<std::string> ProjectOfUrl(std::string_view url) {
  // Most links are not GitHub's: skip curl for those that cannot name its host.
  if (!internal::ContainsGithub(url)) return std::nullopt;
  // A URL as curl writes it (most links here came out of ResolveUrl) is read without curl:
  // host up to the first '/', path up to the query, nothing escaped.
  if (internal::IsCanonicalHttpUrl(url)) {
    std::string_view rest = url.substr(url.find("://") + 3);
    const std::string_view host = rest.substr(0, rest.find('/'));
    if (host != "github.com" && host != "www.github.com") return std::nullopt;
    rest.remove_prefix(host.size());
    return ProjectOfPath(rest.substr(0, rest.find('?')));
  }
  return internal::ProjectOfUrlWithCurl(url);
}

std::optional<std::string> internal::ProjectOfUrlWithCurl(std::string_view url) {
  UrlHandle u(curl_url());
  if (!u) return std::nullopt;
  const std::string s(url);
  if (curl_url_set(u.get(), CURLUPART_URL, s.c_str(), 0) != CURLUE_OK) return std::nullopt;
  auto scheme = Part(u.get(), CURLUPART_SCHEME);
  if (!scheme || (*scheme != "http" && *scheme != "https")) return std::nullopt;
  auto host = Part(u.get(), CURLUPART_HOST);
  if (!host) return std::nullopt;
  const std::string h = AsciiLower(*host);
  if (h != "github.com" && h != "www.github.com") return std::nullopt;
  // A port other than the scheme's own is not GitHub's site.
  if (auto port = Part(u.get(), CURLUPART_PORT)) {
    if (!((*scheme == "https" && *port == "443") || (*scheme == "http" && *port == "80"))) {
      return std::nullopt;
    }
  }
  auto path = Part(u.get(), CURLUPART_PATH, CURLU_URLDECODE);
  if (!path) return std::nullopt;
  return ProjectOfPath(*path);
}

std::vector<std::string> ProjectsOf(const FeedEntry& entry) {
  std::vector<std::string> out;
  // Lower-cased; a set, as a hostile post may link to a great many repositories.
  std::unordered_set<std::string> seen;
  auto add = [&](std::string project) {
    if (!seen.insert(AsciiLower(project)).second) return;
    out.push_back(std::move(project));
  };
  if (auto p = ProjectOfUrl(entry.link)) add(std::move(*p));
  for (const std::string& l : entry.content_links) {
    if (auto p = ProjectOfUrl(l)) add(std::move(*p));
  }
  for (const std::string& c : entry.categories) {
    std::string_view t = c;
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
    const std::size_t slash = t.find('/');
    if (slash == std::string_view::npos) continue;
    if (IsValidRepoName(t) && !Reserved(t.substr(0, slash))) add(std::string(t));
  }
  return out;
}

std::string PostKey(const FeedEntry& entry) { return entry.id.empty() ? entry.link : entry.id; }

}  // namespace ghharvest::feeds
