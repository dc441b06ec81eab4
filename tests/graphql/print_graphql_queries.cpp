// Prints every GraphQL query the product can send, one JSON line {"name","query"} each, from
// the product's own code (github::AllGraphqlQueries), for validate.js to check against
// GitHub's schema.
#include <cstdio>

#include "ghharvest/github/graphql.hpp"
#include "ghharvest/github/graphql_reviews.hpp"

int main() {
  for (const auto& q : ghharvest::github::AllGraphqlQueries()) {
    std::printf("{\"name\":%s,\"query\":%s}\n", ghharvest::github::JsonQuote(q.name).c_str(),
                ghharvest::github::JsonQuote(q.text).c_str());
  }
  return 0;
}
