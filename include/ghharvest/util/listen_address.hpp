// "host:port" as `[metrics] listen` takes it: the rule in one place, for the config's
// file:line check and the metrics server that binds it.
#pragma once

#include <cstdint>
#include <string>

#include "ghharvest/util/status.hpp"

namespace ghharvest {

// "host:port", with "[v6]:port" for IPv6; port 0 asks the system for a free one.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};
// kInvalidArgument naming what is wrong.
Result<ListenAddress> ParseListen(const std::string& listen);

}  // namespace ghharvest
