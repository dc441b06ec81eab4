// Pull-request reviews over GraphQL: the reviews of up to 100 pull requests per query, where
// REST needs a `pulls/{n}/reviews` request per pull request. The records are the ones the REST
// reviews parser makes (ParseReviewList), field for field, so the store cannot tell the source
// apart:
//   id           <- fullDatabaseId (databaseId is 32-bit and deprecated; the REST `id`)
//   pull_number  <- the pull request's number
//   user         <- author: {databaseId, login, __typename}; null (a deleted account) ->
//                   nullopt. A Bot's GraphQL login lacks REST's "[bot]" suffix
//                   ("dependabot" vs "dependabot[bot]"): it is added back.
//   state        <- state (the same enum names)
//   html_url     <- url
//   submitted_at <- submittedAt ("" when null: PENDING)
// Every query text the product can send is listed by AllGraphqlQueries(), which the schema test
// (tests/graphql) validates against GitHub's published schema.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ghharvest/github/graphql.hpp"
#include "ghharvest/github/model_names.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::github {

class Client;

// Variables: owner, name (String!), first (Int!, 1-100), after (String, null at the start).
// Pull requests newest-updated first, each with its first 100 reviews and their pageInfo.
std::string PullRequestReviewsQuery();
// Variables: ids ([ID!]!, at most 100 pull-request node ids): the same per pull request, for
// just the pull requests that changed.
std::string PullRequestNodesReviewsQuery();
// Variables: id (ID!, a pull request's node id), after (String): its next 100 reviews.
std::string MoreReviewsQuery();

struct NamedQuery {
  std::string name;
  std::string text;
};
// Every GraphQL query text the product can build, by name.
std::vector<NamedQuery> AllGraphqlQueries();

// One pull request as a reviews query read it.
struct PullReviews {
  std::int64_t number = 0;
  std::string node_id;
  std::int64_t pull_id = 0;  // fullDatabaseId: the pulls list's `id`
  std::string updated_at;
  std::string merged_at;  // "": not merged (or not asked)
  std::int64_t total_reviews = 0;
  std::vector<ReviewRecord> reviews;
  // The reviews came back (false: `reviews` was null, e.g. beside an error for that path).
  bool reviews_known = true;
  bool more_reviews = false;  // reviews.pageInfo.hasNextPage
  std::string reviews_cursor;
};

struct PullReviewsPage {
  bool found = true;  // repository / node not null
  std::vector<PullReviews> pulls;
  bool has_next = false;  // pullRequests.pageInfo
  std::string end_cursor;
  // rateLimit{cost remaining resetAt}, when asked; -1 otherwise.
  std::int64_t cost = -1;
  std::int64_t remaining = -1;
  std::string reset_at;
};

// data.repository.pullRequests of PullRequestReviewsQuery.
Result<PullReviewsPage> ParsePullRequestReviewsPage(const std::string& body);
// data.nodes of PullRequestNodesReviewsQuery: null nodes (deleted meanwhile) are skipped.
Result<PullReviewsPage> ParseNodesReviewsPage(const std::string& body);
// data.node of MoreReviewsQuery: one pull request with the next reviews.
Result<PullReviewsPage> ParseMoreReviewsPage(const std::string& body);

struct ReviewsFetchOptions {
  int pulls_per_query = 100;  // held to GitHub's 1-100
  // Non-empty: stop paging once a pull request's updatedAt is older (ISO 8601, as GitHub
  // writes it): a review bumps its pull request's updatedAt, so older ones have no new review.
  std::string updated_since;
};

struct ReviewsFetch {
  enum class Outcome {
    kComplete,     // every pull request read has every review
    kPartial,      // data with errors: `unresolved` lists pull requests whose reviews are unknown
    kUnavailable,  // no GraphQL at this server (or disabled): take the REST plan
    kGone,         // the repository is not there (NOT_FOUND): deleted, private or renamed away
    kFailed,       // `status` says why (retries spent, a rejected query, a bad page)
  };
  Outcome outcome = Outcome::kComplete;
  Status status;
  std::vector<PullReviews> pulls;
  std::vector<std::int64_t> unresolved;  // pull request numbers (kPartial)
  std::vector<GraphqlError> errors;      // every error GitHub sent, recorded
  std::int64_t queries = 0;              // answered queries
  std::int64_t points = 0;               // their rateLimit.cost (1 each where not told)

  std::vector<ReviewRecord> AllReviews() const;
};

using ReviewsFetchCallback = std::function<void(ReviewsFetch)>;

// Every pull request of owner/name (newest-updated first, down to options.updated_since) with
// all of its reviews, following each one's reviews past 100. `done` runs once, on the
// client's thread; the client must outlive the fetch.
void FetchRepositoryReviews(Client& client, const std::string& owner, const std::string& name,
                            ReviewsFetchOptions options, ReviewsFetchCallback done);
// The same for the pull requests of these node ids (100 per query): one that is gone
// meanwhile is left out (its error recorded).
void FetchPullRequestReviews(Client& client, std::vector<std::string> node_ids,
                             ReviewsFetchCallback done);

}  // namespace ghharvest::github
