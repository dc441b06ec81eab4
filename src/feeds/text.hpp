// Small text helpers the feed parser and the attribution share.
#pragma once

#include <cstring>
#include <string_view>

namespace ghharvest::feeds::internal {

// Whether `s` contains "github" in any letter case. Runs over every byte of every post's
// content, so it looks for a 'g' with memchr-like speed first.
inline bool ContainsGithub(std::string_view s) {
  static constexpr char kRest[] = "ithub";
  const char* p = s.data();
  const char* end = p + s.size();
  while (end - p >= 6) {
    const char c = static_cast<char>(*p | 0x20);  // ASCII letters to lower case
    if (c == 'g') {
      int j = 0;
      while (j < 5 && static_cast<char>(p[1 + j] | 0x20) == kRest[j]) ++j;
      if (j == 5) return true;
    }
    ++p;
  }
  return false;
}

}  // namespace ghharvest::feeds::internal
