// The reviews of some pull requests of one repository, over GraphQL where the server has it:
// one query reads up to 100 pull requests with their reviews, where REST asks once per pull
// request (reviews_walk.hpp). The same interface as the REST walk ("reviews of these pull
// requests of this repository"), and the same store hook, so the store cannot tell the
// sources apart. The REST walk stays the fallback for what GraphQL did not answer:
//   kUnavailable (404 on /graphql, or github.graphql = false)  -> REST for every pull request;
//   kComplete / kPartial -> what came back whole is stored; every pull request of `numbers`
//                           that did not (unresolved, or not in the answer) goes to REST;
//   kGone     -> the repository is treated as gone (hooks.gone), nothing stored;
//   kFailed   -> recorded (sync_errors), nothing stored, done(false): retried next cycle.
// With no pull request to read it sends nothing: GitHub charges every query at least a point,
// and an unchanged repository must cost none.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "ghharvest/github/graphql_reviews.hpp"
#include "harvest/reviews_walk.hpp"

namespace ghharvest::harvest {

struct GraphqlReviewsHooks {
  // The REST walk's hooks: its store is the one GraphQL's records go through too.
  WalkHooks rest;
  // Runs github::FetchRepositoryReviews within the cycle (its pending work, cancellation).
  std::function<void(const std::string& owner, const std::string& name,
                     github::ReviewsFetchOptions options, github::ReviewsFetchCallback done)>
      fetch_repository;
  // The fetch's cost and outcome, for the cycle's stats (called once per fetch).
  std::function<void(const github::ReviewsFetch& fetch)> account;
  // GraphQL said the repository is not there: handle it as a repository that answered 404.
  std::function<void(const std::string& scope, const std::string& why)> gone;
};

// Reads and stores the reviews of every pull request in `what` (the pull requests the pulls
// list says changed since `updated_since`, "" for all), then calls `done(all_ok)` once, as
// FetchReviewsOfPulls does. `updated_since` bounds the query (newest-updated first, stopping
// there): a new review bumps its pull request's updatedAt, so every pull request in `what` is
// at or after it.
void FetchReviewsOfPullsGraphql(const ReviewsOfPulls& what, const std::string& updated_since,
                                GraphqlReviewsHooks hooks, std::function<void(bool all_ok)> done);

}  // namespace ghharvest::harvest
