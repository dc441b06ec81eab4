// Canned GitHub-shaped responses for scripted tests: JSON bodies with the rate-limit headers
// GitHub sends on every response, and the failure answers the client must survive.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fake_server.hpp"

namespace ghharvest::testing {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// What the x-ratelimit-* headers say. `reset_epoch` is UTC epoch seconds, as GitHub sends it.
struct RateLimit {
  std::int64_t limit = 5000;
  std::int64_t remaining = 4999;
  std::int64_t reset_epoch = 0;  // 0: an hour from now (wall clock)
  std::string resource = "core";
};

// x-ratelimit-limit/remaining/used/reset/resource for `rl` (used = limit - remaining).
HeaderList RateLimitHeaders(const RateLimit& rl = {});

// A JSON response with Content-Type application/json, the rate-limit headers and `extra`.
HttpResponse JsonResponse(int status, std::string body, HeaderList extra = {},
                          const RateLimit& rl = {});

// 200 with an ETag; a client sending that ETag in If-None-Match should get NotModified.
HttpResponse JsonWithEtag(std::string body, const std::string& etag, const RateLimit& rl = {});
HttpResponse NotModified(const std::string& etag, const RateLimit& rl = {});

// A page of a list with a `link` header. `next`/`last` are full URLs ("" = absent).
HttpResponse JsonPage(std::string body, const std::string& next, const std::string& last = "",
                      const RateLimit& rl = {});
// The RFC 8288 link header value GitHub sends: <url>; rel="next", <url>; rel="last"
std::string LinkHeader(const std::string& next, const std::string& last = "");

// {"message": ..., "documentation_url": ...}
std::string ErrorBody(const std::string& message);

// 403 with x-ratelimit-remaining 0 and the primary limit message; reset at `reset_epoch`.
HttpResponse PrimaryLimitExhausted(std::int64_t reset_epoch, const std::string& resource = "core",
                                   int status = 403);
// 403 (or 429) mentioning the secondary rate limit, with retry-after in seconds (negative:
// no retry-after header, so the client must fall back to its own backoff).
HttpResponse SecondaryLimit(int retry_after_seconds, int status = 403);

HttpResponse ServerError(int status = 500);                      // 500/502/503 with a JSON message
HttpResponse Unauthorized();                                     // 401 Bad credentials
HttpResponse NotFound();                                         // 404
HttpResponse Gone();                                             // 410
HttpResponse Redirect(int status, const std::string& location);  // 301/302/307

// Fault variants of a response (copies `r` and sets the fault).
HttpResponse Slow(HttpResponse r, std::chrono::milliseconds delay);
HttpResponse ClosedMidBody(HttpResponse r);
HttpResponse Truncated(HttpResponse r, std::size_t keep_bytes);
HttpResponse ConnectionReset();
// Sent gzip-encoded to clients that accept it; CorruptGzip also breaks the trailer's CRC-32.
HttpResponse Gzipped(HttpResponse r);
HttpResponse CorruptGzip(HttpResponse r);
// 200 whose body is not JSON at all, with a JSON content type.
HttpResponse MalformedJson(const RateLimit& rl = {});

// Seconds since the epoch now, for reset times relative to the present.
std::int64_t EpochNow();

}  // namespace ghharvest::testing
