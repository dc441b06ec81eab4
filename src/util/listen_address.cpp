#include "ghharvest/util/listen_address.hpp"

#include <charconv>

#include <fmt/format.h>

namespace ghharvest {

Result<ListenAddress> ParseListen(const std::string& listen) {
  std::string host;
  std::string port;
  if (!listen.empty() && listen.front() == '[') {
    auto close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return Status::InvalidArgument(
          fmt::format("\"{}\" is not [address]:port (IPv6 in brackets)", listen));
    }
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos || listen.find(':') != colon) {
      return Status::InvalidArgument(fmt::format(
          "\"{}\" is not host:port (like \"127.0.0.1:9464\"; IPv6 as \"[::1]:9464\")", listen));
    }
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  if (host.empty()) {
    return Status::InvalidArgument(fmt::format(
        "\"{}\" has no host (\"0.0.0.0:9464\" for every interface, if that is meant)", listen));
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return Status::InvalidArgument(
        fmt::format("\"{}\": the port must be a number from 0 to 65535", listen));
  }
  return ListenAddress{host, static_cast<std::uint16_t>(value)};
}

}  // namespace ghharvest
