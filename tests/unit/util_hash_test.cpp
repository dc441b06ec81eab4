#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "ghharvest/config/config.hpp"
#include "ghharvest/daemon/schedule.hpp"
#include "ghharvest/github/client.hpp"
#include "ghharvest/report/format.hpp"

using namespace ghharvest;

// These hashes outlive the process: the ETag cache is keyed by TokenIdentity, score runs
// store ScoringFingerprint, the reporter compares HashHex digests with the ones it wrote
// last time, and the daemon's phases come from SplayOffset. The expected values were computed
// outside the project (the fingerprint's canonical text is too long to redo by hand, so that
// one was read from the code) and checked against the code before the hashes shared a
// helper: a change here invalidates data on disk.
TEST_CASE("the persisted hashes keep their values") {
  CHECK(github::TokenIdentity("ghp_example") == "fnv1a:3658a82bf0d7b486b974654d584faf55");
  CHECK(github::TokenIdentity("") == "anonymous");

  CHECK(report::HashHex("") == "14650fb0739d0383");
  CHECK(report::HashHex("foobar") == "88fad7c0a8ff07f2");
  CHECK(report::HashHex("hello world\n") == "40e9ba25b19a84e9");

  const auto window = std::chrono::milliseconds(225000);  // a quarter of 15 minutes
  CHECK(daemon::SplayOffset("alice", window).count() == 94916);
  CHECK(daemon::SplayOffset("Alice", window).count() == 94916);
  CHECK(daemon::SplayOffset("octocat/Hello-World", window).count() == 125167);
  CHECK(daemon::SplayOffset("Alice@octo/x", std::chrono::hours(1)).count() == 1896335);

  CHECK(config::ScoringFingerprint(config::Config{}) == "ab15a3ebde79ba92");
}
