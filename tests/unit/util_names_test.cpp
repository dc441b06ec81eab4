#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "ghharvest/util/names.hpp"

using ghharvest::IsValidLogin;
using ghharvest::IsValidRepoName;
using ghharvest::IsValidRepoPart;

TEST_CASE("logins follow GitHub's rules: alnum and single inner hyphens, 39 at most, [bot]") {
  for (std::string ok :
       std::vector<std::string>{"a", "alice", "Alice-Bob", "a1-b2-c3", "dependabot[bot]", "0"}) {
    CAPTURE(ok);
    CHECK(IsValidLogin(ok));
  }
  CHECK(IsValidLogin(std::string(39, 'x')));
  CHECK(IsValidLogin(std::string(39, 'x') + "[bot]"));
  CHECK_FALSE(IsValidLogin(std::string(40, 'x')));
  for (const char* bad :
       {"", "-a", "a-", "a--b", "a_b", "a.b", "a b", "a/b", "[bot]", "a[bot]b", "../x", "é"}) {
    CAPTURE(bad);
    CHECK_FALSE(IsValidLogin(bad));
  }
}

TEST_CASE("repository parts allow letters, digits, dot, underscore, hyphen but never . or ..") {
  for (std::string ok :
       std::vector<std::string>{"r", "hello-world", "a.b_c", ".github", "..x", "_"}) {
    CAPTURE(ok);
    CHECK(IsValidRepoPart(ok));
  }
  CHECK(IsValidRepoPart(std::string(100, 'r')));
  CHECK_FALSE(IsValidRepoPart(std::string(101, 'r')));
  for (std::string bad :
       std::vector<std::string>{"", ".", "..", "a/b", "a b", "a\\b", "a:b", "a\nb"}) {
    CAPTURE(bad);
    CHECK_FALSE(IsValidRepoPart(bad));
  }
}

TEST_CASE("full names are owner/repo with a login-like owner") {
  CHECK(IsValidRepoName("octo-org/hello-world"));
  CHECK(IsValidRepoName("a/.github"));
  for (const char* bad :
       {"octo-org", "/r", "o/", "o/r/x", "-o/r", "o--x/r", "o/..", "o[bot]/r", "../r"}) {
    CAPTURE(bad);
    CHECK_FALSE(IsValidRepoName(bad));
  }
}

TEST_CASE("a commit sha is 40 or 64 lower-case hex digits") {
  CHECK(ghharvest::IsCommitSha("0328041d1152db8ae77652d1618a02e57f745f17"));
  CHECK(ghharvest::IsCommitSha(std::string(64, 'a')));
  CHECK_FALSE(ghharvest::IsCommitSha(""));
  CHECK_FALSE(ghharvest::IsCommitSha(std::string(39, 'a')));
  CHECK_FALSE(ghharvest::IsCommitSha(std::string(41, 'a')));
  CHECK_FALSE(ghharvest::IsCommitSha(std::string(40, 'A')));           // GitHub writes lower case
  CHECK_FALSE(ghharvest::IsCommitSha(std::string(40, 'g')));           // not hex
  CHECK_FALSE(ghharvest::IsCommitSha("main" + std::string(36, '0')));  // a branch-like name
}
