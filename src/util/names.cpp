#include "ghharvest/util/names.hpp"

namespace ghharvest {
namespace {

constexpr std::string_view kBotSuffix = "[bot]";
constexpr std::size_t kMaxLogin = 39;
constexpr std::size_t kMaxRepo = 100;

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsPlainLogin(std::string_view s) {
  if (s.empty() || s.size() > kMaxLogin) return false;
  if (s.front() == '-' || s.back() == '-') return false;
  char prev = 0;
  for (char c : s) {
    if (c == '-') {
      if (prev == '-') return false;
    } else if (!IsAsciiAlnum(c)) {
      return false;
    }
    prev = c;
  }
  return true;
}

}  // namespace

bool IsValidLogin(std::string_view login) {
  if (login.size() > kBotSuffix.size() &&
      login.substr(login.size() - kBotSuffix.size()) == kBotSuffix) {
    login.remove_suffix(kBotSuffix.size());
  }
  return IsPlainLogin(login);
}

bool IsValidRepoPart(std::string_view repo) {
  if (repo.empty() || repo.size() > kMaxRepo || repo == "." || repo == "..") return false;
  for (char c : repo) {
    if (!IsAsciiAlnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

bool IsCommitSha(std::string_view s) {
  if (s.size() != 40 && s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsValidRepoName(std::string_view full_name) {
  auto slash = full_name.find('/');
  if (slash == std::string_view::npos) return false;
  return IsPlainLogin(full_name.substr(0, slash)) && IsValidRepoPart(full_name.substr(slash + 1));
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace ghharvest
