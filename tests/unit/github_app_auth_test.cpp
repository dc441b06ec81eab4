// GitHub App authentication's pure parts: the RS256 JWT (verified with the public half of a
// key pair made here, so no private key is committed), base64url, the exchange URL (GitHub
// Enterprise included) and the exchange's answer. The client's use of them is in
// github_client_policy_test; against the local GitHub in harvest_github_app_test.
#include <doctest/doctest.h>
#include <simdjson.h>

#include "check_ok.hpp"
#include "ghharvest/github/app_auth.hpp"
#include "world/github_app.hpp"

using namespace ghharvest;
using namespace ghharvest::github;

TEST_CASE("base64url is RFC 4648's URL alphabet without padding") {
  CHECK(Base64Url("") == "");
  CHECK(Base64Url("f") == "Zg");
  CHECK(Base64Url("fo") == "Zm8");
  CHECK(Base64Url("foo") == "Zm9v");
  CHECK(Base64Url("foob") == "Zm9vYg");
  CHECK(Base64Url("\xfb\xff\xbf") == "-_-_");
}

TEST_CASE("the app's JWT is RS256 with iat a minute back, exp nine minutes on and iss the id") {
  auto key = testing::MakeTestRsaKey();
  REQUIRE_FALSE(key.private_pem.empty());
  auto jwt = MakeAppJwt(12345, key.private_pem, 1800000000);
  REQUIRE_OK(jwt);
  CHECK(jwt->rfind(Base64Url(R"({"alg":"RS256","typ":"JWT"})") + ".", 0) == 0);
  std::string payload;
  REQUIRE(testing::VerifyRs256Jwt(*jwt, key.public_pem, &payload));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(payload).get(doc) == simdjson::SUCCESS);
  CHECK(doc["iat"].get_int64().value() == 1800000000 - 60);
  CHECK(doc["exp"].get_int64().value() == 1800000000 + 540);
  CHECK(doc["iss"].get_string().value() == "12345");
  // Another key's signature does not verify; a changed payload neither.
  auto other = testing::MakeTestRsaKey();
  CHECK_FALSE(testing::VerifyRs256Jwt(*jwt, other.public_pem, &payload));
  std::string forged = *jwt;
  forged[forged.find('.') + 2] ^= 1;
  CHECK_FALSE(testing::VerifyRs256Jwt(forged, key.public_pem, &payload));
}

TEST_CASE("a key that is not an RSA private key in PEM is refused without quoting it") {
  auto bad = MakeAppJwt(
      1, "-----BEGIN PRIVATE KEY-----\nnot-a-key-at-all\n-----END PRIVATE KEY-----\n", 0);
  CHECK(bad.status().code() == Status::Code::kInvalidArgument);
  CHECK(bad.status().message().find("not-a-key") == std::string::npos);
  auto pub = testing::MakeTestRsaKey();
  CHECK(MakeAppJwt(1, pub.public_pem, 0).status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("the exchange URL is under api_url, GitHub Enterprise's /api/v3 included") {
  CHECK(InstallationTokenUrl("https://api.github.com", 42) ==
        "https://api.github.com/app/installations/42/access_tokens");
  CHECK(InstallationTokenUrl("https://ghe.example.com/api/v3/", 7) ==
        "https://ghe.example.com/api/v3/app/installations/7/access_tokens");
}

TEST_CASE("the exchange's answer gives the token and its expiry, or a clear corruption") {
  auto t = ParseInstallationToken(
      R"({"token":"ghs_abc","expires_at":"2026-12-02T01:00:00Z","permissions":{}})");
  REQUIRE_OK(t);
  CHECK(t->token == "ghs_abc");
  CHECK(t->expires_at == 1796173200);
  for (const char* bad : {"", "[]", R"({"expires_at":"2026-12-02T01:00:00Z"})",
                          R"({"token":"","expires_at":"2026-12-02T01:00:00Z"})", R"({"token":"x"})",
                          R"({"token":"x","expires_at":"soon"})"}) {
    CAPTURE(bad);
    CHECK(ParseInstallationToken(bad).status().code() == Status::Code::kCorruption);
  }
}

TEST_CASE("the local GitHub's app verifies the JWT and its tokens expire") {
  auto key = testing::MakeTestRsaKey();
  std::int64_t now = 1800000000;
  testing::FakeApp app({7, 99, key.public_pem, std::chrono::seconds(3600)}, [&] { return now; });
  auto jwt = MakeAppJwt(7, key.private_pem, now);
  REQUIRE_OK(jwt);
  auto [status, body] = app.Exchange(99, "Bearer " + *jwt);
  CHECK(status == 201);
  auto token = ParseInstallationToken(body);
  REQUIRE_OK(token);
  CHECK(token->expires_at == now + 3600);
  bool expired = true;
  CHECK(app.Principal(token->token, &expired) == "installation:99");
  CHECK_FALSE(expired);
  now += 3600;
  CHECK_FALSE(app.Principal(token->token, &expired).has_value());
  CHECK(expired);
  // Refused: another app's key, another app id, an old JWT, another installation.
  auto other = testing::MakeTestRsaKey();
  CHECK(app.Exchange(99, "Bearer " + *MakeAppJwt(7, other.private_pem, now)).first == 401);
  CHECK(app.Exchange(99, "Bearer " + *MakeAppJwt(8, key.private_pem, now)).first == 401);
  CHECK(app.Exchange(99, "Bearer " + *MakeAppJwt(7, key.private_pem, now - 600)).first == 401);
  CHECK(app.Exchange(98, "Bearer " + *MakeAppJwt(7, key.private_pem, now)).first == 404);
  CHECK(app.Exchange(99, "token " + *jwt).first == 401);
  CHECK(app.refused() == 5);
}
