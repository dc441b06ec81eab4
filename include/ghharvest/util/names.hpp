// GitHub's own rules for account and repository names. The config refuses anything else,
// and the reports use the same checks before a name becomes part of a file path, so no
// name from data can climb out of the reports folder.
#pragma once

#include <string>
#include <string_view>

namespace ghharvest {

// A user or organization login: 1-39 letters, digits and single hyphens, neither first nor
// last; an app's login may end in "[bot]" ("dependabot[bot]").
bool IsValidLogin(std::string_view login);

// One half of "owner/repo" on the repository side: 1-100 of [A-Za-z0-9._-], never "." or "..".
bool IsValidRepoPart(std::string_view repo);

// "owner/repo": the owner follows the login rules (without "[bot]"), the repo IsValidRepoPart.
bool IsValidRepoName(std::string_view full_name);

// A commit's sha as GitHub writes it: 40 (SHA-1) or 64 (SHA-256) lower-case hex digits.
bool IsCommitSha(std::string_view s);

// `s` with A-Z turned to a-z and every other byte kept: how GitHub and SQLite's NOCASE
// compare logins and repository names.
std::string AsciiLower(std::string_view s);

}  // namespace ghharvest
