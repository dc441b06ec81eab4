// The GitHub token, read at start-up from the first source that has one. The token never
// appears in a Status, a log line or an error message.
#pragma once

#include <string>
#include <vector>

#include "ghharvest/config/config.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::config {

// Where the token came from, for check-config and logs (never the token itself).
struct Token {
  std::string value;
  std::string
      source;  // e.g. "$CREDENTIALS_DIRECTORY/github-token", "token_file /x", "$GITHUB_TOKEN"
};

// Tries, in order: $CREDENTIALS_DIRECTORY/github-token (systemd LoadCredential=) when that
// variable is set, then github.token_file, then the variable named by github.token_env.
// Surrounding whitespace (a trailing newline) is stripped. A token file readable by group
// or others is used but logged as a warning. NotFound when no source has a token;
// InvalidArgument for a token with whitespace or control characters inside.
Result<Token> LoadTokenWithSource(const GithubConfig& github);
Result<std::string> LoadToken(const GithubConfig& github);
// For sync and the daemon: the token (its source logged), or "" with a warning when no
// source has one (unauthenticated, 60 requests per hour); an error for a bad token.
Result<std::string> LoadTokenOrAnonymous(const GithubConfig& github);

// The token pool: the token LoadTokenWithSource finds (if any), then, in this order, every
// other `$CREDENTIALS_DIRECTORY/github-token*` file (by name: systemd's LoadCredential= copies,
// e.g. github-token-2), each of github.token_files and each variable of github.token_envs. A
// token met twice counts once. A pool entry that is missing, empty, unset or malformed is an
// error naming it (kInvalidArgument; kIOError when unreadable): an operator who listed it
// meant it. Empty when there is no token at all (anonymous).
Result<std::vector<Token>> LoadTokenPool(const GithubConfig& github);

// The GitHub App's private key (PEM): $CREDENTIALS_DIRECTORY/github-app-key when systemd
// handed it over (LoadCredential=github-app-key:/etc/ghharvest/github-app.pem), else
// [github.app] private_key_file. kInvalidArgument naming the file when missing or empty.
Result<Token> LoadAppKey(const GithubAppConfig& app);

// Whether the token in use is systemd's copy ($CREDENTIALS_DIRECTORY, LoadCredential=).
// systemd copies a credential only when the service starts, so replacing such a token takes a
// restart; a reload would re-read the old copy.
bool TokenIsServiceCredential(const GithubConfig& github);

// What an operator must do after GitHub rejected the token (401), as one log phrase.
std::string RejectedTokenAdvice(const GithubConfig& github);

}  // namespace ghharvest::config
