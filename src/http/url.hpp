// URL origins read with libcurl's URL API: the parser of the library that sends the request,
// so the host compared is the host connected to (https://api.github.com@evil.example/ is
// evil.example; https:/api.github.com/x, with one slash, is api.github.com).
#pragma once

#include <optional>
#include <string>

namespace ghharvest::http {

// The origin of an absolute http or https URL, "scheme://host:port": scheme and host
// lower-cased, the port always given (":443" and ":80" made explicit), IP literals in curl's
// normal form ("[::1]" for "[0:0:0:0:0:0:0:1]", "127.0.0.1" for "2130706433"), an IPv6 zone
// kept ("[fe80::1%eth0]"). Userinfo, path, query and fragment are not part of it. A trailing
// dot is: "api.github.com." is another origin, as TLS and HTTP's Host header see it.
// nullopt for anything else: text curl does not read as a URL, another scheme, no host.
std::optional<std::string> OriginOf(const std::string& url);

}  // namespace ghharvest::http
