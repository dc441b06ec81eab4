// URL origins through libcurl's URL API (http/url.hpp): the tricky spellings an attacker or a
// misconfigured proxy could put in a link, and what curl will actually connect to.
#include "http/url.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>

using ghharvest::http::OriginOf;

TEST_CASE("the origin of a URL is scheme://host:port as curl reads it") {
  struct Case {
    const char* url;
    std::optional<std::string> origin;
  };
  const Case cases[] = {
      {"https://api.github.com", "https://api.github.com:443"},
      {"https://api.github.com/repos/o/r?per_page=100#x", "https://api.github.com:443"},
      // The default port is the same origin, spelled or not; another port is another.
      {"https://api.github.com:443/x", "https://api.github.com:443"},
      {"https://api.github.com:0443/x", "https://api.github.com:443"},
      {"https://api.github.com:/x", "https://api.github.com:443"},
      {"https://api.github.com:8443/x", "https://api.github.com:8443"},
      {"https://api.github.com:65536/x", std::nullopt},
      // Scheme and host compare without case.
      {"HTTPS://API.GitHub.COM/x", "https://api.github.com:443"},
      // http is another origin, with its own default port.
      {"http://api.github.com/x", "http://api.github.com:80"},
      // A trailing dot is kept: another name for TLS and the Host header.
      {"https://api.github.com./x", "https://api.github.com.:443"},
      // Userinfo is no part of the origin, and never hides the host.
      {"https://api.github.com@evil.example/", "https://evil.example:443"},
      {"https://api.github.com:443@evil.example/x", "https://evil.example:443"},
      {"https://user:secret@api.github.com/x", "https://api.github.com:443"},
      {"https://api.github.com\\@evil.example/", "https://evil.example:443"},
      // What follows the host does not move it.
      {"https://evil.example#@api.github.com/", "https://evil.example:443"},
      {"https://api.github.com?@evil.example/", "https://api.github.com:443"},
      {"https://api.github.com/@evil.example/", "https://api.github.com:443"},
      // Percent-encoded hosts are decoded, as curl will when connecting.
      {"https://api%2Egithub.com/x", "https://api.github.com:443"},
      // IP literals in curl's normal form.
      {"http://[::1]:8080/x", "http://[::1]:8080"},
      {"http://[0:0:0:0:0:0:0:1]:8080/x", "http://[::1]:8080"},
      {"http://[::FFFF:127.0.0.1]/", "http://[::ffff:127.0.0.1]:80"},
      {"http://[fe80::1%25eth0]:81/", "http://[fe80::1%eth0]:81"},
      {"http://127.0.0.1:5000/x", "http://127.0.0.1:5000"},
      {"https://2130706433/", "https://127.0.0.1:443"},
      // One or three slashes are still read as the host curl would connect to.
      {"https:/api.github.com/x", "https://api.github.com:443"},
      // Not absolute http(s) URLs.
      {"/repos/o/r", std::nullopt},
      {"//evil.example/x", std::nullopt},
      {"repos/o/r", std::nullopt},
      {"", std::nullopt},
      {" https://api.github.com/", std::nullopt},
      {"ftp://api.github.com/", std::nullopt},
      {"file:///etc/passwd", std::nullopt},
      {"javascript:alert(1)", std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.url);
    CHECK(OriginOf(c.url) == c.origin);
  }
}
