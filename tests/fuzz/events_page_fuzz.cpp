// Fuzz target: Events API pages (github/events.hpp ParseEventsPage), and the same bytes as one
// event object (ParseEvent). A page's events must each parse alone too.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "ghharvest/github/events.hpp"
#include "ghharvest/github/parse.hpp"

using namespace ghharvest;
using namespace ghharvest::github;

namespace {
// Today's events have an id; 2011-2014 timeline events have none, but always an actor login,
// an owner/name repository and a UTC time.
bool WellFormed(const EventRecord& ev) {
  if (ev.type.empty() || ev.created_at.empty()) return false;
  if (!ev.timeline) return !ev.id.empty();
  return !ev.actor.login.empty() && !ev.repo_name.empty() && ev.created_at.back() == 'Z';
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  const std::string_view text = body;
  if (auto one = ParseEvent(text); one.ok()) {
    FUZZ_CHECK(WellFormed(*one));
  } else {
    FUZZ_CHECK(one.status().code() == Status::Code::kCorruption);
  }
  ReservePadding(body);  // as the client hands bodies over
  if (auto page = ParseEventsPage(body); page.ok()) {
    for (const EventRecord& ev : *page) {
      FUZZ_CHECK(WellFormed(ev));
      if (ev.comment) FUZZ_CHECK(ev.comment->id != 0 && ev.comment->number != 0);
      if (ev.review) FUZZ_CHECK(ev.review->id != 0 && ev.review->pull_number != 0);
      if (ev.issue) FUZZ_CHECK(ev.issue->number != 0);
    }
  } else {
    FUZZ_CHECK(page.status().code() == Status::Code::kCorruption);
  }
  return 0;
}
