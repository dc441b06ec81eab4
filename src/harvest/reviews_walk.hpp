// The reviews of some pull requests of one repository, over REST: `pulls/N/reviews` for each,
// following rel="next". A part of its own behind a small interface ("reviews of these pull
// requests of this repository"), so another fetcher (GraphQL, up to 100 pull requests per
// query) can take its place without the cycle changing. The cycle lends it its request
// skeleton and its store through WalkHooks; it owns no I/O or SQL of its own.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ghharvest/github/client.hpp"
#include "ghharvest/model/records.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::harvest {

struct ReviewsOfPulls {
  std::int64_t repo_id = 0;
  std::string full_name;  // the name to ask by
  std::string scope;      // for sync_errors and stats
  std::vector<std::int64_t> numbers;
  // How many pull requests the list named, `numbers` and those that cannot have reviews: a
  // read of the repository's pull requests in updated order (GraphQL) walks all of them.
  std::size_t listed = 0;
};

// What a walk borrows from its cycle.
struct WalkHooks {
  using OnOk = std::function<void(github::ApiResponse&)>;
  using OnFail = std::function<void()>;
  // One GET through the cycle's skeleton (stats, errors recorded, cancellation): `on_ok` gets
  // every response the client delivered, `on_fail` runs when it gave up or the cycle stopped.
  std::function<void(const std::string& endpoint, const std::string& scope, const std::string& url,
                     OnOk on_ok, OnFail on_fail)>
      fetch;
  // A failure worth a sync_errors row.
  std::function<void(const std::string& scope, const std::string& url, const std::string& msg)>
      record_error;
  // A whole body that does not parse as its records (recorded, validators forgotten).
  std::function<void(const github::ApiResponse& r, const std::string& endpoint,
                     const std::string& scope, const std::string& url, const Status& why)>
      bad_body;
  // Stores one page of one pull request's reviews in one transaction; false when the cycle
  // stopped (the database failed).
  std::function<bool(std::int64_t number, const std::vector<model::ReviewRecord>& reviews)> store;
};

// Fetches and stores the reviews of every pull request in `what`, concurrently, then calls
// `done(all_ok)` exactly once: all_ok is false when any pull request's reviews could not be
// read (a 4xx other than 404/410, a body of the wrong shape, a request given up). A pull
// request that answers 404/410 (gone in between) is not a failure. No numbers: done at once.
void FetchReviewsOfPulls(const ReviewsOfPulls& what, WalkHooks hooks,
                         std::function<void(bool all_ok)> done);

}  // namespace ghharvest::harvest
