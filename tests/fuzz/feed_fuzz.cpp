// Fuzz target: blog feeds (feeds/parse.hpp ParseFeed, ProjectsOf, PostKey) over any bytes: RSS,
// Atom and JSON Feed, truncated, hostile (entities, encodings), or not a feed at all. No crash,
// no hang, and what comes out obeys the rules the store relies on: links are absolute
// http(s) URLs, projects are repository names counted once, a post's key is its id or link.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "ghharvest/feeds/parse.hpp"
#include "ghharvest/util/names.hpp"

using namespace ghharvest;

namespace {

bool Absolute(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = feeds::ParseFeed(body, "https://blog.example/feed/index.xml");
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == Status::Code::kCorruption);
    FUZZ_CHECK(!parsed.status().message().empty());
    return 0;
  }
  for (const feeds::FeedEntry& e : parsed.value().entries) {
    FUZZ_CHECK(e.link.empty() || Absolute(e.link));
    for (const std::string& l : e.content_links) FUZZ_CHECK(Absolute(l));
    const auto projects = feeds::ProjectsOf(e);
    std::set<std::string> seen;
    for (const std::string& p : projects) {
      FUZZ_CHECK(IsValidRepoName(p));
      FUZZ_CHECK(seen.insert(AsciiLower(p)).second);  // each project once
    }
    const std::string key = feeds::PostKey(e);
    FUZZ_CHECK(key == (e.id.empty() ? e.link : e.id));
  }
  return 0;
}
