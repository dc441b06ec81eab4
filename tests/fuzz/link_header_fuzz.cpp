// Fuzz target: the RFC 8288 Link header (src/github/link_header.hpp FindLink), GitHub's
// pagination. A target found is always a piece of the header, never made up.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "github/link_header.hpp"

using namespace ghharvest::github;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string header(reinterpret_cast<const char*>(data), size);
  for (std::string_view rel : {"next", "last", "prev", "first", ""}) {
    if (auto target = FindLink(header, rel)) {
      FUZZ_CHECK(header.find(*target) != std::string::npos);
      FUZZ_CHECK(target->find('>') == std::string::npos);
    }
  }
  return 0;
}
