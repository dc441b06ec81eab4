// Fuzz target: the REST list parsers of github/parse.hpp (commits, issues and pulls, issue
// comments, review comments, reviews, repositories), each over the same response body.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "ghharvest/github/parse.hpp"

using namespace ghharvest;
using namespace ghharvest::github;

namespace {

void ParseAll(const std::string& body) {
  FuzzCheckParsed(ParseCommitList(body));
  FuzzCheckParsed(ParseIssueList(body));
  FuzzCheckParsed(ParseIssueCommentList(body));
  FuzzCheckParsed(ParseReviewCommentList(body));
  FuzzCheckParsed(ParseReviewList(body));
  FuzzCheckParsed(ParseRepoList(body));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  // First as the client hands bodies over: padded, so parsed in place.
  ReservePadding(body);
  ParseAll(body);
  // Then unpadded, through the parsers' own padded copy.
  body.shrink_to_fit();
  if (body.capacity() < body.size() + kJsonPadding) ParseAll(body);
  return 0;
}
