#include "github/link_header.hpp"

#include <cctype>

namespace ghharvest::github {
namespace {

std::string_view TrimSpace(std::string_view v) {
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
  return v;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// True when the space-separated relation list `rels` names `rel`.
bool RelListHas(std::string_view rels, std::string_view rel) {
  while (!rels.empty()) {
    rels = TrimSpace(rels);
    auto sp = rels.find_first_of(" \t");
    std::string_view one = rels.substr(0, sp);
    if (EqualsNoCase(one, rel)) return true;
    if (sp == std::string_view::npos) break;
    rels.remove_prefix(sp);
  }
  return false;
}

}  // namespace

std::optional<std::string> FindLink(std::string_view header, std::string_view rel) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    auto open = header.find('<', pos);
    if (open == std::string_view::npos) return std::nullopt;
    // The target is delimited by <>, so commas and semicolons inside it are data.
    auto close = header.find('>', open + 1);
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view target = header.substr(open + 1, close - open - 1);
    // Parameters run until the next link, which starts after a comma outside quotes.
    std::size_t i = close + 1;
    bool in_quotes = false;
    std::size_t end = header.size();
    for (; i < header.size(); ++i) {
      char c = header[i];
      if (c == '"') in_quotes = !in_quotes;
      if (c == ',' && !in_quotes) {
        end = i;
        break;
      }
    }
    std::string_view params = header.substr(close + 1, end - close - 1);
    // Walk ";"-separated parameters looking for rel=...
    while (!params.empty()) {
      auto semi = params.find(';');
      if (semi == std::string_view::npos) break;
      params.remove_prefix(semi + 1);
      auto next_semi = params.find(';');
      std::string_view param = TrimSpace(params.substr(0, next_semi));
      auto eq = param.find('=');
      if (eq != std::string_view::npos && EqualsNoCase(TrimSpace(param.substr(0, eq)), "rel")) {
        std::string_view value = TrimSpace(param.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
          value = value.substr(1, value.size() - 2);
        }
        if (RelListHas(value, rel)) return std::string(TrimSpace(target));
      }
    }
    pos = end == header.size() ? end : end + 1;
  }
  return std::nullopt;
}

}  // namespace ghharvest::github
