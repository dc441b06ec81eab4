#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "ghharvest/config/config.hpp"
#include "ghharvest/daemon/schedule.hpp"
#include "ghharvest/github/client.hpp"
#include "ghharvest/report/format.hpp"
#include "ghharvest/util/hash.hpp"

using namespace ghharvest;

// The published FNV-1a 64 test vectors, and bytes above 0x7f, which a signed char would
// sign-extend into a different hash.
TEST_CASE("Fnv1a64 is FNV-1a 64 over bytes") {
  CHECK(kFnv1a64OffsetBasis == 14695981039346656037ULL);
  CHECK(Fnv1a64("") == 0xcbf29ce484222325ULL);
  CHECK(Fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(Fnv1a64("foobar") == 0x85944171f73967e8ULL);
  CHECK(Fnv1a64("\xff") == 0xaf64724c8602eb6eULL);
  CHECK(Fnv1a64("\xc3\xa9") == 0x0ac21707b7181e01ULL);           // "é" in UTF-8
  CHECK(Fnv1a64(std::string_view("a\0b", 3)) != Fnv1a64("ab"));  // a NUL is data, not an end
}

TEST_CASE("Fnv1a64 continues from a basis, so data can be hashed in pieces") {
  CHECK(Fnv1a64("bar", Fnv1a64("foo")) == Fnv1a64("foobar"));
  CHECK(Fnv1a64("", 12345) == 12345);
  CHECK(Fnv1a64("foobar", kFnv1a64ShortBasis) == 0x88fad7c0a8ff07f2ULL);
}

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
