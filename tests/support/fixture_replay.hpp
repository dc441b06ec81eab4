// Replaying the recorded octokit fixtures (tests/fixtures/octokit/<scenario>/raw-fixture.json)
// through FakeServer. MakeFixtureReplay itself is declared in fake_server.hpp (agreed API);
// this header adds access to the recorded exchanges, so tests can assert against them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "fake_server.hpp"

namespace ghharvest::testing {

struct RecordedExchange {
  std::string method;  // upper case, "GET"
  std::string target;  // path + "?" + query as recorded (percent-encoded)
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // as recorded, in order
  std::string body;  // the recorded response re-serialized (minified JSON), "" when none
};

// The exchanges of a raw fixture, in recorded order. Throws std::runtime_error when the file
// cannot be read or is not a recording (a broken fixture must stop the test loudly).
std::vector<RecordedExchange> LoadRecording(const std::string& fixture_file);

// tests/fixtures/octokit/<scenario>/raw-fixture.json
std::string OctokitFixture(const std::string& scenario);

// Matching rules of MakeFixtureReplay, in order of preference:
//  1. same method, same path and the same decoded query parameters (any order);
//  2. same method and path, query equal when `per_page` is ignored on both sides (clients
//     choose their page size; the recordings used 3);
// Several exchanges with the same key are served in recorded order, the last one repeating.
// Headers that describe the recorded transport (content-length, transfer-encoding,
// content-encoding, connection) are dropped; the server sets its own.

}  // namespace ghharvest::testing
