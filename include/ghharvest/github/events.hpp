// The event normalizer: GitHub events (Events API pages and GH Archive NDJSON lines) into
// EventRecord. One normalizer serves both sources, since GH Archive stores the Events API's
// own format. Payload-derived records are filled for:
//   IssuesEvent                    -> issue
//   IssueCommentEvent              -> issue, comment (an issue comment)
//   PullRequestEvent               -> issue (from_pull_object, is_pull, merged_at)
//   PullRequestReviewEvent         -> issue (from_pull_object), review (pull_number set)
//   PullRequestReviewCommentEvent  -> issue (from_pull_object), comment (review_id set)
// Event actors carry no account type, so actor.type is empty (see UserRef).
// Thread-safe: one simdjson parser per thread, reused.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ghharvest/github/model_names.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::github {

// One Events API page: a JSON array of events (/users/L/events/public, /repos/o/r/events).
// Any malformed event fails the page (Status::Corruption naming the event index and field).
Result<std::vector<EventRecord>> ParseEventsPage(const std::string& body);

// One event object, e.g. one GH Archive line.
Result<EventRecord> ParseEvent(std::string_view json);

struct EventLineError {
  std::int64_t line = 0;  // 1-based, in the whole input
  std::string message;
};

// GH Archive NDJSON: `chunk` holds whole lines (it ends at a line boundary or at the end of
// input); `first_line` is the 1-based number of its first line. Good events are appended to
// `out` in order; each bad line is appended to `errors` and skipped, never failing the rest.
// Blank lines are ignored. Uses simdjson's iterate_many, falling back to line-by-line parsing
// for a chunk that holds a bad document so that the good lines around it survive.
void ParseEventLines(std::string_view chunk, std::int64_t first_line, std::vector<EventRecord>* out,
                     std::vector<EventLineError>* errors);

}  // namespace ghharvest::github
