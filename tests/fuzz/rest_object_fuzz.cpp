// Fuzz target: the single-object REST parsers of github/parse.hpp (a repository, a user, a
// comparison) and the URL helpers that read a repository name or a number out of a URL in a
// response.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "ghharvest/github/parse.hpp"

using namespace ghharvest;
using namespace ghharvest::github;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  ReservePadding(body);
  if (auto repo = ParseRepo(body); !repo.ok()) {
    FUZZ_CHECK(repo.status().code() == Status::Code::kCorruption);
  }
  if (auto user = ParseUser(body); !user.ok()) {
    FUZZ_CHECK(user.status().code() == Status::Code::kCorruption);
  }
  if (auto cmp = ParseComparison(body); !cmp.ok()) {
    FUZZ_CHECK(cmp.status().code() == Status::Code::kCorruption);
  } else {
    FUZZ_CHECK(!cmp->status.empty());  // a comparison always names how its refs relate
  }
  // The same bytes as a URL.
  const std::string_view url = body;
  if (auto name = RepoFullNameFromUrl(url)) {
    FUZZ_CHECK(!name->empty());
    FUZZ_CHECK(name->find('/') != std::string::npos);
    FUZZ_CHECK(url.find(*name) != std::string_view::npos);
  }
  if (auto n = TrailingNumber(url)) FUZZ_CHECK(*n >= 0);
  return 0;
}
