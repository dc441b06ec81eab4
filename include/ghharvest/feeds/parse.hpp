// Blog feeds as plain records: RSS 2.0, Atom 1.0 and JSON Feed 1.1 parsed into FeedEntry, and
// the rule that says which GitHub projects a post is about. Pure functions over bytes: no
// I/O, no SQL. The XML formats are read with libxml2's streaming reader (no DTD loading, no
// entity substitution, no network), HTML content with libxml2's HTML parser, JSON Feed with
// simdjson; URLs are resolved with libcurl's URL API.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::feeds {

enum class FeedFormat { kRss, kAtom, kJsonFeed };
std::string_view FormatName(FeedFormat f);

struct FeedEntry {
  std::string id;     // guid, Atom id or JSON Feed id as written; empty when the feed has none
  std::string link;   // the post's page, absolute (resolved against the feed's base); or empty
  std::string title;  // plain text
  std::optional<Clock::TimePoint> published;
  std::optional<Clock::TimePoint> updated;
  std::vector<std::string> categories;  // RSS category, Atom category term, JSON Feed tags
  // The links in the summary and content (HTML a/area href, or URLs in plain text) that can
  // name a GitHub repository, absolute: those saying "github", and relative ones when the base
  // they resolve against does. Others cannot change attribution and are not resolved.
  std::vector<std::string> content_links;
};

struct ParsedFeed {
  FeedFormat format = FeedFormat::kRss;
  std::string title;
  std::vector<FeedEntry> entries;
};

// Parses a feed body fetched from `url` (the base of relative links, with xml:base on top).
// kCorruption with a message a person can act on: "malformed XML at line 3: ...", "an HTML
// page, not a feed", "not a feed: the root element is <foo>", "JSON Feed: ...".
Result<ParsedFeed> ParseFeed(std::string_view body, const std::string& url);

// `ref` resolved against `base` (RFC 3986, libcurl's parser), normalized (scheme and host
// lower-cased, no fragment); nullopt when the result is not an http(s) URL.
std::optional<std::string> ResolveUrl(const std::string& base, std::string_view ref);

// "owner/repo" when `url` points at a GitHub repository or anything below it:
// http or https, github.com or www.github.com in any case, a trailing ".git" dropped.
// nullopt for users and orgs alone, gists, github.io pages, GitHub's own pages (/orgs/...,
// /settings, /topics/...) and anything else.
std::optional<std::string> ProjectOfUrl(std::string_view url);

// The projects a post counts for (the counts contract in docs/scoring.md): those its link,
// summary or content link to, and categories spelled "owner/repo". Each once (names compare
// case-insensitively; the first spelling met is kept), in the order met.
std::vector<std::string> ProjectsOf(const FeedEntry& entry);

// The identity of a post within a writer's feeds: its entry id when it has one, else its
// link; empty when it has neither (such an entry is skipped).
std::string PostKey(const FeedEntry& entry);

// Dates as feeds write them: RFC 822/1123 ("Mon, 02 Jan 2006 15:04:05 -0700", "GMT", "UT",
// US zone names, two-digit years) and RFC 3339 / W3C-DTF ("2006-01-02T15:04:05.999+07:00",
// "2006-01-02T15:04Z", "2006-01-02"). False on anything else.
bool ParseFeedDate(std::string_view text, Clock::TimePoint* out);

}  // namespace ghharvest::feeds
