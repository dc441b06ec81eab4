// The two halves of feeds::ResolveUrl, for the tests that hold them to one answer. Internal to
// the feeds area.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ghharvest::feeds::internal {

// Whether `url` is an absolute http(s) URL that curl's URL API would give back unchanged
// (lower-case host, a path, nothing to encode or normalise): ResolveUrl returns it as it is.
bool IsCanonicalHttpUrl(std::string_view url);

// `ref` resolved against `base` by curl's URL API: http(s) only, no fragment, host in lower
// case, no default port.
std::optional<std::string> ResolveWithCurl(const std::string& base, std::string_view ref);

// ProjectOfUrl's reading of any URL, by curl's URL API (ProjectOfUrl reads a canonical URL
// without curl).
std::optional<std::string> ProjectOfUrlWithCurl(std::string_view url);

}  // namespace ghharvest::feeds::internal
