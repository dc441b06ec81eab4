#include "ghharvest/app/app.hpp"
#include "ghharvest/config/config.hpp"

namespace ghharvest::app {

github::ClientOptions ClientOptionsFromConfig(const config::GithubConfig& github,
                                              std::string token) {
  github::ClientOptions o;
  o.api_url = github.api_url;
  o.token = std::move(token);
  o.accept = github.accept;
  o.auth_scheme = github.auth_scheme;
  if (!github.user_agent.empty()) o.user_agent = github.user_agent;
  o.concurrency = github.concurrency;
  o.reserve = github.reserve;
  o.graphql = github.graphql;
  o.graphql_reserve = github.graphql_reserve;
  o.connect_timeout = github.connect_timeout;
  o.stall_timeout = github.request_timeout;
  o.max_retries = github.max_retries;
  o.max_body_bytes = static_cast<std::size_t>(github.max_body_bytes);
  return o;
}

}  // namespace ghharvest::app
