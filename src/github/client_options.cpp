#include "ghharvest/config/config.hpp"
#include "ghharvest/github/client.hpp"

namespace ghharvest::github {

ClientOptions ClientOptionsFromConfig(const config::GithubConfig& github, std::string token) {
  ClientOptions o;
  o.api_url = github.api_url;
  o.token = std::move(token);
  o.accept = github.accept;
  o.auth_scheme = github.auth_scheme;
  if (!github.user_agent.empty()) o.user_agent = github.user_agent;
  o.concurrency = github.concurrency;
  o.reserve = github.reserve;
  o.connect_timeout = github.connect_timeout;
  o.stall_timeout = github.request_timeout;
  o.max_retries = github.max_retries;
  o.max_body_bytes = static_cast<std::size_t>(github.max_body_bytes);
  return o;
}

}  // namespace ghharvest::github
