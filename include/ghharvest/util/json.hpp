// JSON text for the few places that write it by hand (GraphQL variables, `status --json`).
#pragma once

#include <string>
#include <string_view>

namespace ghharvest {

// `s` as a JSON string literal, quotes included; control characters escaped.
std::string JsonQuote(std::string_view s);

}  // namespace ghharvest
