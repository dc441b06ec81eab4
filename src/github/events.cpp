// The event normalizer. GH Archive lines and Events API pages share one object reader
// (Reader::Event), so both sources yield identical records for identical events.
#include "ghharvest/github/events.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "ghharvest/util/clock.hpp"
#include "github/parse_internal.hpp"

namespace ghharvest::github {
namespace internal {
namespace {

// The number in an issue or pull-request address: "https://github.com/o/r/issues/42#..." or
// ".../pull/42#discussion_r7". Timeline comment events name their item only this way.
std::int64_t NumberInWebUrl(std::string_view url) {
  for (std::string_view part : {std::string_view("/issues/"), std::string_view("/pull/")}) {
    std::size_t at = url.find(part);
    if (at == std::string_view::npos) continue;
    std::int64_t n = 0;
    std::size_t i = at + part.size();
    for (; i < url.size() && url[i] >= '0' && url[i] <= '9' && n < (std::int64_t{1} << 52); ++i) {
      n = n * 10 + (url[i] - '0');
    }
    if (i > at + part.size()) return n;
  }
  return 0;
}

// Timeline files write local times with an offset ("2012-03-10T22:00:08-08:00"); records
// hold UTC "Z" times like the API's, so both generations sort and compare alike.
bool ToUtc(std::string* t) {
  if (t->empty() || t->back() == 'Z') return true;
  Clock::TimePoint at;
  if (!ParseIso8601(*t, &at)) return false;
  *t = FormatIso8601(at);
  return true;
}

bool CountedType(const std::string& t) {
  return t == "IssuesEvent" || t == "IssueCommentEvent" || t == "PullRequestEvent" ||
         t == "PullRequestReviewEvent" || t == "PullRequestReviewCommentEvent";
}

}  // namespace

// GH Archive's files before 2015 hold GitHub's old Timeline events: `actor` is a login string
// (with `actor_attributes`), `repository` an object of owner/name/url, no event `id`, local
// times with an offset, and thinner payloads (2012's IssuesEvent names the issue by id and
// number, its IssueCommentEvent by issue_id and comment_id, with the number only in the
// event's `url`). Both generations are read in the same single pass over the object; what
// only one of them has is kept aside and applied at the end.
bool Reader::Event(od::object obj, EventRecord* out) {
  bool timeline = false;
  std::string owner, name, web_url;
  std::int64_t timeline_repo_id = 0, payload_number = 0, issue_id = 0, comment_id = 0;
  bool thin_issue = false;
  bool ok = Fields(obj, "", [&](std::string_view key, od::value val) {
    if (key == "id") return IdText(val, "id", &out->id);
    if (key == "type") return Str(val, "type", &out->type);
    if (key == "created_at") return Str(val, "created_at", &out->created_at);
    if (key == "url") {
      od::json_type type;
      if (val.type().get(type) == simdjson::SUCCESS && type == od::json_type::string) {
        return Str(val, "url", &web_url);
      }
      return true;
    }
    if (key == "actor") {
      od::json_type type;
      if (val.type().get(type) == simdjson::SUCCESS && type == od::json_type::string) {
        timeline = true;
        return Str(val, "actor", &out->actor.login);
      }
      od::object actor;
      if (!Object(val, "actor", &actor)) return false;
      out->actor.type.clear();  // actors never say; the store keeps what it knows
      return UserObject(actor, "actor", &out->actor);
    }
    if (key == "actor_attributes") {
      timeline = true;
      od::object attrs;
      if (!Object(val, "actor_attributes", &attrs)) return false;
      UserRef who;
      who.type.clear();
      if (!UserObject(attrs, "actor_attributes", &who)) return false;
      if (out->actor.login.empty()) out->actor.login = who.login;
      out->actor.type = who.type;
      return true;
    }
    if (key == "repository") {
      timeline = true;
      od::object repo;
      if (!Object(val, "repository", &repo)) return false;
      return Fields(repo, "repository", [&](std::string_view rkey, od::value rval) {
        if (rkey == "id") return Int(rval, "id", &timeline_repo_id);
        if (rkey == "name") return Str(rval, "name", &name);
        if (rkey == "owner") return Str(rval, "owner", &owner);
        return true;
      });
    }
    if (key == "repo") {
      od::object repo;
      if (!Object(val, "repo", &repo)) return false;
      return Fields(repo, "repo", [&](std::string_view rkey, od::value rval) {
        if (rkey == "id") return Int(rval, "id", &out->repo_id);
        if (rkey == "name") return Str(rval, "name", &out->repo_name);
        return true;
      });
    }
    if (key != "payload") return true;
    od::object payload;
    if (!Object(val, "payload", &payload)) return false;
    return Fields(payload, "payload", [&](std::string_view pkey, od::value pval) {
      if (pkey == "action") return Str(pval, "action", &out->action);
      if (pkey == "number") return Int(pval, "number", &payload_number);
      if (pkey == "issue_id") return Int(pval, "issue_id", &issue_id);
      if (pkey == "comment_id") return Int(pval, "comment_id", &comment_id);
      if (pkey == "issue") {
        od::json_type type;
        if (pval.type().get(type) == simdjson::SUCCESS && type == od::json_type::number) {
          thin_issue = true;  // 2012: the issue's id, its number beside it
          return Int(pval, "issue", &issue_id);
        }
        IssueRecord issue;
        if (!Issue(pval, "issue", &issue, false)) return false;
        out->issue = std::move(issue);  // an issue object wins over a pull-request one
        return true;
      }
      if (pkey == "pull_request") {
        bool null = false;
        if (!IsNull(pval, "pull_request", &null)) return false;
        if (null || out->issue) return true;
        IssueRecord pull;
        pull.partial = true;  // until it shows a state: GitHub's trimmed payloads carry none
        if (!Issue(pval, "pull_request", &pull, true)) return false;
        if (!pull.state.empty()) pull.partial = false;
        out->issue = std::move(pull);
        return true;
      }
      if (pkey == "comment") {
        CommentRecord comment;
        if (!Comment(pval, "comment", &comment)) return false;
        out->comment = std::move(comment);
        return true;
      }
      if (pkey == "review") {
        ReviewRecord review;
        if (!Review(pval, "review", &review)) return false;
        out->review = std::move(review);
        return true;
      }
      return true;
    });
  });
  if (!ok) return false;
  if (out->type.empty()) return FailText("missing", "type", nullptr);
  if (out->created_at.empty()) return FailText("missing", "created_at", nullptr);
  if (timeline) {
    out->timeline = true;
    if (out->actor.login.empty()) return FailText("missing", "actor", nullptr);
    // The name is what a timeline event is filed under; a `repo` object that gave only an id
    // (seen when the two generations mix) leaves it to `repository`.
    if (out->repo_name.empty()) {
      if (name.empty() || owner.empty()) return FailText("missing", "repository.name", nullptr);
      out->repo_name = owner + "/" + name;
    }
    if (out->repo_id == 0) out->repo_id = timeline_repo_id;
    if (!ToUtc(&out->created_at)) {
      return FailText("not an RFC 3339 time", "created_at", nullptr);
    }
    if (payload_number == 0) payload_number = NumberInWebUrl(web_url);
    UserRef actor = out->actor;
    if (thin_issue && !out->issue && out->type == "IssuesEvent") {
      IssueRecord issue;
      issue.id = issue_id;
      issue.number = payload_number;
      issue.partial = true;
      // Only the opener is the author; whoever closed or reopened it need not be.
      if (out->action == "opened") {
        issue.user = actor;
        issue.created_at = out->created_at;
      }
      out->issue = std::move(issue);
    }
    if (!out->comment && comment_id != 0 && out->type == "IssueCommentEvent") {
      CommentRecord comment;
      comment.id = comment_id;
      comment.number = payload_number;
      comment.user = actor;
      comment.created_at = out->created_at;
      out->comment = std::move(comment);
    }
    if (out->comment && out->comment->number == 0 && !out->issue) {
      out->comment->number = NumberInWebUrl(web_url);
    }
    // Nested times came from the API of the day; an unreadable one is unknown, not fatal.
    if (out->issue && !ToUtc(&out->issue->created_at)) out->issue->created_at.clear();
    if (out->issue && !ToUtc(&out->issue->updated_at)) out->issue->updated_at.clear();
    if (out->comment && !ToUtc(&out->comment->created_at)) out->comment->created_at.clear();
    if (out->comment && !ToUtc(&out->comment->updated_at)) out->comment->updated_at.clear();
  } else if (out->id.empty()) {
    return FailText("missing", "id", nullptr);
  }

  // Keep only what this event type means; other types may carry look-alike keys.
  const std::string& t = out->type;
  bool wants_issue = CountedType(t);
  bool wants_comment = t == "IssueCommentEvent" || t == "PullRequestReviewCommentEvent";
  bool wants_review = t == "PullRequestReviewEvent";
  if (!wants_issue) out->issue.reset();
  if (!wants_comment) out->comment.reset();
  if (!wants_review) out->review.reset();
  if (out->issue && out->issue->repository_url.empty() && !out->repo_name.empty()) {
    out->issue->repository_url = "https://api.github.com/repos/" + out->repo_name;
  }
  if (out->issue && out->issue->number == 0) out->issue.reset();  // nothing to key it by
  if (out->comment && out->comment->number == 0 && out->issue) {
    out->comment->number = out->issue->number;
  }
  if (out->comment && (out->comment->id == 0 || out->comment->number == 0)) out->comment.reset();
  if (out->review && out->review->pull_number == 0 && out->issue) {
    out->review->pull_number = out->issue->number;
  }
  if (out->review && (out->review->id == 0 || out->review->pull_number == 0)) out->review.reset();
  // A trimmed pull request names no author, but whoever opened it is the actor.
  if (out->issue && out->issue->partial && !out->issue->user && t == "PullRequestEvent" &&
      out->action == "opened" && out->actor.id != 0) {
    out->issue->user = out->actor;
  }
  // A timeline event of a counted kind that yields nothing countable is of a shape this
  // normalizer does not know: reported with its type, never guessed at.
  if (out->timeline && wants_issue && (t == "IssuesEvent" || t == "PullRequestEvent") &&
      !out->issue) {
    return FailText(fmt::format("a timeline {} of an unknown shape (no issue or pull request "
                                "with a number): skipped",
                                t),
                    "payload", nullptr);
  }
  if (out->timeline && wants_comment && !out->comment) {
    return FailText(fmt::format("a timeline {} of an unknown shape (no comment id and item "
                                "number): skipped",
                                t),
                    "payload", nullptr);
  }
  return true;
}

}  // namespace internal

namespace {

namespace od = simdjson::ondemand;
using internal::Reader;

Result<EventRecord> ReadOne(simdjson::padded_string_view view, std::string what) {
  Reader r(view.data(), std::move(what));
  od::document doc;
  if (auto err = internal::ThreadParser().iterate(view).get(doc); err) {
    r.Fail(err, "", nullptr);
    return r.status();
  }
  r.set_document(&doc);
  od::object obj;
  if (auto err = doc.get_object().get(obj); err) {
    r.Fail(err, "(top level, expected an object)", internal::Location(doc));
    return r.status();
  }
  EventRecord ev;
  if (!r.Event(obj, &ev)) return r.status();
  if (const char* loc = internal::Location(doc)) {
    r.Fail(simdjson::TRAILING_CONTENT, "(after the event)", loc);
    return r.status();
  }
  return ev;
}

std::string_view TrimLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  return line;
}

bool AllJsonSpace(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

// The slow, exact path: one iterate per line, so a bad line costs only itself.
void ParseLineByLine(std::string_view chunk, std::int64_t first_line, std::vector<EventRecord>* out,
                     std::vector<EventLineError>* errors) {
  std::int64_t line_no = first_line;
  std::size_t pos = 0;
  while (pos < chunk.size()) {
    std::size_t nl = chunk.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? chunk.size() : nl;
    std::string_view line = TrimLine(chunk.substr(pos, end - pos));
    if (!line.empty()) {
      auto ev = ReadOne(internal::PaddedCopy(line), "event");
      if (ev.ok()) {
        out->push_back(std::move(ev).value());
      } else {
        errors->push_back({line_no, ev.status().message()});
      }
    }
    ++line_no;
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
}

}  // namespace

Result<EventRecord> ParseEvent(std::string_view json) {
  return ReadOne(internal::PaddedCopy(json), "event");
}

Result<std::vector<EventRecord>> ParseEventsPage(const std::string& body) {
  simdjson::padded_string_view view = internal::PaddedView(body);
  Reader r(view.data(), "events page");
  od::document doc;
  if (auto err = internal::ThreadParser().iterate(view).get(doc); err) {
    r.Fail(err, "", nullptr);
    return r.status();
  }
  r.set_document(&doc);
  std::vector<EventRecord> out;
  Status s = internal::ForEachItem(doc, r, [&](od::value v, std::int64_t) {
    od::object obj;
    if (!r.Object(v, "", &obj)) return false;
    EventRecord ev;
    if (!r.Event(obj, &ev)) return false;
    out.push_back(std::move(ev));
    return true;
  });
  if (!s.ok()) return s;
  return out;
}

void ParseEventLines(std::string_view chunk, std::int64_t first_line, std::vector<EventRecord>* out,
                     std::vector<EventLineError>* errors) {
  if (chunk.empty()) return;
  simdjson::padded_string_view view = internal::PaddedCopy(chunk);
  const std::size_t kept = out->size();
  const std::size_t kept_errors = errors->size();
  // One batch for the whole chunk: its documents are whole lines, so none straddles a batch.
  std::size_t batch = std::max<std::size_t>(view.size() + 1, simdjson::dom::MINIMAL_BATCH_SIZE);
  od::document_stream stream;
  bool stream_failed =
      internal::ThreadParser().iterate_many(view.data(), view.size(), batch).get(stream) !=
      simdjson::SUCCESS;
  std::int64_t line_no = first_line;
  std::size_t counted_to = 0;  // newlines before this offset are in line_no
  // The stream reads documents, not lines: it holds only while each document is alone on its
  // line, so nothing but whitespace may come between the end of one document's line and the
  // start of the next document. Two documents on a line, or one over several, take the slow
  // path, which reads them as the bad lines they are (whatever the other lines of the chunk).
  std::size_t line_end = 0;
  if (!stream_failed) {
    for (auto it = stream.begin(); it != stream.end(); ++it) {
      od::document_reference doc;
      if ((*it).get(doc) != simdjson::SUCCESS) {
        stream_failed = true;
        break;
      }
      std::size_t at = it.current_index();
      if (at < line_end || at > view.size() ||
          !AllJsonSpace(std::string_view(view.data() + line_end, at - line_end))) {
        stream_failed = true;
        break;
      }
      const void* nl = std::memchr(view.data() + at, '\n', view.size() - at);
      line_end =
          nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - view.data()) : view.size();
      if (at > counted_to && at <= view.size()) {
        line_no += std::count(view.data() + counted_to, view.data() + at, '\n');
        counted_to = at;
      }
      Reader r(nullptr, "event");
      od::object obj;
      EventRecord ev;
      if (auto err = doc.get_object().get(obj); err) {
        r.Fail(err, "(top level, expected an object)", nullptr);
      } else {
        r.Event(obj, &ev);
      }
      if (r.ok()) {
        out->push_back(std::move(ev));
      } else if (r.shape_error()) {
        errors->push_back({line_no, r.status().message()});  // well-formed, wrong shape
      } else {
        stream_failed = true;  // malformed JSON: the stream cannot be trusted past here
        break;
      }
    }
    if (!stream_failed && stream.truncated_bytes() > 0) stream_failed = true;
    if (!stream_failed && !AllJsonSpace(std::string_view(view).substr(line_end))) {
      stream_failed = true;  // the last document went on past its line
    }
  }
  if (stream_failed) {
    out->resize(kept);
    errors->resize(kept_errors);
    ParseLineByLine(chunk, first_line, out, errors);
  }
}

}  // namespace ghharvest::github
