// Small text helpers the feed parser and the attribution share.
#pragma once

#include <cstring>
#include <string_view>

namespace ghharvest::feeds::internal {

// Whether `s` contains "github" in any letter case. Runs over every byte of every post's
// content, so it jumps from one 'g' or 'G' to the next with memchr (many times faster than a
// loop over bytes) and compares the five letters after it only there.
inline bool ContainsGithub(std::string_view s) {
  static constexpr char kRest[] = "ithub";
  const char* const end = s.data() + s.size();
  auto next = [end](const char* from, char c) -> const char* {
    if (from >= end) return end;
    const void* hit = std::memchr(from, c, static_cast<std::size_t>(end - from));
    return hit ? static_cast<const char*>(hit) : end;
  };
  const char* lower = next(s.data(), 'g');
  const char* upper = next(s.data(), 'G');
  while (lower != end || upper != end) {
    const char* p = lower < upper ? lower : upper;
    if (end - p < 6) return false;
    int j = 0;
    while (j < 5 && static_cast<char>(p[1 + j] | 0x20) == kRest[j]) ++j;  // ASCII lower case
    if (j == 5) return true;
    if (p == lower) {
      lower = next(p + 1, 'g');
    } else {
      upper = next(p + 1, 'G');
    }
  }
  return false;
}

}  // namespace ghharvest::feeds::internal
