// GitHub App authentication: the app signs a short JSON Web Token (RS256) with its private
// key and exchanges it at POST {api_url}/app/installations/{id}/access_tokens for an
// installation token, which expires after an hour. The client (client.hpp) does the exchange
// itself, before the first request and again before the token expires; these are the pure
// parts. OpenSSL (libcrypto) signs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ghharvest/util/status.hpp"

namespace ghharvest::github {

struct AppCredentials {
  std::int64_t app_id = 0;
  std::int64_t installation_id = 0;
  std::string private_key_pem;  // the app's RSA private key (PEM, PKCS#1 or PKCS#8)
};

// The JWT for `app_id`, signed RS256: iat 60 s before `now` (GitHub's advice against clock
// drift), exp 9 minutes after (GitHub allows at most 10). kInvalidArgument for a key that is
// not an RSA private key in PEM (the message never quotes the key).
Result<std::string> MakeAppJwt(std::int64_t app_id, const std::string& private_key_pem,
                               std::int64_t now_s);

// {api_url}/app/installations/{id}/access_tokens (GitHub Enterprise: under its /api/v3).
std::string InstallationTokenUrl(std::string_view api_url, std::int64_t installation_id);

struct InstallationToken {
  std::string token;
  std::int64_t expires_at = 0;  // Unix seconds
};
// The exchange's 201 body. kCorruption when token or expires_at is missing or unreadable.
Result<InstallationToken> ParseInstallationToken(std::string_view body);

// base64url without padding (RFC 7515), for the JWT's parts.
std::string Base64Url(std::string_view bytes);

}  // namespace ghharvest::github
