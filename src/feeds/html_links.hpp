// The links of a post's HTML (RSS description and content:encoded, Atom content of type html,
// JSON Feed content_html) that can name a GitHub repository. Internal to the feeds area; the
// parser and the tests use it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ghharvest::feeds::internal {

// Which of libxml2's parsers read a fragment.
enum class HtmlRoute {
  kSkipped,  // nothing in it (or in its base) says "github": no link can name a repository
  kXml,      // well-formed XML with nothing HTML reads differently: the XML parser (fast)
  kHtml,     // everything else: the HTML parser (forgiving, HTML's entities and all)
};

// Appends to `out` the href of every <a> and <area> of `html` that can name a GitHub
// repository, resolved against `base`. With `allow_xml` false the HTML parser reads every
// fragment (the reference the XML route must agree with; the tests compare the two).
HtmlRoute HtmlLinks(std::string_view html, const std::string& base, std::vector<std::string>* out,
                    bool allow_xml = true);

// Whether a link is worth resolving: an absolute link must say "github"; a relative one
// resolves onto the base's host, so the base must.
bool MayBeGithub(std::string_view href, const std::string& base);

// `href` resolved against `base`, appended to `out` when it is a valid absolute URL.
void AddLink(const std::string& base, std::string_view href, std::vector<std::string>* out);

}  // namespace ghharvest::feeds::internal
