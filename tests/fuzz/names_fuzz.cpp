// Fuzz target: the name checks of util/names.hpp, which stand between names from data and
// file paths in the reports. Each is compared with a plain restatement of GitHub's rules, and
// no name they accept can leave a folder or carry a byte a path or a shell treats specially.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "ghharvest/util/names.hpp"

using namespace ghharvest;

namespace {

bool Alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// 1-39 of letters, digits and single hyphens, no hyphen first or last.
bool RefPlainLogin(std::string_view s) {
  if (s.empty() || s.size() > 39 || s.front() == '-' || s.back() == '-') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '-' && i + 1 < s.size() && s[i + 1] == '-') return false;
    if (s[i] != '-' && !Alnum(s[i])) return false;
  }
  return true;
}

bool RefLogin(std::string_view s) {
  constexpr std::string_view kBot = "[bot]";
  if (s.size() > kBot.size() && s.ends_with(kBot)) return RefPlainLogin(s.substr(0, s.size() - 5));
  return RefPlainLogin(s);
}

bool RefRepoPart(std::string_view s) {
  if (s.empty() || s.size() > 100 || s == "." || s == "..") return false;
  for (char c : s) {
    if (!Alnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

bool RefRepoName(std::string_view s) {
  std::size_t slash = s.find('/');
  return slash != std::string_view::npos && RefPlainLogin(s.substr(0, slash)) &&
         RefRepoPart(s.substr(slash + 1));
}

// Nothing that leaves the folder or means something to a path or shell.
bool PathSafe(std::string_view s) {
  if (s.empty() || s == "." || s == "..") return false;
  for (char c : s) {
    if (c == '/' || c == '\\' || c == '\0' || static_cast<unsigned char>(c) < 0x20 ||
        static_cast<unsigned char>(c) >= 0x7f || c == ' ' || c == '*' || c == '?' || c == '$') {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view s(reinterpret_cast<const char*>(data), size);

  const bool login = IsValidLogin(s);
  FUZZ_CHECK(login == RefLogin(s));
  if (login) FUZZ_CHECK(PathSafe(s));

  const bool part = IsValidRepoPart(s);
  FUZZ_CHECK(part == RefRepoPart(s));
  if (part) FUZZ_CHECK(PathSafe(s));

  const bool full = IsValidRepoName(s);
  FUZZ_CHECK(full == RefRepoName(s));
  if (full) {
    std::size_t slash = s.find('/');
    FUZZ_CHECK(s.find('/', slash + 1) == std::string_view::npos);
    FUZZ_CHECK(PathSafe(s.substr(0, slash)) && PathSafe(s.substr(slash + 1)));
  }

  // AsciiLower changes A-Z only, so it keeps each check's answer; but for logins only one way:
  // the app suffix is "[bot]" exactly, as GitHub writes it ("dependabot[BOT]" is refused).
  const std::string lower = AsciiLower(s);
  FUZZ_CHECK(lower.size() == s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    FUZZ_CHECK(lower[i] == ((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c));
  }
  if (login) FUZZ_CHECK(IsValidLogin(lower));
  if (IsValidLogin(lower) && !login) FUZZ_CHECK(s.size() > 5 && lower.ends_with("[bot]"));
  FUZZ_CHECK(IsValidRepoName(lower) == full);
  return 0;
}
