// What a client keeps of an earlier 2xx answer to ask "changed since?" next time: the
// validators GitHub sent and the next-page link that came with them. Plain data, shared by
// the GitHub client (which decides when to use them) and the store (which keeps them).
#pragma once

#include <optional>
#include <string>

namespace ghharvest::model {

struct HttpValidators {
  std::optional<std::string> etag;
  std::optional<std::string> last_modified;
  std::optional<std::string> next_url;
};

}  // namespace ghharvest::model
