// The GraphQL reviews read (reviews_graphql.hpp) and its REST fallback for what it did not
// answer.
#include "harvest/reviews_graphql.hpp"

#include <algorithm>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace ghharvest::harvest {
namespace {

using Outcome = github::ReviewsFetch::Outcome;

// Where sync_errors rows of a GraphQL read point (a POST has no page URL of its own).
constexpr const char* kGraphqlUrl = "graphql";

std::string FirstError(const std::vector<github::GraphqlError>& errors) {
  if (errors.empty()) return "";
  const auto& e = errors.front();
  return fmt::format("; first: {} {} at {}", e.type.empty() ? e.code : e.type, e.message,
                     e.path.empty() ? std::string("-") : e.path);
}

}  // namespace

void FetchReviewsOfPullsGraphql(const ReviewsOfPulls& what, const std::string& updated_since,
                                GraphqlReviewsHooks hooks, std::function<void(bool all_ok)> done) {
  if (what.numbers.empty()) {
    if (done) done(true);
    return;
  }
  const auto slash = what.full_name.find('/');
  if (slash == std::string::npos) {
    // Not a name GraphQL can ask by; REST asks by the same string and says what it is.
    FetchReviewsOfPulls(what, std::move(hooks.rest), std::move(done));
    return;
  }
  github::ReviewsFetchOptions options;
  options.updated_since = updated_since;
  // As many pull requests per query as changed, and one more (at most GitHub's 100): the
  // fetch stops at the first pull request older than `updated_since`, so with one more that
  // one is on the first page, and a repository where a few changed costs one query, not two.
  // A query costs at least a point whatever its size; a smaller one carries fewer nodes.
  options.pulls_per_query = static_cast<int>(
      std::clamp<std::size_t>(std::max(what.listed, what.numbers.size()) + 1, 1, 100));
  auto shared = std::make_shared<GraphqlReviewsHooks>(std::move(hooks));
  auto fetch = shared->fetch_repository;
  fetch(what.full_name.substr(0, slash), what.full_name.substr(slash + 1), options,
        [what, shared, done = std::move(done)](github::ReviewsFetch f) mutable {
          if (shared->account) shared->account(f);
          switch (f.outcome) {
            case Outcome::kUnavailable:
              return FetchReviewsOfPulls(what, shared->rest, std::move(done));
            case Outcome::kGone:
              shared->gone(what.scope, f.status.ToString());
              return done(true);
            case Outcome::kFailed:
              // Nothing of a failed read is stored: the pulls watermark stays, and the next
              // cycle asks for the same pull requests again.
              if (f.status.code() != Status::Code::kCancelled) {
                shared->rest.record_error(what.scope, kGraphqlUrl,
                                          "GraphQL reviews: " + f.status.ToString());
              }
              return done(false);
            case Outcome::kComplete:
            case Outcome::kPartial:
              break;
          }
          const std::set<std::int64_t> unresolved(f.unresolved.begin(), f.unresolved.end());
          std::set<std::int64_t> stored;
          for (const auto& p : f.pulls) {
            if (!p.reviews_known || p.more_reviews || unresolved.count(p.number)) continue;
            // A failed store stopped the cycle: the walk ends with it.
            if (!shared->rest.store(p.number, p.reviews)) return;
            stored.insert(p.number);
          }
          // Whatever the pulls list named and GraphQL did not bring whole goes to REST: an
          // unresolved pull request, or one a partial answer left out altogether.
          ReviewsOfPulls rest = what;
          rest.numbers.clear();
          for (auto n : what.numbers) {
            if (!stored.count(n)) rest.numbers.push_back(n);
          }
          if (!f.errors.empty()) {
            shared->rest.record_error(
                what.scope, kGraphqlUrl,
                fmt::format("GraphQL reviews: {} partial errors, {} pull requests read by REST{}",
                            f.errors.size(), rest.numbers.size(), FirstError(f.errors)));
          }
          FetchReviewsOfPulls(rest, shared->rest, std::move(done));
        });
}

}  // namespace ghharvest::harvest
