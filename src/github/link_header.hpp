// RFC 8288 `link` header: GitHub's pagination. The next URL is used exactly as given
// (some endpoints page by cursor), never rebuilt from page numbers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ghharvest::github {

// The target of the first link whose rel list contains `rel` ("next", "last", ...).
std::optional<std::string> FindLink(std::string_view header, std::string_view rel);

}  // namespace ghharvest::github
