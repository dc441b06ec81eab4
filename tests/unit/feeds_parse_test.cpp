// The feed parsers over feeds written the way each generator and platform writes them (the
// fixtures in tests/fixtures/feeds/ follow their published templates), the attribution rules
// both ways, and hostile or broken documents.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "check_ok.hpp"
#include "files.hpp"
#include "ghharvest/feeds/parse.hpp"

using namespace ghharvest;
using feeds::FeedEntry;
using feeds::ParseFeed;
using feeds::ProjectOfUrl;
using feeds::ProjectsOf;
using testing::ReadFixture;

namespace {

std::string Iso(const std::optional<Clock::TimePoint>& t) {
  return t ? FormatIso8601(*t) : std::string("(none)");
}

feeds::ParsedFeed Parse(const std::string& fixture, const std::string& url) {
  auto r = ParseFeed(ReadFixture("feeds/" + fixture), url);
  REQUIRE_OK(r);
  return std::move(r).value();
}

using Projects = std::vector<std::string>;

}  // namespace

TEST_CASE("Hugo RSS: escaped HTML description, relative links, RFC 1123Z dates, guid as id") {
  auto f = Parse("hugo_rss.xml", "https://alice.example/posts/index.xml");
  CHECK(f.format == feeds::FeedFormat::kRss);
  CHECK(f.title == "Posts on Alice's notes");
  REQUIRE(f.entries.size() == 2);
  const FeedEntry& e = f.entries[0];
  CHECK(e.id == "https://alice.example/posts/parser/");
  CHECK(e.link == "https://alice.example/posts/parser/");
  CHECK(e.title == "Speeding up hello-world's parser");
  CHECK(Iso(e.published) == "2024-01-09T09:00:00Z");
  // Only links that can name a repository are kept (the relative one cannot, on this host).
  CHECK(e.content_links ==
        std::vector<std::string>{"https://github.com/octo-org/hello-world/pull/12"});
  CHECK(ProjectsOf(e) == Projects{"octo-org/hello-world"});
  // A link to the writer's profile is no project.
  CHECK(Iso(f.entries[1].published) == "2024-01-01T13:30:00Z");
  CHECK(ProjectsOf(f.entries[1]).empty());
}

TEST_CASE("jekyll-feed Atom: html title, xml:base, www and case and .git, category terms") {
  auto f = Parse("jekyll_atom.xml", "https://bob.example/feed.xml");
  CHECK(f.format == feeds::FeedFormat::kAtom);
  CHECK(f.title == "Bob & friends");
  REQUIRE(f.entries.size() == 2);
  const FeedEntry& e = f.entries[0];
  CHECK(e.title == "Why gamma needs a cache");
  CHECK(e.id == "https://bob.example/2024/01/12/gamma-cache");
  CHECK(e.link == "https://bob.example/2024/01/12/gamma-cache.html");
  CHECK(Iso(e.published) == "2024-01-12T09:00:00Z");
  CHECK(Iso(e.updated) == "2024-01-12T11:30:00Z");
  CHECK(ProjectsOf(e) == Projects{"Octo/Gamma", "octo/beta"});
  // A relative alternate link resolves against the document's URL.
  CHECK(f.entries[1].link == "https://bob.example/2024/01/05/pages.html");
  // github.io pages, gists, /orgs/... and an owner alone are not projects.
  CHECK(f.entries[1].content_links.size() == 4);
  CHECK(ProjectsOf(f.entries[1]).empty());
}

TEST_CASE("WordPress RSS2: content:encoded in CDATA, guid not a permalink, category owner/repo") {
  auto f = Parse("wordpress_rss.xml", "https://carol.example/feed/");
  REQUIRE(f.entries.size() == 1);
  const FeedEntry& e = f.entries[0];
  CHECK(e.id == "https://carol.example/?p=42");
  CHECK(e.link == "https://carol.example/2024/01/10/releasing-alpha-2-0/");
  CHECK(e.categories == std::vector<std::string>{"Releases", "octo/alpha"});
  // Two links into octo/alpha (http, a fragment) and the category: one project, once.
  CHECK(ProjectsOf(e) == Projects{"octo/alpha"});
  CHECK(Iso(e.published) == "2024-01-10T12:00:00Z");
}

TEST_CASE("Ghost RSS: GMT dates, an opaque guid, the same repository linked twice") {
  auto f = Parse("ghost_rss.xml", "https://dan.example/rss/");
  CHECK(f.title == "Dan's Ghost");
  REQUIRE(f.entries.size() == 1);
  const FeedEntry& e = f.entries[0];
  CHECK(e.id == "659fd1c2e4b0a1b2c3d4e5f6");
  CHECK(e.link == "https://dan.example/profiling-delta/");
  CHECK(Iso(e.published) == "2024-01-11T15:00:00Z");
  CHECK(ProjectsOf(e) == Projects{"octo/delta"});
}

TEST_CASE("dev.to RSS: escaped description, dc:creator, plain tags") {
  auto f = Parse("devto_rss.xml", "https://dev.to/feed/erin");
  REQUIRE(f.entries.size() == 1);
  const FeedEntry& e = f.entries[0];
  CHECK(e.link == "https://dev.to/erin/contributing-to-epsilon-week-one-4k2j");
  CHECK(Iso(e.published) == "2024-01-12T09:15:42Z");
  CHECK(ProjectsOf(e) == Projects{"octo/epsilon"});
}

TEST_CASE("Hashnode RSS: guid isPermaLink=true, tree links") {
  auto f = Parse("hashnode_rss.xml", "https://frank.hashnode.dev/rss.xml");
  REQUIRE(f.entries.size() == 1);
  CHECK(f.entries[0].id == "https://frank.hashnode.dev/zeta-internals");
  CHECK(ProjectsOf(f.entries[0]) == Projects{"octo/zeta"});
}

TEST_CASE("Medium RSS: atom:updated inside an item, a tag owner/repo, tracking query kept") {
  auto f = Parse("medium_rss.xml", "https://medium.com/@grace/feed");
  REQUIRE(f.entries.size() == 1);
  const FeedEntry& e = f.entries[0];
  CHECK(e.id == "https://medium.com/p/0a1b2c3d4e5f");
  CHECK(Iso(e.published) == "2024-01-14T18:00:00Z");
  CHECK(Iso(e.updated) == "2024-01-15T08:00:00Z");
  CHECK(ProjectsOf(e) == Projects{"octo/eta"});
}

TEST_CASE("Substack RSS: CDATA titles, repository and wiki links") {
  auto f = Parse("substack_rss.xml", "https://heidi.substack.com/feed");
  REQUIRE(f.entries.size() == 1);
  CHECK(f.entries[0].title == "Theta, a year on");
  CHECK(ProjectsOf(f.entries[0]) == Projects{"octo/theta"});
}

TEST_CASE("JSON Feed 1.1: relative url, content_html, content_text, tags") {
  auto f = Parse("jsonfeed.json", "https://ivan.example/feed.json");
  CHECK(f.format == feeds::FeedFormat::kJsonFeed);
  CHECK(f.title == "Ivan's microblog");
  REQUIRE(f.entries.size() == 2);
  CHECK(f.entries[0].link == "https://ivan.example/2024/01/16/iota");
  CHECK(Iso(f.entries[0].published) == "2024-01-16T18:00:00Z");
  CHECK(Iso(f.entries[0].updated) == "2024-01-17T18:00:00Z");
  CHECK(ProjectsOf(f.entries[0]) == Projects{"octo/iota", "octo/kappa"});
  CHECK(f.entries[1].id == "2");
  CHECK(ProjectsOf(f.entries[1]) == Projects{"octo/lambda"});
}

TEST_CASE("Atom content of type xhtml and text, and xml:base on the entry") {
  const std::string atom = R"(<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://x.example/blog/">
  <title type="text">X</title>
  <entry xml:base="2024/">
    <id>tag:x.example,2024:1</id>
    <title>One</title>
    <link rel="self" href="https://x.example/self"/>
    <link href="one.html"/>
    <updated>2024-02-01T00:00:00Z</updated>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">See
      <a href="https://github.com/octo/mu">mu</a> and <a href="/local">here</a>.</div></content>
  </entry>
  <entry>
    <id>tag:x.example,2024:2</id>
    <title>Two</title>
    <summary>plain text naming https://github.com/octo/nu/issues/1, and more.</summary>
    <content type="text">&lt;a href="https://github.com/octo/xi"&gt;not a link in text&lt;/a&gt;</content>
  </entry>
</feed>)";
  auto r = ParseFeed(atom, "https://x.example/feed.atom");
  REQUIRE_OK(r);
  const auto& f = r.value();
  REQUIRE(f.entries.size() == 2);
  CHECK(f.entries[0].link == "https://x.example/blog/2024/one.html");
  CHECK(f.entries[0].content_links == std::vector<std::string>{"https://github.com/octo/mu"});
  CHECK(ProjectsOf(f.entries[0]) == Projects{"octo/mu"});
  CHECK(!f.entries[0].published);
  CHECK(Iso(f.entries[0].updated) == "2024-02-01T00:00:00Z");
  // URLs in plain text count; the text's "<a href=" is text, its URL still a URL in it.
  CHECK(ProjectsOf(f.entries[1]) == Projects{"octo/nu", "octo/xi"});
}

TEST_CASE("relative links in content resolve against xml:base, onto GitHub too") {
  const std::string atom = R"(<feed xmlns="http://www.w3.org/2005/Atom">
  <entry><id>1</id><link href="/p/1"/>
    <content type="html" xml:base="https://github.com/octo/">&lt;a href="mu/pull/3"&gt;x&lt;/a&gt;
      &lt;a href="../sigma"&gt;y&lt;/a&gt;</content>
  </entry>
  <entry xml:base="https://github.com/octo/"><id>2</id>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><a href="tau/">t</a></div></content>
  </entry>
</feed>)";
  auto r = ParseFeed(atom, "https://blog.example/feed.atom");
  REQUIRE_OK(r);
  REQUIRE(r.value().entries.size() == 2);
  CHECK(r.value().entries[0].link == "https://blog.example/p/1");
  CHECK(r.value().entries[0].content_links ==
        std::vector<std::string>{"https://github.com/octo/mu/pull/3", "https://github.com/sigma"});
  CHECK(ProjectsOf(r.value().entries[0]) == Projects{"octo/mu"});
  CHECK(ProjectsOf(r.value().entries[1]) == Projects{"octo/tau"});
}

TEST_CASE("encodings declared in the prolog: ISO-8859-1 and UTF-16") {
  std::string latin1 =
      "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel>"
      "<title>Caf\xE9</title><item><title>Na\xEFve</title><link>https://c.example/1</link>"
      "</item></channel></rss>";
  auto r = ParseFeed(latin1, "https://c.example/feed");
  REQUIRE_OK(r);
  CHECK(r.value().title == "Caf\xC3\xA9");
  REQUIRE(r.value().entries.size() == 1);
  CHECK(r.value().entries[0].title == "Na\xC3\xAFve");

  const std::string ascii =
      "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss version=\"2.0\"><channel><item>"
      "<link>https://c.example/2</link></item></channel></rss>";
  std::string utf16 = "\xFF\xFE";  // little-endian byte-order mark
  for (char c : ascii) {
    utf16.push_back(c);
    utf16.push_back('\0');
  }
  auto r16 = ParseFeed(utf16, "https://c.example/feed");
  REQUIRE_OK(r16);
  REQUIRE(r16.value().entries.size() == 1);
  CHECK(r16.value().entries[0].link == "https://c.example/2");
}

TEST_CASE("attribution: what is a project link and what is not") {
  const std::vector<std::pair<std::string, std::string>> yes = {
      {"https://github.com/octo/alpha", "octo/alpha"},
      {"http://github.com/octo/alpha", "octo/alpha"},
      {"https://www.github.com/octo/alpha/", "octo/alpha"},
      {"HTTPS://GITHUB.COM/Octo/Alpha", "Octo/Alpha"},
      {"https://github.com/octo/alpha.git", "octo/alpha"},
      {"https://github.com/octo/alpha/blob/main/README.md?plain=1#L3", "octo/alpha"},
      {"https://github.com/octo/alpha/pull/1/files", "octo/alpha"},
      {"https://github.com:443/octo/my.repo_x-y", "octo/my.repo_x-y"},
  };
  for (const auto& entry : yes) {
    const std::string url = entry.first;  // a copy: clang 14 cannot capture a binding
    const std::string project = entry.second;
    CAPTURE(url);
    CHECK(ProjectOfUrl(url) == std::optional<std::string>(project));
  }
  const std::vector<std::string> no = {
      "https://github.com/octo",
      "https://github.com/octo/",
      "https://github.com/",
      "https://gist.github.com/octo/abc",
      "https://octo.github.io/alpha",
      "https://github.com/orgs/octo/repositories",
      "https://github.com/settings/profile",
      "https://github.com/topics/rust",
      "https://github.com/sponsors/octo",
      "https://github.com/features/actions",
      "https://github.com.evil.example/octo/alpha",
      "https://notgithub.com/octo/alpha",
      "https://github.com:8443/octo/alpha",
      "ftp://github.com/octo/alpha",
      "https://api.github.com/repos/octo/alpha",
      "https://github.com/-bad-/alpha",
      "https://github.com/octo/..",
      "not a url",
      "https://github.com/dependabot[bot]/alpha",
      "https://github.com/dependabot%5Bbot%5D/alpha",
  };
  for (const std::string& url : no) {
    CAPTURE(url);
    CHECK_FALSE(ProjectOfUrl(url).has_value());
  }
  FeedEntry e;
  e.categories = {"octo/alpha", " Octo/Alpha ", "rust", "orgs/x", "octo/", "a/b/c"};
  CHECK(ProjectsOf(e) == Projects{"octo/alpha"});
}

TEST_CASE("post identity: the entry id, else the link") {
  FeedEntry e;
  e.link = "https://a.example/p";
  CHECK(feeds::PostKey(e) == "https://a.example/p");
  e.id = "tag:a,2024:1";
  CHECK(feeds::PostKey(e) == "tag:a,2024:1");
}

TEST_CASE("feed dates: RFC 822 forms and RFC 3339 / W3C-DTF forms, and what is refused") {
  const std::vector<std::pair<std::string, std::string>> ok = {
      {"Mon, 02 Jan 2006 15:04:05 -0700", "2006-01-02T22:04:05Z"},
      {"Mon, 02 Jan 2006 15:04:05 GMT", "2006-01-02T15:04:05Z"},
      {"2 Jan 2006 15:04 EST", "2006-01-02T20:04:00Z"},
      {"Mon, 02 Jan 06 15:04:05 +0000", "2006-01-02T15:04:05Z"},
      {"Mon, 02 Jan 2006 15:04:05 UT", "2006-01-02T15:04:05Z"},
      {"2006-01-02T15:04:05.999+07:00", "2006-01-02T08:04:05Z"},
      {"2006-01-02T15:04Z", "2006-01-02T15:04:00Z"},
      {"2006-01-02", "2006-01-02T00:00:00Z"},
  };
  for (const auto& entry : ok) {
    const std::string text = entry.first;  // a copy: clang 14 cannot capture a binding
    const std::string want = entry.second;
    CAPTURE(text);
    Clock::TimePoint t;
    REQUIRE(feeds::ParseFeedDate(text, &t));
    CHECK(FormatIso8601(t) == want);
  }
  for (std::string bad : {"", "yesterday", "Mon, 32 Jan 2006 15:04:05 GMT", "2006-02-30T00:00:00Z",
                          "2006-01-02T15:04:05", "Mon, 02 Foo 2006 1:00",
                          "Mon, 02 Jan 2006 15:04:05 XYZ", "1969-12-31T23:59:59Z"}) {
    CAPTURE(bad);
    Clock::TimePoint t;
    CHECK_FALSE(feeds::ParseFeedDate(bad, &t));
  }
}

TEST_CASE("failures: malformed XML, an HTML page, not a feed, empty, bad JSON Feed") {
  auto fails_with = [](const std::string& body, const std::string& needle) {
    auto r = ParseFeed(body, "https://f.example/feed");
    CAPTURE(body);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kCorruption);
    CHECK_MESSAGE(r.status().message().find(needle) != std::string::npos, r.status().message());
  };
  fails_with("<rss version=\"2.0\"><channel><item><title>x</item></channel></rss>",
             "malformed XML: line 1");
  fails_with("<rss version=\"2.0\"><channel><item><title>cut", "malformed XML");
  fails_with("<!DOCTYPE html>\n<html><head><title>Blog</title></head><body></body></html>",
             "an HTML page, not a feed");
  fails_with("<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"/>",
             "an HTML page");
  fails_with("<?xml version=\"1.0\"?><urlset/>", "root element is <urlset>");
  fails_with("   ", "empty");
  fails_with("{\"version\": \"1\"}", "JSON Feed: no \"version\"");
  fails_with("{\"version\": \"https://jsonfeed.org/version/1.1\"}", "no \"items\"");
  fails_with("{\"version\": ", "JSON Feed: not JSON");
  fails_with("<rss version=\"2.0\"><channel><item>&nbsp;</item></channel></rss>", "malformed XML");
}

TEST_CASE("XXE: an external entity is never read, whether file or network") {
  const std::string xxe = R"(<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
  <!ENTITY net SYSTEM "http://127.0.0.1:1/steal">
  <!ENTITY % pe SYSTEM "file:///etc/passwd"> %pe;
]>
<rss version="2.0"><channel><title>t&xxe;&net;</title>
<item><title>a&xxe;</title><link>https://x.example/1</link></item></channel></rss>)";
  auto r = ParseFeed(xxe, "https://x.example/feed");
  // Either refused or parsed without the entity's text: never the file's bytes.
  if (r.ok()) {
    CHECK(r.value().title == "t");
    REQUIRE(r.value().entries.size() == 1);
    CHECK(r.value().entries[0].title == "a");
  } else {
    CHECK(r.status().message().find("root:") == std::string::npos);
  }
}

TEST_CASE("billion laughs: nested entities are not expanded, parsing stays quick") {
  std::string doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n<!ENTITY l0 \"ha\">\n";
  for (int i = 1; i <= 12; ++i) {
    doc += "<!ENTITY l" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j) doc += "&l" + std::to_string(i - 1) + ";";
    doc += "\">\n";
  }
  doc +=
      "]>\n<rss version=\"2.0\"><channel><item><title>&l12;</title>"
      "<link>https://x.example/1</link></item></channel></rss>";
  const auto start = std::chrono::steady_clock::now();
  auto r = ParseFeed(doc, "https://x.example/feed");
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(took < std::chrono::seconds(2));
  if (r.ok()) {
    REQUIRE(r.value().entries.size() == 1);
    CHECK(r.value().entries[0].title.size() < 1000);
  }
}

TEST_CASE("a post linking to a great many repositories is read in linear time") {
  std::string html;
  for (int i = 0; i < 20000; ++i) {
    html += "<a href=\"https://github.com/o" + std::to_string(i) + "/r\">x</a>";
  }
  std::string rss =
      "<rss version=\"2.0\"><channel><item><link>https://x.example/1</link>"
      "<description><![CDATA[" +
      html + "]]></description></item></channel></rss>";
  const auto start = std::chrono::steady_clock::now();
  auto r = ParseFeed(rss, "https://x.example/feed");
  REQUIRE_OK(r);
  REQUIRE(r.value().entries.size() == 1);
  CHECK(ProjectsOf(r.value().entries[0]).size() == 20000);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("an undeclared namespace prefix is no reason to refuse a feed") {
  auto r = ParseFeed(
      "<rss version=\"2.0\"><channel><item><media:content url=\"x\"/>"
      "<link>https://x.example/1</link><category>octo/alpha</category></item></channel></rss>",
      "https://x.example/feed");
  REQUIRE_OK(r);
  REQUIRE(r.value().entries.size() == 1);
  CHECK(ProjectsOf(r.value().entries[0]) == Projects{"octo/alpha"});
}
