#include "ghharvest/github/graphql_reviews.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <memory>

#include "ghharvest/github/client.hpp"
#include "ghharvest/util/log.hpp"
#include "github/graphql_json.hpp"

namespace ghharvest::github {
namespace {

namespace dom = simdjson::dom;

// The fields of one review, and of a pull request's reviews connection, as every query asks
// them (one text, so the three queries cannot drift apart). An author is an Actor; the
// concrete types that carry a databaseId are asked for it.
constexpr const char* kReviewsConnection = R"(
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        fullDatabaseId
        state
        submittedAt
        url
        author {
          __typename
          login
          ... on User { databaseId }
          ... on Bot { databaseId }
          ... on Organization { databaseId }
          ... on Mannequin { databaseId }
        }
      })";

constexpr const char* kRateLimit = "  rateLimit { cost remaining resetAt }\n";

// fullDatabaseId and mergedAt: what the pulls list would have said of each (its `id`, past
// GraphQL's 32-bit Int, and `merged_at`), for a first read that takes the pull requests from
// here.
std::string PullFields() {
  return fmt::format(
      "id\n      number\n      fullDatabaseId\n      updatedAt\n      mergedAt\n      reviews(first: "
      "100) {{{}\n      }}",
      kReviewsConnection);
}

// ---- reading -------------------------------------------------------------------------------

Status Bad(std::string_view what) {
  return Status::Corruption(fmt::format("GraphQL reviews answer: {}", what));
}

// A string field; null or absent leaves `out` empty. Another type is a bad page.
bool OptString(dom::object obj, const char* key, std::string* out) {
  dom::element v;
  if (obj[key].get(v) || v.is_null()) return true;
  std::string_view s;
  if (v.get_string().get(s)) return false;
  *out = s;
  return true;
}

bool OptInt(dom::object obj, const char* key, std::int64_t* out) {
  dom::element v;
  if (obj[key].get(v) || v.is_null()) return true;
  return !v.get_int64().get(*out);
}

// BigInt comes as a string of digits (GitHub) or, from some servers, a number.
bool BigIntField(dom::object obj, const char* key, std::int64_t* out) {
  dom::element v;
  if (obj[key].get(v) || v.is_null()) return true;
  if (!v.get_int64().get(*out)) return true;
  std::string_view s;
  if (v.get_string().get(s) || s.empty() || s.size() > 18) return false;
  std::int64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  *out = n;
  return true;
}

Status ReadReview(dom::element el, std::int64_t number, ReviewRecord* out) {
  dom::object obj;
  if (el.get_object().get(obj)) return Bad("a review is not an object");
  out->pull_number = number;
  if (!BigIntField(obj, "fullDatabaseId", &out->id)) return Bad("review fullDatabaseId");
  if (out->id == 0 && !OptInt(obj, "databaseId", &out->id)) return Bad("review databaseId");
  if (!OptString(obj, "state", &out->state)) return Bad("review state");
  if (!OptString(obj, "submittedAt", &out->submitted_at)) return Bad("review submittedAt");
  if (!OptString(obj, "url", &out->html_url)) return Bad("review url");
  dom::element author;
  if (!obj["author"].get(author) && !author.is_null()) {
    dom::object a;
    if (author.get_object().get(a)) return Bad("review author is not an object");
    UserRef u;
    if (!OptString(a, "login", &u.login)) return Bad("author login");
    if (!OptInt(a, "databaseId", &u.id)) return Bad("author databaseId");
    std::string type;
    if (!OptString(a, "__typename", &type)) return Bad("author __typename");
    if (!type.empty()) u.type = type;
    // REST names an app's account "name[bot]"; GraphQL's Bot.login is the bare name.
    constexpr std::string_view kBot = "[bot]";
    if (type == "Bot" &&
        (u.login.size() < kBot.size() || u.login.substr(u.login.size() - kBot.size()) != kBot)) {
      u.login += kBot;
    }
    out->user = std::move(u);
  }
  return Status::Ok();
}

Status ReadPageInfo(dom::object conn, bool* has_next, std::string* cursor) {
  dom::object info;
  if (conn["pageInfo"].get_object().get(info)) return Bad("pageInfo missing");
  bool next = false;
  if (info["hasNextPage"].get_bool().get(next)) return Bad("pageInfo.hasNextPage");
  *has_next = next;
  if (!OptString(info, "endCursor", cursor)) return Bad("pageInfo.endCursor");
  if (next && cursor->empty()) return Bad("hasNextPage without an endCursor");
  return Status::Ok();
}

Status ReadPull(dom::element el, PullReviews* out) {
  dom::object obj;
  if (el.get_object().get(obj)) return Bad("a pull request is not an object");
  if (!OptInt(obj, "number", &out->number) || out->number <= 0) return Bad("pull number");
  if (!OptString(obj, "id", &out->node_id)) return Bad("pull id");
  if (!OptString(obj, "updatedAt", &out->updated_at)) return Bad("pull updatedAt");
  if (!BigIntField(obj, "fullDatabaseId", &out->pull_id)) return Bad("pull fullDatabaseId");
  if (!OptString(obj, "mergedAt", &out->merged_at)) return Bad("pull mergedAt");
  dom::element reviews;
  if (obj["reviews"].get(reviews) || reviews.is_null()) {
    out->reviews_known = false;
    return Status::Ok();
  }
  dom::object conn;
  if (reviews.get_object().get(conn)) return Bad("reviews is not an object");
  if (!OptInt(conn, "totalCount", &out->total_reviews)) return Bad("reviews totalCount");
  Status s = ReadPageInfo(conn, &out->more_reviews, &out->reviews_cursor);
  if (!s.ok()) return s;
  dom::array nodes;
  if (conn["nodes"].get_array().get(nodes)) return Bad("reviews nodes is not an array");
  for (dom::element n : nodes) {
    if (n.is_null()) continue;  // a review deleted meanwhile (its error is in `errors`)
    ReviewRecord r;
    s = ReadReview(n, out->number, &r);
    if (!s.ok()) return s;
    out->reviews.push_back(std::move(r));
  }
  return Status::Ok();
}

Status ReadRateLimit(dom::object data, PullReviewsPage* page) {
  dom::element rl;
  if (data["rateLimit"].get(rl) || rl.is_null()) return Status::Ok();
  dom::object obj;
  if (rl.get_object().get(obj)) return Bad("rateLimit is not an object");
  if (!OptInt(obj, "cost", &page->cost) || !OptInt(obj, "remaining", &page->remaining) ||
      !OptString(obj, "resetAt", &page->reset_at)) {
    return Bad("rateLimit fields");
  }
  return Status::Ok();
}

// The `data` object of an answer; Corruption when there is none.
Result<dom::object> Data(const std::string& body) {
  dom::element doc;
  if (auto err = internal::GraphqlParser().parse(body).get(doc)) {
    return Status::Corruption(
        fmt::format("GraphQL reviews answer is not JSON: {}", simdjson::error_message(err)));
  }
  dom::object data;
  if (doc["data"].get_object().get(data)) return Bad("no `data` object");
  return data;
}

// The pull requests of a `nodes` array; null ones (deleted meanwhile) are left out.
Status ReadPulls(dom::array nodes, PullReviewsPage* page) {
  for (dom::element n : nodes) {
    if (n.is_null()) continue;
    PullReviews p;
    if (Status s = ReadPull(n, &p); !s.ok()) return s;
    page->pulls.push_back(std::move(p));
  }
  return Status::Ok();
}

}  // namespace

std::string PullRequestReviewsQuery() {
  return fmt::format(
      "query PullRequestReviews($owner: String!, $name: String!, $first: Int!, $after: String) "
      "{{\n"
      "  repository(owner: $owner, name: $name) {{\n"
      "    pullRequests(first: $first, after: $after, "
      "orderBy: {{field: UPDATED_AT, direction: DESC}}) {{\n"
      "      pageInfo {{ hasNextPage endCursor }}\n"
      "      nodes {{\n      {}\n      }}\n"
      "    }}\n"
      "  }}\n{}}}\n",
      PullFields(), kRateLimit);
}

std::string PullRequestNodesReviewsQuery() {
  return fmt::format(
      "query PullRequestNodesReviews($ids: [ID!]!) {{\n"
      "  nodes(ids: $ids) {{\n"
      "    ... on PullRequest {{\n      {}\n    }}\n"
      "  }}\n{}}}\n",
      PullFields(), kRateLimit);
}

std::string MoreReviewsQuery() {
  return fmt::format(
      "query MoreReviews($id: ID!, $after: String) {{\n"
      "  node(id: $id) {{\n"
      "    ... on PullRequest {{\n"
      "      id\n      number\n      updatedAt\n"
      "      reviews(first: 100, after: $after) {{{}\n      }}\n"
      "    }}\n"
      "  }}\n{}}}\n",
      kReviewsConnection, kRateLimit);
}

std::vector<NamedQuery> AllGraphqlQueries() {
  return {{"PullRequestReviews", PullRequestReviewsQuery()},
          {"PullRequestNodesReviews", PullRequestNodesReviewsQuery()},
          {"MoreReviews", MoreReviewsQuery()}};
}

Result<PullReviewsPage> ParsePullRequestReviewsPage(const std::string& body) {
  Result<dom::object> data = Data(body);
  if (!data.ok()) return data.status();
  PullReviewsPage page;
  Status s = ReadRateLimit(*data, &page);
  if (!s.ok()) return s;
  dom::element repo;
  if ((*data)["repository"].get(repo) || repo.is_null()) {
    page.found = false;
    return page;
  }
  dom::object pulls;
  if (repo["pullRequests"].get_object().get(pulls)) return Bad("no pullRequests object");
  s = ReadPageInfo(pulls, &page.has_next, &page.end_cursor);
  if (!s.ok()) return s;
  dom::array nodes;
  if (pulls["nodes"].get_array().get(nodes)) return Bad("pullRequests nodes is not an array");
  s = ReadPulls(nodes, &page);
  if (!s.ok()) return s;
  return page;
}

Result<PullReviewsPage> ParseNodesReviewsPage(const std::string& body) {
  Result<dom::object> data = Data(body);
  if (!data.ok()) return data.status();
  PullReviewsPage page;
  Status s = ReadRateLimit(*data, &page);
  if (!s.ok()) return s;
  dom::array nodes;
  if ((*data)["nodes"].get_array().get(nodes)) return Bad("nodes is not an array");
  s = ReadPulls(nodes, &page);
  if (!s.ok()) return s;
  return page;
}

Result<PullReviewsPage> ParseMoreReviewsPage(const std::string& body) {
  Result<dom::object> data = Data(body);
  if (!data.ok()) return data.status();
  PullReviewsPage page;
  Status s = ReadRateLimit(*data, &page);
  if (!s.ok()) return s;
  dom::element node;
  if ((*data)["node"].get(node) || node.is_null()) {
    page.found = false;
    return page;
  }
  PullReviews p;
  s = ReadPull(node, &p);
  if (!s.ok()) return s;
  page.pulls.push_back(std::move(p));
  return page;
}

std::vector<ReviewRecord> ReviewsFetch::AllReviews() const {
  std::vector<ReviewRecord> out;
  for (const auto& p : pulls) out.insert(out.end(), p.reviews.begin(), p.reviews.end());
  return out;
}

namespace {

// One fetch in flight: the pages asked so far, the follow-ups for pull requests past 100
// reviews, and the result being built. Kept alive by the callbacks it hands the client.
class ReviewsFetcher : public std::enable_shared_from_this<ReviewsFetcher> {
 public:
  ReviewsFetcher(Client& client, ReviewsFetchCallback done)
      : client_(client), done_(std::move(done)) {}

  void StartRepository(std::string owner, std::string name, ReviewsFetchOptions options) {
    owner_ = std::move(owner);
    name_ = std::move(name);
    options_ = std::move(options);
    options_.pulls_per_query = std::clamp(options_.pulls_per_query, 1, 100);
    AskRepositoryPage("");
  }

  void StartNodes(std::vector<std::string> ids) {
    ids_ = std::move(ids);
    AskNextNodes();
  }

 private:
  using Parser = Result<PullReviewsPage> (*)(const std::string&);

  void AskRepositoryPage(const std::string& after) {
    std::string vars = fmt::format(R"({{"owner":{},"name":{},"first":{},"after":{}}})",
                                   JsonQuote(owner_), JsonQuote(name_), options_.pulls_per_query,
                                   after.empty() ? "null" : JsonQuote(after));
    Ask(PullRequestReviewsQuery(), vars, &ParsePullRequestReviewsPage, Step::kRepository);
  }

  void AskNextNodes() {
    if (next_id_ >= ids_.size()) {
      AskMoreReviews();
      return;
    }
    std::string list;
    std::size_t end = std::min(ids_.size(), next_id_ + 100);
    for (std::size_t i = next_id_; i < end; ++i) {
      if (!list.empty()) list += ",";
      list += JsonQuote(ids_[i]);
    }
    next_id_ = end;
    Ask(PullRequestNodesReviewsQuery(), "{\"ids\":[" + list + "]}", &ParseNodesReviewsPage,
        Step::kNodes);
  }

  // The pull requests still owed reviews past their first 100, one query each.
  void AskMoreReviews() {
    while (next_more_ < result_.pulls.size() && !result_.pulls[next_more_].more_reviews) {
      ++next_more_;
    }
    if (next_more_ >= result_.pulls.size()) {
      Finish();
      return;
    }
    const PullReviews& p = result_.pulls[next_more_];
    std::string vars =
        fmt::format(R"({{"id":{},"after":{}}})", JsonQuote(p.node_id), JsonQuote(p.reviews_cursor));
    Ask(MoreReviewsQuery(), vars, &ParseMoreReviewsPage, Step::kMore);
  }

  enum class Step { kRepository, kNodes, kMore };

  void Ask(const std::string& query, const std::string& vars, Parser parse, Step step) {
    auto self = shared_from_this();
    client_.Graphql(query, vars, [self, parse, step](Result<GraphqlResponse> r) {
      self->OnAnswer(std::move(r), parse, step);
    });
  }

  void OnAnswer(Result<GraphqlResponse> r, Parser parse, Step step) {
    if (!r.ok()) {
      Fail(r.status());
      return;
    }
    GraphqlResponse& g = *r;
    if (g.kind == GraphqlResponse::Kind::kUnavailable) {
      result_.outcome = ReviewsFetch::Outcome::kUnavailable;
      result_.status = Status::NotImplemented("no GraphQL at this server");
      Done();
      return;
    }
    ++result_.queries;
    result_.errors.insert(result_.errors.end(), g.errors.begin(), g.errors.end());
    if (g.kind == GraphqlResponse::Kind::kClientError) {
      Fail(Status::InvalidArgument(
          fmt::format("GraphQL query answered HTTP {}{}", g.status, FirstMessage(g.errors))));
      return;
    }
    result_.points += g.cost >= 0 ? g.cost : 1;
    if (g.kind == GraphqlResponse::Kind::kErrors) {
      if (step == Step::kRepository && RootNotFound(g.errors, "repository")) {
        result_.outcome = ReviewsFetch::Outcome::kGone;
        result_.status = Status::NotFound(fmt::format("repository {}/{} not found", owner_, name_));
        Done();
        return;
      }
      Fail(Status::InvalidArgument("GraphQL query rejected" + FirstMessage(g.errors)));
      return;
    }
    Result<PullReviewsPage> page = parse(g.body);
    if (!page.ok()) {
      Fail(page.status());
      return;
    }
    if (!page->found) {
      if (step == Step::kRepository) {
        result_.outcome = ReviewsFetch::Outcome::kGone;
        result_.status = Status::NotFound(fmt::format("repository {}/{} not found", owner_, name_));
        Done();
        return;
      }
      // A pull request gone between its first page of reviews and the next: drop it.
      if (step == Step::kMore) {
        result_.pulls.erase(result_.pulls.begin() + static_cast<std::ptrdiff_t>(next_more_));
        AskMoreReviews();
        return;
      }
    }
    if (!g.errors.empty()) partial_ = true;
    switch (step) {
      case Step::kRepository: {
        bool older_seen = false;
        for (auto& p : page->pulls) {
          if (!options_.updated_since.empty() && p.updated_at < options_.updated_since) {
            older_seen = true;  // ISO 8601 in one zone: text order is time order
            continue;
          }
          Keep(std::move(p));
        }
        if (page->has_next && !older_seen) {
          AskRepositoryPage(page->end_cursor);
        } else {
          AskMoreReviews();
        }
        return;
      }
      case Step::kNodes:
        for (auto& p : page->pulls) Keep(std::move(p));
        AskNextNodes();
        return;
      case Step::kMore: {
        PullReviews& into = result_.pulls[next_more_];
        if (page->pulls.empty() || !page->pulls[0].reviews_known) {
          // The next reviews did not come: this pull request's reviews stay unknown.
          Unresolved(into.number);
          into.more_reviews = false;
          AskMoreReviews();
          return;
        }
        PullReviews& more = page->pulls[0];
        into.reviews.insert(into.reviews.end(), more.reviews.begin(), more.reviews.end());
        into.more_reviews = more.more_reviews;
        into.reviews_cursor = more.reviews_cursor;
        into.total_reviews = more.total_reviews;
        AskMoreReviews();
        return;
      }
    }
  }

  // Newest-updated first is stable enough: a pull request updated during the walk moves to
  // the front, so later pages shift by one and repeat an item (kept once, the newer read);
  // none is skipped that was not updated after the walk began (the next walk's
  // updated_since covers those).
  void Keep(PullReviews p) {
    auto same = std::find_if(result_.pulls.begin(), result_.pulls.end(),
                             [&](const PullReviews& q) { return q.number == p.number; });
    if (same != result_.pulls.end()) {
      // Only before the follow-ups start (they index result_.pulls).
      *same = std::move(p);
      if (same->reviews_known) {
        std::erase(result_.unresolved, same->number);
      } else {
        Unresolved(same->number);
      }
      return;
    }
    if (!p.reviews_known) Unresolved(p.number);
    result_.pulls.push_back(std::move(p));
  }

  void Unresolved(std::int64_t number) {
    partial_ = true;
    if (std::find(result_.unresolved.begin(), result_.unresolved.end(), number) ==
        result_.unresolved.end()) {
      result_.unresolved.push_back(number);
    }
  }

  static bool RootNotFound(const std::vector<GraphqlError>& errors, const std::string& root) {
    for (const auto& e : errors) {
      if (e.type == "NOT_FOUND" && (e.path == root || e.path.empty())) return true;
    }
    return false;
  }

  static std::string FirstMessage(const std::vector<GraphqlError>& errors) {
    if (errors.empty()) return "";
    const auto& e = errors.front();
    return fmt::format(": {}{}{}", e.type.empty() ? e.code : e.type,
                       e.type.empty() && e.code.empty() ? "" : " ", e.message);
  }

  void Fail(Status s) {
    result_.outcome = ReviewsFetch::Outcome::kFailed;
    result_.status = std::move(s);
    Done();
  }

  void Finish() {
    if (partial_) result_.outcome = ReviewsFetch::Outcome::kPartial;
    Done();
  }

  void Done() {
    ReviewsFetchCallback done = std::move(done_);
    done(std::move(result_));
  }

  Client& client_;
  ReviewsFetchCallback done_;
  std::string owner_, name_;
  ReviewsFetchOptions options_;
  std::vector<std::string> ids_;
  std::size_t next_id_ = 0;
  std::size_t next_more_ = 0;
  bool partial_ = false;
  ReviewsFetch result_;
};

}  // namespace

void FetchRepositoryReviews(Client& client, const std::string& owner, const std::string& name,
                            ReviewsFetchOptions options, ReviewsFetchCallback done) {
  auto f = std::make_shared<ReviewsFetcher>(client, std::move(done));
  f->StartRepository(owner, name, std::move(options));
}

void FetchPullRequestReviews(Client& client, std::vector<std::string> node_ids,
                             ReviewsFetchCallback done) {
  auto f = std::make_shared<ReviewsFetcher>(client, std::move(done));
  f->StartNodes(std::move(node_ids));
}

}  // namespace ghharvest::github
