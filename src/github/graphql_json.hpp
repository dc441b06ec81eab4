// Private to src/github: the simdjson DOM pieces the GraphQL readers share (the envelope in
// graphql.cpp, the reviews page in graphql_reviews.cpp).
#pragma once

#include <simdjson.h>

#include <vector>

#include "ghharvest/github/graphql.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::github::internal {

// One DOM parser per thread, reused: its buffers grow to the largest answer seen.
simdjson::dom::parser& GraphqlParser();

// Appends the items of an `errors` array; Corruption when it is not an array of objects.
Status ReadErrors(simdjson::dom::element errors, std::vector<GraphqlError>* out);

}  // namespace ghharvest::github::internal
