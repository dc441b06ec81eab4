// Fuzz target: the GraphQL answer readers of github/graphql.hpp and graphql_reviews.hpp (the
// envelope the client judges every answer by, and the three reviews pages), each over the
// same response body. A failure must be Corruption with a message, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "ghharvest/github/graphql.hpp"
#include "ghharvest/github/graphql_reviews.hpp"
#include "ghharvest/github/parse.hpp"

using namespace ghharvest;
using namespace ghharvest::github;

namespace {

void ParseAll(const std::string& body) {
  auto env = ParseGraphqlEnvelope(body);
  FuzzCheckParsed(env);
  if (env.ok()) FUZZ_CHECK(env->has_data || !env->errors.empty());
  for (auto parse : {&ParsePullRequestReviewsPage, &ParseNodesReviewsPage, &ParseMoreReviewsPage}) {
    auto page = parse(body);
    FuzzCheckParsed(page);
    if (!page.ok()) continue;
    for (const auto& p : page->pulls) {
      FUZZ_CHECK(p.number > 0);
      for (const auto& r : p.reviews) FUZZ_CHECK(r.pull_number == p.number);
      if (p.more_reviews) FUZZ_CHECK(!p.reviews_cursor.empty());
    }
    if (page->has_next) FUZZ_CHECK(!page->end_cursor.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  ReservePadding(body);
  ParseAll(body);
  body.shrink_to_fit();
  ParseAll(body);
  return 0;
}
