// Prints every field fakehub's GraphQL endpoint answers ("Type.field arg..." lines), for
// validate.js --fake to hold the fake to GitHub's published schema: the fake may know less
// than GitHub, never something GitHub does not have.
#include <cstdio>

#include "world/graphql_handler.hpp"

int main() {
  std::fputs(ghharvest::testing::GraphqlEndpoint::SchemaLines().c_str(), stdout);
  return 0;
}
