// GitHub's GraphQL API as the client sees it: one POST of {"query","variables"} to the GraphQL
// endpoint, answered (when it is answered at all) by a JSON envelope of `data` and `errors`.
// Client::Graphql (client.hpp) sends it with the REST path's retries and governor; this header
// holds the answer's types and the pure helpers (endpoint URL, envelope reader, JSON string
// quoting) that the client, the fetchers and the tests share.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ghharvest/github/client.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::github {

struct GraphqlError {
  // GitHub's `type` ("NOT_FOUND", "RATE_LIMITED", "FORBIDDEN", "MAX_NODE_LIMIT_EXCEEDED",
  // ...); empty for an error without one (a query the schema rejects: `extensions.code`
  // then says why, e.g. "undefinedField").
  std::string type;
  std::string code;  // extensions.code, when given
  std::string message;
  std::string path;  // the `path` joined with '.', e.g. "nodes.3" ("" when absent)
};

struct GraphqlResponse {
  enum class Kind {
    kData,         // 200 with `data` (not null): maybe partial, `errors` beside it
    kErrors,       // 200 without `data` (or data null): only errors (a rejected query, ...)
    kUnavailable,  // no GraphQL here: 404 on the endpoint, or [github] graphql = false
    kClientError,  // another 4xx (400, 422, a 3xx redirect): `status` says which
  };
  Kind kind = Kind::kData;
  int status = 0;
  // The whole envelope (kData, kErrors), capacity() >= size() + 64 for simdjson.
  std::string body;
  std::vector<GraphqlError> errors;
  // data.rateLimit.cost when the query asked for it; else -1.
  std::int64_t cost = -1;
  RateLimit rate;
};

using GraphqlCallback = std::function<void(Result<GraphqlResponse>)>;

// The endpoint for a REST api_url: "https://api.github.com" -> ".../graphql"; GitHub
// Enterprise's "https://HOST/api/v3" -> "https://HOST/api/graphql". Trailing '/' ignored.
std::string GraphqlUrl(std::string_view api_url);

// `s` as a JSON string literal (quotes included), for query texts and variables.
std::string JsonQuote(std::string_view s);

// The envelope of a GraphQL answer: whether `data` is there (and not null), the errors, the
// cost. Status::Corruption for a body that is not a JSON object or whose `errors` is not
// an array of objects.
struct GraphqlEnvelope {
  bool has_data = false;
  std::vector<GraphqlError> errors;
  std::int64_t cost = -1;
  bool rate_limited() const;  // an error of type RATE_LIMITED
};
Result<GraphqlEnvelope> ParseGraphqlEnvelope(const std::string& body);

}  // namespace ghharvest::github
