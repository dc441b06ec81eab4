// The local GitHub's side of GitHub App authentication: POST /app/installations/{id}/
// access_tokens takes the app's JWT, verifies its RS256 signature with the app's public key
// (and its iss, iat and exp as GitHub does: exp at most 10 minutes after iat, not expired),
// and issues an installation token that expires after `token_lifetime`; an expired token is
// answered 401 like a revoked one. Tests make the key pair themselves (MakeTestRsaKey), so no
// private key is committed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace ghharvest::testing {

struct FakeAppOptions {
  std::int64_t app_id = 0;
  std::int64_t installation_id = 0;
  std::string public_key_pem;
  std::chrono::seconds token_lifetime{3600};
};

// An RSA key pair made for one test run: the private key as PKCS#8 PEM, the public as PEM.
struct TestRsaKey {
  std::string private_pem, public_pem;
};
TestRsaKey MakeTestRsaKey(int bits = 2048);

// True when `jwt` is an RS256 JWT signed by `public_pem` whose payload is returned in
// *payload_json (decoded). False for a bad format or signature.
bool VerifyRs256Jwt(const std::string& jwt, const std::string& public_pem,
                    std::string* payload_json);

class FakeApp {
 public:
  FakeApp(FakeAppOptions options, std::function<std::int64_t()> now)
      : options_(std::move(options)), now_(std::move(now)) {}

  // The exchange: (status, body). `authorization` is the request's header.
  std::pair<int, std::string> Exchange(std::int64_t installation_id,
                                       const std::string& authorization);
  // "installation:<id>" for a token it issued that has not expired; nullopt otherwise
  // (*expired says whether it was one of its tokens, now expired).
  std::optional<std::string> Principal(const std::string& token, bool* expired) const;

  int exchanges() const;
  int refused() const;

 private:
  FakeAppOptions options_;
  std::function<std::int64_t()> now_;
  mutable std::mutex mu_;
  std::map<std::string, std::int64_t> issued_;  // token -> expires at
  int exchanges_ = 0, refused_ = 0;
};

}  // namespace ghharvest::testing
