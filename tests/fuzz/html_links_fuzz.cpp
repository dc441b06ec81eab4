// Fuzz target: the two ways a post's HTML is read for links (src/feeds/html_links.hpp) and the
// URL shortcuts of feeds/urls.cpp, each against the slower reference it stands in for. Any
// bytes as a post: whenever the XML route takes a fragment, it must find exactly the links
// libxml2's HTML parser finds; whenever a URL counts as canonical, curl must give it back
// unchanged and read the same project from it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/html_links.hpp"
#include "feeds/urls.hpp"
#include "fuzz_check.hpp"
#include "ghharvest/feeds/parse.hpp"

using namespace ghharvest::feeds;

namespace {

void CheckUrl(const std::string& base, std::string_view url) {
  if (!internal::IsCanonicalHttpUrl(url)) return;
  FUZZ_CHECK(internal::ResolveWithCurl(base, url) == std::optional<std::string>(url));
  FUZZ_CHECK(ProjectOfUrl(url) == internal::ProjectOfUrlWithCurl(url));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view html(reinterpret_cast<const char*>(data), size);
  for (const std::string& base :
       {std::string("https://blog.example/2024/post/"), std::string("https://github.com/o/r/")}) {
    std::vector<std::string> fast, reference;
    const internal::HtmlRoute route = internal::HtmlLinks(html, base, &fast);
    internal::HtmlLinks(html, base, &reference, /*allow_xml=*/false);
    if (route != internal::HtmlRoute::kHtml) FUZZ_CHECK(fast == reference);
    for (const std::string& link : reference) CheckUrl(base, link);
    // The input itself, as an href would be.
    CheckUrl(base, html);
  }
  return 0;
}
