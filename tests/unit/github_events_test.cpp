#include <doctest/doctest.h>

#include "check_ok.hpp"

#include <string>
#include <vector>

#include "files.hpp"
#include "ghharvest/github/events.hpp"

using namespace ghharvest;
using namespace ghharvest::github;
using ghharvest::testing::ReadFixture;

namespace {

// Minimal but real-shaped events, one per line as GH Archive stores them.
const char* kIssuesEvent =
    R"({"id":"101","type":"IssuesEvent","actor":{"id":5,"login":"Alice"},)"
    R"("repo":{"id":77,"name":"o/r"},"payload":{"action":"opened","issue":{"id":9001,)"
    R"("number":3,"user":{"id":5,"login":"Alice","type":"User"},"state":"open",)"
    R"("created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z",)"
    R"("reactions":{"total_count":2,"+1":2}}},"public":true,"created_at":"2024-01-01T00:00:01Z"})";
const char* kCommentEvent =
    R"({"id":"102","type":"IssueCommentEvent","actor":{"id":6,"login":"bob"},)"
    R"("repo":{"id":77,"name":"o/r"},"payload":{"action":"created","issue":{"id":9001,)"
    R"("number":3,"user":{"id":5,"login":"Alice"},"pull_request":{"merged_at":null}},)"
    R"("comment":{"id":555,"user":{"id":6,"login":"bob"},)"
    R"("issue_url":"https://api.github.com/repos/o/r/issues/3",)"
    R"("created_at":"2024-01-02T00:00:00Z","updated_at":"2024-01-02T00:00:00Z"}},)"
    R"("created_at":"2024-01-02T00:00:01Z"})";
const char* kPullEvent =
    R"({"id":"103","type":"PullRequestEvent","actor":{"id":5,"login":"Alice"},)"
    R"("repo":{"id":77,"name":"o/r"},"payload":{"action":"closed","number":4,)"
    R"("pull_request":{"id":424242,"number":4,"user":{"id":5,"login":"Alice"},)"
    R"("state":"closed","merged_at":"2024-01-03T00:00:00Z","updated_at":"2024-01-03T00:00:00Z"}},)"
    R"("created_at":"2024-01-03T00:00:01Z"})";
const char* kReviewEvent =
    R"({"id":"104","type":"PullRequestReviewEvent","actor":{"id":6,"login":"bob"},)"
    R"("repo":{"id":77,"name":"o/r"},"payload":{"action":"created","review":{"id":31,)"
    R"("user":{"id":6,"login":"bob"},"state":"approved","submitted_at":"2024-01-03T00:00:00Z"},)"
    R"("pull_request":{"id":424242,"number":4,"user":{"id":5,"login":"Alice"}}},)"
    R"("created_at":"2024-01-03T00:00:02Z"})";
const char* kReviewCommentEvent =
    R"({"id":"105","type":"PullRequestReviewCommentEvent","actor":{"id":6,"login":"bob"},)"
    R"("repo":{"id":77,"name":"o/r"},"payload":{"action":"created","comment":{"id":777,)"
    R"("pull_request_review_id":31,"user":{"id":6,"login":"bob"},)"
    R"("pull_request_url":"https://api.github.com/repos/o/r/pulls/4"},)"
    R"("pull_request":{"id":424242,"number":4}},"created_at":"2024-01-03T00:00:03Z"})";

}  // namespace

TEST_CASE("the Events API examples normalize: who, where, what, when") {
  auto r = ParseEventsPage(ReadFixture("openapi/example-user-events-items.json"));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  REQUIRE(r->size() == 2);
  const EventRecord& e = (*r)[0];
  CHECK(e.id == "22249084947");
  CHECK(e.type == "WatchEvent");
  CHECK(e.actor.login == "octocat");
  CHECK(e.actor.id == 583231);
  CHECK(e.actor.type.empty());
  CHECK(e.repo_name == "octocat/Hello-World");
  CHECK(e.repo_id == 1296269);
  CHECK(e.created_at == "2022-06-09T12:47:28Z");
  CHECK(e.action == "started");
  CHECK_FALSE(e.issue);
  CHECK_FALSE(e.comment);
  CHECK_FALSE(e.review);

  auto pub = ParseEventsPage(ReadFixture("openapi/example-user-public-events-items.json"));
  REQUIRE_MESSAGE(pub.ok(), pub.status().ToString());
  REQUIRE(pub->size() == 2);
  CHECK((*pub)[1].type == "PushEvent");
  CHECK_FALSE((*pub)[1].issue);
}

TEST_CASE("payloads give the issue, comment, pull request and review they carry") {
  auto issue = ParseEvent(kIssuesEvent);
  REQUIRE_MESSAGE(issue.ok(), issue.status().ToString());
  REQUIRE(issue->issue);
  CHECK(issue->issue->id == 9001);
  CHECK(issue->issue->number == 3);
  CHECK_FALSE(issue->issue->is_pull);
  CHECK(issue->issue->reactions.total == 2);
  CHECK(issue->issue->repository_url == "https://api.github.com/repos/o/r");

  auto comment = ParseEvent(kCommentEvent);
  REQUIRE_MESSAGE(comment.ok(), comment.status().ToString());
  REQUIRE(comment->comment);
  CHECK(comment->comment->id == 555);
  CHECK(comment->comment->number == 3);
  REQUIRE(comment->issue);
  CHECK(comment->issue->is_pull);
  CHECK_FALSE(comment->issue->from_pull_object);

  auto pull = ParseEvent(kPullEvent);
  REQUIRE_MESSAGE(pull.ok(), pull.status().ToString());
  REQUIRE(pull->issue);
  CHECK(pull->issue->from_pull_object);
  CHECK(pull->issue->is_pull);
  CHECK(pull->issue->id == 424242);
  CHECK(pull->issue->number == 4);
  CHECK(pull->issue->merged_at == std::optional<std::string>("2024-01-03T00:00:00Z"));
  CHECK(pull->action == "closed");

  auto review = ParseEvent(kReviewEvent);
  REQUIRE_MESSAGE(review.ok(), review.status().ToString());
  REQUIRE(review->review);
  CHECK(review->review->id == 31);
  CHECK(review->review->pull_number == 4);  // from the pull request beside it
  CHECK(review->review->state == "approved");

  auto rc = ParseEvent(kReviewCommentEvent);
  REQUIRE_MESSAGE(rc.ok(), rc.status().ToString());
  REQUIRE(rc->comment);
  CHECK(rc->comment->number == 4);
  CHECK(rc->comment->review_id == std::optional<std::int64_t>(31));
}

TEST_CASE("an Events API page and GH Archive lines give identical records") {
  std::string page = std::string("[") + kIssuesEvent + "," + kCommentEvent + "," + kPullEvent +
                     "," + kReviewEvent + "," + kReviewCommentEvent + "]";
  auto api = ParseEventsPage(page);
  REQUIRE_MESSAGE(api.ok(), api.status().ToString());
  std::string lines = std::string(kIssuesEvent) + "\n" + kCommentEvent + "\n" + kPullEvent + "\n" +
                      kReviewEvent + "\n" + kReviewCommentEvent + "\n";
  std::vector<EventRecord> archive;
  std::vector<EventLineError> errors;
  ParseEventLines(lines, 1, &archive, &errors);
  CHECK(errors.empty());
  REQUIRE(archive.size() == api->size());
  for (std::size_t k = 0; k < archive.size(); ++k) {
    CHECK(archive[k].id == (*api)[k].id);
    CHECK(archive[k].type == (*api)[k].type);
    CHECK(archive[k].repo_id == (*api)[k].repo_id);
    CHECK(archive[k].issue.has_value() == (*api)[k].issue.has_value());
    CHECK(archive[k].comment.has_value() == (*api)[k].comment.has_value());
    CHECK(archive[k].review.has_value() == (*api)[k].review.has_value());
  }
}

TEST_CASE("a payload key that does not belong to the event type is ignored") {
  auto e = ParseEvent(
      R"({"id":"1","type":"PushEvent","actor":{"id":1,"login":"a"},"repo":{"id":2,"name":"o/r"},)"
      R"("payload":{"issue":{"id":3,"number":4}},"created_at":"2024-01-01T00:00:00Z"})");
  REQUIRE_OK(e);
  CHECK_FALSE(e->issue);
}

TEST_CASE("bad archive lines are reported with their line numbers and the rest survive") {
  SUBCASE("malformed JSON in the middle") {
    std::string lines = std::string(kIssuesEvent) + "\n{\"id\":\"x\",\"type\":\n" + kCommentEvent +
                        "\n\n" + kPullEvent + "\n";
    std::vector<EventRecord> out;
    std::vector<EventLineError> errors;
    ParseEventLines(lines, 10, &out, &errors);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line == 11);
    REQUIRE(out.size() == 3);
    CHECK(out[0].id == "101");
    CHECK(out[1].id == "102");
    CHECK(out[2].id == "103");
  }
  SUBCASE("well-formed JSON of the wrong shape") {
    std::string lines = std::string(kIssuesEvent) + "\n" +
                        R"({"id":"7","type":"IssuesEvent","actor":{"id":"five"},)"
                        R"("created_at":"2024-01-01T00:00:00Z"})" +
                        "\n[1,2]\n" + kPullEvent + "\n";
    std::vector<EventRecord> out;
    std::vector<EventLineError> errors;
    ParseEventLines(lines, 1, &out, &errors);
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].line == 2);
    CHECK_MESSAGE(errors[0].message.find("'actor.id'") != std::string::npos, errors[0].message);
    CHECK(errors[1].line == 3);
    REQUIRE(out.size() == 2);
    CHECK(out[1].id == "103");
  }
  SUBCASE("a missing required field") {
    std::vector<EventRecord> out;
    std::vector<EventLineError> errors;
    ParseEventLines(R"({"id":"1","actor":{"id":1,"login":"a"}})", 5, &out, &errors);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line == 5);
    CHECK(errors[0].message.find("type") != std::string::npos);
    CHECK(out.empty());
  }
  SUBCASE("a truncated last line without a newline") {
    std::string lines = std::string(kIssuesEvent) + "\n" + std::string(kPullEvent).substr(0, 40);
    std::vector<EventRecord> out;
    std::vector<EventLineError> errors;
    ParseEventLines(lines, 1, &out, &errors);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line == 2);
    CHECK(out.size() == 1);
  }
}

// Found by tests/fuzz/archive_lines_fuzz: the fast path read documents, not lines, so that
// whether such lines counted as events depended on the other lines of the chunk.
TEST_CASE("archive lines holding two events, or one event over two, are bad lines") {
  const std::string ev = R"({"id":"1","type":"X","created_at":"2024-01-01T00:00:00Z"})";
  const std::string over_two =
      "{\"id\":\"2\",\"type\":\"X\",\n\"created_at\":\"2024-01-01T00:00:00Z\"}";
  struct Case {
    const char* what;
    std::string lines;
    std::vector<std::int64_t> bad;  // line numbers
    std::size_t events;
  };
  const Case cases[] = {
      {"two on a line", ev + ev + "\n" + ev + "\n", {1}, 1},
      {"two on a line, three documents", ev + "\n" + ev + " " + ev + " " + ev + "\n", {2}, 1},
      {"a scalar after an event", ev + " 5\n" + ev, {1}, 1},
      {"one over two lines", over_two + "\n" + ev + "\n", {1, 2}, 1},
      {"one over two lines, last", ev + "\n" + over_two, {2, 3}, 1},
      {"one over two lines, then a bad line", over_two + "\n" + ev + "\n{\n", {1, 2, 4}, 1},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    std::vector<EventRecord> out;
    std::vector<EventLineError> errors;
    ParseEventLines(c.lines, 1, &out, &errors);
    CHECK(out.size() == c.events);
    std::vector<std::int64_t> bad;
    for (const auto& e : errors) bad.push_back(e.line);
    CHECK(bad == c.bad);
  }
}

TEST_CASE("a malformed Events API page is Corruption naming the event") {
  auto r = ParseEventsPage(std::string("[") + kIssuesEvent + R"(,{"id":"2","type":5}])");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kCorruption);
  CHECK_MESSAGE(r.status().message().find("item 1") != std::string::npos, r.status().message());
  CHECK_MESSAGE(r.status().message().find("'type'") != std::string::npos, r.status().message());
  CHECK_FALSE(ParseEventsPage(std::string("[") + kIssuesEvent).ok());
  CHECK_FALSE(ParseEvent("{}").ok());
}

TEST_CASE("archive event ids given as numbers are read as text") {
  auto e = ParseEvent(
      R"({"id":1234567890123,"type":"WatchEvent","actor":{"id":1,"login":"a"},)"
      R"("repo":{"id":2,"name":"o/r"},"payload":{},"created_at":"2015-01-01T00:00:00Z"})");
  REQUIRE_MESSAGE(e.ok(), e.status().ToString());
  CHECK(e->id == "1234567890123");
}

namespace {

// A line of a 2012 GH Archive file, in GitHub's old Timeline format.
const char* kTimelineIssuesEvent =
    R"({"created_at":"2012-03-10T07:00:01-08:00","type":"IssuesEvent","actor":"alice",)"
    R"("actor_attributes":{"login":"alice","type":"User","name":"Alice"},)"
    R"("repository":{"id":77,"name":"r","owner":"o","url":"https://github.com/o/r",)"
    R"("has_issues":true,"forks":3},"payload":{"action":"opened","number":3,"issue":9001},)"
    R"("url":"https://github.com/o/r/issues/3","public":true})";

// Timeline lines as GH Archive's 2011-2014 files hold them (its published schema history:
// string actor with actor_attributes, a `repository` object, no event id, Pacific times with
// an offset; 2012 payloads name issues and comments by id).
const char* kTimelineCommentEvent =
    R"({"created_at":"2012-03-10T08:30:00-08:00","type":"IssueCommentEvent","actor":"bob",)"
    R"("actor_attributes":{"login":"bob","type":"User"},)"
    R"("repository":{"id":77,"name":"r","owner":"o","url":"https://github.com/o/r"},)"
    R"("payload":{"issue_id":9001,"comment_id":555},"public":true,)"
    R"("url":"https://github.com/o/r/issues/3#issuecomment-555"})";
const char* kTimelinePullEvent =
    R"({"created_at":"2013-06-01T10:00:00-07:00","type":"PullRequestEvent","actor":"alice",)"
    R"("actor_attributes":{"login":"alice","type":"User"},)"
    R"("repository":{"id":77,"name":"r","owner":"o","url":"https://github.com/o/r"},)"
    R"("payload":{"action":"closed","number":4,"pull_request":{"id":424242,"number":4,)"
    R"("user":{"id":5,"login":"alice"},"state":"closed","title":"Fix",)"
    R"("created_at":"2013-05-30T10:00:00Z","updated_at":"2013-06-01T17:00:00Z",)"
    R"("merged_at":"2013-06-01T17:00:00Z","merged":true}},)"
    R"("url":"https://github.com/o/r/pull/4","public":true})";
const char* kTimelineReviewCommentEvent =
    R"({"created_at":"2012-11-02T09:00:00-07:00","type":"PullRequestReviewCommentEvent",)"
    R"("actor":"bob","actor_attributes":{"login":"bob"},)"
    R"("repository":{"id":77,"name":"r","owner":"o"},"payload":{"comment":{"id":777,)"
    R"("user":{"id":6,"login":"bob"},"path":"a.c","commit_id":"abc",)"
    R"("created_at":"2012-11-02T16:00:00Z","updated_at":"2012-11-02T16:00:00Z",)"
    R"("_links":{"pull_request":{"href":"https://api.github.com/repos/o/r/pulls/4"}}}},)"
    R"("url":"https://github.com/o/r/pull/4#discussion_r777","public":true})";
const char* kTimelinePushEvent =
    R"({"created_at":"2011-04-01T00:00:00-07:00","type":"PushEvent","actor":"alice",)"
    R"("actor_attributes":{"login":"alice"},"repository":{"id":77,"name":"r","owner":"o"},)"
    R"("payload":{"shas":[["abc","a@example.org","msg","Alice",true]],"size":1,)"
    R"("ref":"refs/heads/master","head":"abc"},"public":true})";

}  // namespace

TEST_CASE("2011-2014 timeline lines normalize into the same records as today's") {
  auto issue = ParseEvent(kTimelineIssuesEvent);
  REQUIRE_OK(issue);
  CHECK(issue->timeline);
  CHECK(issue->id.empty());
  CHECK(issue->type == "IssuesEvent");
  CHECK(issue->actor.login == "alice");
  CHECK(issue->actor.id == 0);
  CHECK(issue->actor.type == "User");
  CHECK(issue->repo_id == 77);
  CHECK(issue->repo_name == "o/r");
  CHECK(issue->created_at == "2012-03-10T15:00:01Z");  // the offset applied
  REQUIRE(issue->issue);
  CHECK(issue->issue->id == 9001);
  CHECK(issue->issue->number == 3);
  CHECK(issue->issue->partial);
  CHECK_FALSE(issue->issue->is_pull);
  REQUIRE(issue->issue->user);
  CHECK(issue->issue->user->login == "alice");
  CHECK(issue->issue->created_at == "2012-03-10T15:00:01Z");

  auto comment = ParseEvent(kTimelineCommentEvent);
  REQUIRE_OK(comment);
  CHECK_FALSE(comment->issue);  // the issue is known by id only: nothing to store of it
  REQUIRE(comment->comment);
  CHECK(comment->comment->id == 555);
  CHECK(comment->comment->number == 3);  // from the event's url
  REQUIRE(comment->comment->user);
  CHECK(comment->comment->user->login == "bob");
  CHECK(comment->comment->created_at == "2012-03-10T16:30:00Z");

  auto pull = ParseEvent(kTimelinePullEvent);
  REQUIRE_OK(pull);
  REQUIRE(pull->issue);
  CHECK(pull->issue->is_pull);
  CHECK(pull->issue->from_pull_object);
  CHECK_FALSE(pull->issue->partial);
  CHECK(pull->issue->number == 4);
  CHECK(pull->issue->merged_at == std::optional<std::string>("2013-06-01T17:00:00Z"));
  REQUIRE(pull->issue->user);
  CHECK(pull->issue->user->id == 5);
  CHECK(pull->created_at == "2013-06-01T17:00:00Z");

  auto review_comment = ParseEvent(kTimelineReviewCommentEvent);
  REQUIRE_OK(review_comment);
  REQUIRE(review_comment->comment);
  CHECK(review_comment->comment->id == 777);
  CHECK(review_comment->comment->number == 4);  // from the discussion url
  CHECK(review_comment->comment->user->id == 6);

  auto push = ParseEvent(kTimelinePushEvent);
  REQUIRE_OK(push);
  CHECK(push->type == "PushEvent");
  CHECK_FALSE(push->issue);
  CHECK_FALSE(push->comment);

  // An actor object beside `repository` (some 2014 lines) keeps the actor's id.
  std::string with_actor_object = kTimelineIssuesEvent;
  with_actor_object.replace(with_actor_object.find(R"("actor":"alice")"), 15,
                            R"("actor":{"id":5,"login":"alice"})");
  auto two = ParseEvent(with_actor_object);
  REQUIRE_OK(two);
  CHECK(two->actor.id == 5);
  CHECK(two->repo_name == "o/r");

  // A `repo` object that names only an id (the generations mixed) leaves the name to
  // `repository` and keeps its id; without either name the line is refused (found by fuzzing).
  std::string with_repo_id = kTimelineIssuesEvent;
  with_repo_id.insert(1, R"("repo":{"id":78},)");
  auto three = ParseEvent(with_repo_id);
  REQUIRE_OK(three);
  CHECK(three->repo_name == "o/r");
  CHECK(three->repo_id == 78);
  with_repo_id.replace(with_repo_id.find(R"("name":"r",)"), 11, "");
  auto nameless = ParseEvent(with_repo_id);
  REQUIRE_FALSE(nameless.ok());
  CHECK(nameless.status().message().find("repository.name") != std::string::npos);

  // Both generations in one chunk go through the stream's fast path alike.
  const std::string chunk = std::string(kIssuesEvent) + "\n" + kTimelineIssuesEvent + "\n" +
                            kTimelineCommentEvent + "\n" + kCommentEvent + "\n";
  std::vector<EventRecord> events;
  std::vector<EventLineError> errors;
  ParseEventLines(chunk, 40, &events, &errors);
  CHECK(errors.empty());
  REQUIRE(events.size() == 4);
  CHECK(events[0].id == "101");
  CHECK(events[1].timeline);
  CHECK(events[2].comment->id == 555);
  CHECK(events[3].id == "102");
}

TEST_CASE("a timeline line of an unknown shape is reported with its type, never guessed") {
  std::string no_comment = kTimelineCommentEvent;
  no_comment.replace(no_comment.find(R"({"issue_id":9001,"comment_id":555})"), 34, "{}");
  auto e = ParseEvent(no_comment);
  REQUIRE_FALSE(e.ok());
  CHECK_MESSAGE(e.status().message().find("IssueCommentEvent") != std::string::npos,
                e.status().message());
  CHECK(e.status().message().find("unknown shape") != std::string::npos);

  std::string no_number = kTimelineIssuesEvent;
  no_number.replace(no_number.find(R"("number":3,)"), 11, "");
  no_number.replace(no_number.find(R"("url":"https://github.com/o/r/issues/3",)"), 40, "");
  auto n = ParseEvent(no_number);
  REQUIRE_FALSE(n.ok());
  CHECK(n.status().message().find("IssuesEvent of an unknown shape") != std::string::npos);

  std::string no_repo_name = kTimelinePushEvent;
  no_repo_name.replace(no_repo_name.find(R"("name":"r",)"), 11, "");
  auto r = ParseEvent(no_repo_name);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("repository.name") != std::string::npos);

  std::string bad_time = kTimelinePushEvent;
  bad_time.replace(bad_time.find("-07:00"), 6, "-7");
  auto t = ParseEvent(bad_time);
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().message().find("created_at") != std::string::npos);

  // Among good lines it is one bad line; the others survive.
  const std::string chunk = std::string(kIssuesEvent) + "\n" + no_comment + "\n";
  std::vector<EventRecord> events;
  std::vector<EventLineError> errors;
  ParseEventLines(chunk, 1, &events, &errors);
  CHECK(events.size() == 1);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 2);
}

TEST_CASE("payloads trimmed since 2025-10-07 read as partial, never as values") {
  // PushEvent without commits, size or distinct_size.
  auto push =
      ParseEvent(R"({"id":"301","type":"PushEvent","actor":{"id":5,"login":"alice"},)"
                 R"("repo":{"id":77,"name":"o/r"},"payload":{"repository_id":77,"push_id":9,)"
                 R"("ref":"refs/heads/main","head":"abc","before":"def"},)"
                 R"("created_at":"2025-10-08T00:00:00Z"})");
  REQUIRE_OK(push);
  CHECK_FALSE(push->issue);
  // A PullRequestEvent whose pull request is only its keys and branches.
  auto pull = ParseEvent(
      R"({"id":"302","type":"PullRequestEvent","actor":{"id":5,"login":"alice"},)"
      R"("repo":{"id":77,"name":"o/r"},"payload":{"action":"closed","number":4,)"
      R"("pull_request":{"url":"https://api.github.com/repos/o/r/pulls/4","id":424242,)"
      R"("number":4,"head":{"ref":"fix","sha":"abc"},"base":{"ref":"main","sha":"def"}}},)"
      R"("created_at":"2025-10-08T00:00:01Z"})");
  REQUIRE_OK(pull);
  REQUIRE(pull->issue);
  CHECK(pull->issue->partial);
  CHECK(pull->issue->is_pull);
  CHECK_FALSE(pull->issue->merged_at);  // unknown, which the store must not read as "no"
  CHECK_FALSE(pull->issue->user);
  // The full object of before is not partial.
  auto full = ParseEvent(kPullEvent);
  REQUIRE_OK(full);
  CHECK_FALSE(full->issue->partial);
}

TEST_CASE("an event's issue whose pull_request links are all null is a plain issue") {
  // As GitHub wrote plain issues until about 2014 (and older Enterprise servers still do).
  const std::string line =
      R"({"id":"201","type":"IssuesEvent","actor":{"id":5,"login":"alice"},)"
      R"("repo":{"id":77,"name":"o/r"},"payload":{"action":"opened","issue":{"id":9002,)"
      R"("number":5,"user":{"id":5,"login":"alice"},"state":"open",)"
      R"("pull_request":{"html_url":null,"diff_url":null,"patch_url":null},)"
      R"("created_at":"2013-05-01T00:00:00Z","updated_at":"2013-05-01T00:00:00Z"}},)"
      R"("created_at":"2013-05-01T00:00:01Z"})";
  auto plain = ParseEvent(line);
  REQUIRE_OK(plain);
  REQUIRE(plain->issue);
  CHECK_FALSE(plain->issue->is_pull);
  CHECK_FALSE(plain->issue->merged_at);
  // The same issue with real links is a pull request.
  std::string pull = line;
  pull.replace(pull.find(R"("html_url":null)"), 15,
               R"("html_url":"https://github.com/o/r/pull/5")");
  auto as_pull = ParseEvent(pull);
  REQUIRE_OK(as_pull);
  REQUIRE(as_pull->issue);
  CHECK(as_pull->issue->is_pull);
}
