// Fuzz target: GET /search/issues result pages (github/parse.hpp ParseSearchIssues).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "ghharvest/github/parse.hpp"

using namespace ghharvest;
using namespace ghharvest::github;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  ReservePadding(body);
  auto page = ParseSearchIssues(body);
  if (!page.ok()) FUZZ_CHECK(page.status().code() == Status::Code::kCorruption);
  body.shrink_to_fit();
  auto copied = ParseSearchIssues(body);
  FUZZ_CHECK(copied.ok() == page.ok());
  return 0;
}
