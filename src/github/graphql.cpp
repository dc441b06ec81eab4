#include "ghharvest/github/graphql.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include "ghharvest/util/json.hpp"
#include "github/graphql_json.hpp"

namespace ghharvest::github {

std::string GraphqlUrl(std::string_view api_url) {
  while (!api_url.empty() && api_url.back() == '/') api_url.remove_suffix(1);
  constexpr std::string_view kEnterpriseRest = "/api/v3";
  if (api_url.size() >= kEnterpriseRest.size() &&
      api_url.substr(api_url.size() - kEnterpriseRest.size()) == kEnterpriseRest) {
    api_url.remove_suffix(kEnterpriseRest.size());
    return std::string(api_url) + "/api/graphql";
  }
  return std::string(api_url) + "/graphql";
}

std::string JsonQuote(std::string_view s) { return ghharvest::JsonQuote(s); }

bool GraphqlEnvelope::rate_limited() const {
  for (const auto& e : errors) {
    if (e.type == "RATE_LIMITED") return true;
  }
  return false;
}

namespace internal {

simdjson::dom::parser& GraphqlParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

Status ReadErrors(simdjson::dom::element errors, std::vector<GraphqlError>* out) {
  simdjson::dom::array list;
  if (errors.get_array().get(list)) {
    return Status::Corruption("GraphQL answer: `errors` is not an array");
  }
  for (simdjson::dom::element item : list) {
    simdjson::dom::object obj;
    if (item.get_object().get(obj)) {
      return Status::Corruption("GraphQL answer: an item of `errors` is not an object");
    }
    GraphqlError e;
    std::string_view text;
    if (!obj["type"].get_string().get(text)) e.type = text;
    if (!obj["message"].get_string().get(text)) e.message = text;
    simdjson::dom::object ext;
    if (!obj["extensions"].get_object().get(ext) && !ext["code"].get_string().get(text)) {
      e.code = text;
    }
    simdjson::dom::array path;
    if (!obj["path"].get_array().get(path)) {
      for (simdjson::dom::element p : path) {
        if (!e.path.empty()) e.path.push_back('.');
        std::int64_t index = 0;
        if (!p.get_string().get(text)) {
          e.path += text;
        } else if (!p.get_int64().get(index)) {
          e.path += std::to_string(index);
        }
      }
    }
    out->push_back(std::move(e));
  }
  return Status::Ok();
}

}  // namespace internal

Result<GraphqlEnvelope> ParseGraphqlEnvelope(const std::string& body) {
  simdjson::dom::element doc;
  if (auto err = internal::GraphqlParser().parse(body).get(doc)) {
    return Status::Corruption(
        fmt::format("GraphQL answer is not JSON: {}", simdjson::error_message(err)));
  }
  simdjson::dom::object root;
  if (doc.get_object().get(root)) return Status::Corruption("GraphQL answer is not an object");
  GraphqlEnvelope env;
  simdjson::dom::element data;
  if (!root["data"].get(data) && !data.is_null()) {
    if (!data.is_object()) return Status::Corruption("GraphQL answer: `data` is not an object");
    env.has_data = true;
    simdjson::dom::object rate;
    std::int64_t cost = 0;
    if (!data["rateLimit"].get_object().get(rate) && !rate["cost"].get_int64().get(cost)) {
      env.cost = cost;
    }
  }
  simdjson::dom::element errors;
  if (!root["errors"].get(errors) && !errors.is_null()) {
    Status s = internal::ReadErrors(errors, &env.errors);
    if (!s.ok()) return s;
  }
  if (!env.has_data && env.errors.empty()) {
    return Status::Corruption("GraphQL answer has neither `data` nor `errors`");
  }
  return env;
}

}  // namespace ghharvest::github
