// Fuzz target: GH Archive NDJSON chunks (github/events.hpp ParseEventLines). Its fast path
// parses the whole chunk as one document stream; the result must be the one of parsing each
// line alone (ParseEvent): the same events in order, and an error for each other line.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "ghharvest/github/events.hpp"

using namespace ghharvest;
using namespace ghharvest::github;

namespace {

// As ParseEventLines trims a line.
std::string_view Trim(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  constexpr std::int64_t kFirstLine = 7;

  std::vector<EventRecord> events;
  std::vector<EventLineError> errors;
  ParseEventLines(input, kFirstLine, &events, &errors);

  std::vector<std::string> want_ids;
  std::vector<std::int64_t> want_error_lines;
  std::int64_t line_no = kFirstLine;
  std::size_t pos = 0;
  while (pos < input.size()) {
    std::size_t nl = input.find('\n', pos);
    std::size_t end = nl == std::string::npos ? input.size() : nl;
    std::string_view line = Trim(std::string_view(input).substr(pos, end - pos));
    if (!line.empty()) {
      auto ev = ParseEvent(line);
      if (ev.ok()) {
        want_ids.push_back(ev->id);
      } else {
        want_error_lines.push_back(line_no);
      }
    }
    ++line_no;
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }

  const bool same = events.size() == want_ids.size() && errors.size() == want_error_lines.size();
  if (!same) {
    std::fprintf(stderr, "chunk: %zu events, errors at lines", events.size());
    for (const auto& e : errors) std::fprintf(stderr, " %lld", static_cast<long long>(e.line));
    std::fprintf(stderr, "\nline by line: %zu events, errors at lines", want_ids.size());
    for (std::int64_t l : want_error_lines)
      std::fprintf(stderr, " %lld", static_cast<long long>(l));
    std::fprintf(stderr, "\n");
  }
  FUZZ_CHECK(events.size() == want_ids.size());
  for (std::size_t i = 0; i < events.size(); ++i) FUZZ_CHECK(events[i].id == want_ids[i]);
  FUZZ_CHECK(errors.size() == want_error_lines.size());
  for (std::size_t i = 0; i < errors.size(); ++i) {
    FUZZ_CHECK(errors[i].line == want_error_lines[i]);
    FUZZ_CHECK(!errors[i].message.empty());
  }
  return 0;
}
