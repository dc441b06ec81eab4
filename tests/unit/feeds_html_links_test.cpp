// The links of a post's HTML (src/feeds/html_links.hpp): the XML route must find exactly what
// libxml2's HTML parser finds, and must hand every fragment the two read differently to the
// HTML parser. Also the shortcuts of feeds/urls.cpp against curl's own answers.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "feeds/html_links.hpp"
#include "feeds/text.hpp"
#include "feeds/urls.hpp"
#include "ghharvest/feeds/parse.hpp"

using namespace ghharvest::feeds;
using internal::HtmlRoute;

namespace {

const std::string kBase = "https://blog.example/2024/post/";

struct Read {
  HtmlRoute route;
  std::vector<std::string> links;
};

Read Links(const std::string& html, const std::string& base = kBase) {
  Read r;
  r.route = internal::HtmlLinks(html, base, &r.links);
  return r;
}

// The reference: libxml2's HTML parser alone.
std::vector<std::string> HtmlOnly(const std::string& html, const std::string& base = kBase) {
  std::vector<std::string> out;
  internal::HtmlLinks(html, base, &out, /*allow_xml=*/false);
  return out;
}

}  // namespace

TEST_CASE("a well-formed post goes through the XML parser and finds what the HTML parser finds") {
  const std::string html =
      "<h2>Notes</h2><p>See <a href=\"https://github.com/octo/proj/pull/7\">the PR</a>, "
      "<a href='https://blog.example/older'>an older note</a>,<br />&#160;and "
      "<A HREF=\"https://GitHub.com/Octo/Other\">another</A> &amp; it&rsquo;s&nbsp;&hellip; "
      "<area href=\"https://github.com/octo/map\"/>.</p><!-- a comment -->";
  const Read r = Links(html);
  CHECK(r.route == HtmlRoute::kXml);
  CHECK(r.links == HtmlOnly(html));
  CHECK(r.links == std::vector<std::string>{"https://github.com/octo/proj/pull/7",
                                            "https://github.com/Octo/Other",
                                            "https://github.com/octo/map"});
}

TEST_CASE("text beyond ASCII reads as UTF-8 on both routes") {
  // The HTML parser takes bytes it is not told the encoding of for Latin-1.
  const std::string html =
      "<p>caf\xC3\xA9 <a href=\"https://github.com/octo/proj/blob/main/r\xC3\xA9sum\xC3\xA9.md\">"
      "x</a></p>";
  const Read r = Links(html);
  CHECK(r.route == HtmlRoute::kXml);
  CHECK(r.links == HtmlOnly(html));
  CHECK(r.links ==
        std::vector<std::string>{"https://github.com/octo/proj/blob/main/r%c3%a9sum%c3%a9.md"});
}

TEST_CASE("HTML that is not XML goes to the HTML parser, with no link counted twice") {
  // The link comes before the first error: the XML route saw it, then gave up.
  for (const std::string& html :
       {std::string("<p><a href=\"https://github.com/octo/proj\">x</a><br></p>"),
        std::string("<p><a href=\"https://github.com/octo/proj\">x</a>&notanentity;y</p>"),
        std::string("<p><a href=https://github.com/octo/proj>x</a></p>"),
        std::string("<p><a href=\"https://github.com/octo/proj\">x</a> a < b</p>"),
        std::string("<p><a href=\"https://github.com/octo/proj\">x</a></r><p>")}) {
    CAPTURE(html);
    const Read r = Links(html);
    CHECK(r.route == HtmlRoute::kHtml);
    CHECK(r.links == HtmlOnly(html));
    CHECK(r.links == std::vector<std::string>{"https://github.com/octo/proj"});
  }
}

TEST_CASE("markup XML and HTML read differently goes to the HTML parser") {
  // <script> content is text to HTML: no link there.
  const std::string script =
      "<p>x</p><script><a href=\"https://github.com/octo/hidden\">y</a></script>";
  Read r = Links(script);
  CHECK(r.route == HtmlRoute::kHtml);
  CHECK(r.links.empty());
  CHECK(r.links == HtmlOnly(script));

  // A CDATA section is text to XML but a bogus comment ending at the first '>' to HTML, which
  // then reads the link after it.
  const std::string cdata =
      "<p><![CDATA[ 1 > 0 ]]> <a href=\"https://github.com/octo/shown\">z</a></p>";
  r = Links(cdata);
  CHECK(r.route == HtmlRoute::kHtml);
  CHECK(r.links == HtmlOnly(cdata));

  // Processing instructions, names with letters HTML's names stop at, raw-text elements by
  // any letter case.
  for (const std::string& html :
       {std::string("<p><?php echo 1 ?><a href=\"https://github.com/o/r\">x</a></p>"),
        std::string("<p><a\xC3\xA9 href=\"https://github.com/o/r\">x</a\xC3\xA9></p>"),
        std::string("<TextArea><a href=\"https://github.com/o/r\">x</a></TextArea>"),
        std::string("<style><a href=\"https://github.com/o/r\"/></style>")}) {
    CAPTURE(html);
    r = Links(html);
    CHECK(r.route == HtmlRoute::kHtml);
    CHECK(r.links == HtmlOnly(html));
  }
}

TEST_CASE("an href whose whitespace XML would have changed goes to the HTML parser") {
  // XML turns a newline in an attribute into a space; the URL parser drops one and not the
  // other, so the XML route cannot tell what the post said.
  const std::string html = "<p><a href=\"https://github.com/octo/\nproj\">x</a></p>";
  const Read r = Links(html);
  CHECK(r.route == HtmlRoute::kHtml);
  CHECK(r.links == HtmlOnly(html));
}

TEST_CASE("a GitHub href with a reference in it goes to the HTML parser") {
  // Not substituting entities, XML leaves &nbsp; in an attribute as written (HTML reads it as
  // U+00A0) and &amp; as "&#38;" (HTML: '&').
  for (const std::string& html :
       {std::string("<p><a href=\"https://github.com/octo/proj&nbsp;x\">x</a></p>"),
        std::string("<p><a href=\"https://github.com/octo/proj?a=1&amp;b=2\">x</a></p>")}) {
    CAPTURE(html);
    const Read r = Links(html);
    CHECK(r.route == HtmlRoute::kHtml);
    CHECK(r.links == HtmlOnly(html));
  }
  // Not for an href that cannot name a repository.
  const std::string other =
      "<p><a href=\"https://blog.example/?a=1&amp;b=2\">x</a> "
      "<a href=\"https://github.com/octo/proj\">y</a></p>";
  CHECK(Links(other).route == HtmlRoute::kXml);
  CHECK(Links(other).links == HtmlOnly(other));
}

TEST_CASE("prefixed elements are not links on either route") {
  const std::string html =
      "<svg xmlns:svg=\"http://www.w3.org/2000/svg\"><svg:a href=\"https://github.com/o/r\">x"
      "</svg:a></svg>";
  const Read r = Links(html);
  CHECK(r.route == HtmlRoute::kXml);
  CHECK(r.links.empty());
  CHECK(HtmlOnly(html).empty());
  // An undeclared prefix is a namespace error: the HTML parser decides.
  const std::string undeclared = "<p><x:a href=\"https://github.com/o/r\">x</x:a></p>";
  CHECK(Links(undeclared).route == HtmlRoute::kHtml);
}

TEST_CASE("relative links resolve against a GitHub base, and posts without github are skipped") {
  const std::string html = "<p><a href=\"/octo/proj/issues/3\">#3</a> <a href=\"#top\">top</a></p>";
  const Read r = Links(html, "https://github.com/octo/proj/releases");
  CHECK(r.route == HtmlRoute::kXml);
  CHECK(r.links == HtmlOnly(html, "https://github.com/octo/proj/releases"));
  CHECK(r.links.front() == "https://github.com/octo/proj/issues/3");
  CHECK(Links(html).route == HtmlRoute::kSkipped);
  CHECK(Links("").route == HtmlRoute::kSkipped);
}

TEST_CASE("ContainsGithub finds the word in any letter case, anywhere") {
  using internal::ContainsGithub;
  CHECK(ContainsGithub("github"));
  CHECK(ContainsGithub("see GitHub."));
  CHECK(ContainsGithub("gggGITHUB"));
  CHECK(ContainsGithub("G gIthUb"));
  CHECK(ContainsGithub(std::string(5000, 'g') + "ithub"));
  CHECK_FALSE(ContainsGithub("githu"));
  CHECK_FALSE(ContainsGithub("git hub"));
  CHECK_FALSE(ContainsGithub(""));
  CHECK_FALSE(ContainsGithub(std::string(5000, 'G')));
  // A match that ends exactly at the end of a view of a longer string.
  const std::string s = "xxgithubyy";
  CHECK(ContainsGithub(std::string_view(s).substr(2, 6)));
  CHECK_FALSE(ContainsGithub(std::string_view(s).substr(2, 5)));
}

TEST_CASE("a canonical URL is what curl would give back, and anything else goes to curl") {
  for (const char* url :
       {"https://github.com/octo/proj", "http://blog.example/2024/01/post/",
        "https://github.com/octo/proj/pull/7?tab=files&x=(1)", "https://a-b.example/x:y@z",
        "https://dev.to/alice/post-1a2b", "https://x.example//double/slash"}) {
    CAPTURE(url);
    CHECK(internal::IsCanonicalHttpUrl(url));
    CHECK(internal::ResolveWithCurl(kBase, url) == std::optional<std::string>(url));
    CHECK(ResolveUrl(kBase, url) == std::optional<std::string>(url));
  }
  for (const char* url :
       {"https://GitHub.com/octo/proj", "https://github.com:443/o/r", "https://github.com",
        "https://github.com/o/r#readme", "https://github.com/o/r%20x", "https://github.com/./o/r",
        "https://github.com/o/r/..", "https://127.1/x", "https://0x7f.1/x", "https://host./x",
        "https://github.com/o/r?", "https://u@github.com/o/r", "ftp://github.com/o/r",
        "github.com/o/r", "https://github.com/o/r s", "https://github.com/o/r\xC3\xA9"}) {
    CAPTURE(url);
    CHECK_FALSE(internal::IsCanonicalHttpUrl(url));
    CHECK(ResolveUrl(kBase, url) == internal::ResolveWithCurl(kBase, url));
    CHECK(ProjectOfUrl(url) == internal::ProjectOfUrlWithCurl(url));
  }
  CHECK(ProjectOfUrl("https://github.com/octo/proj.git/tree/main?x=1") ==
        std::optional<std::string>("octo/proj"));
  CHECK(ProjectOfUrl("https://www.github.com/octo/proj") ==
        std::optional<std::string>("octo/proj"));
  CHECK(ProjectOfUrl("https://github.com/octo") == std::nullopt);
  CHECK(ProjectOfUrl("https://github.com/features/actions") == std::nullopt);
  CHECK(ProjectOfUrl("https://github.io.example/o/r") == std::nullopt);
}
