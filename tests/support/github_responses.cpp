#include "github_responses.hpp"

#include <chrono>

namespace ghharvest::testing {

std::int64_t EpochNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

HeaderList RateLimitHeaders(const RateLimit& rl) {
  const std::int64_t reset = rl.reset_epoch != 0 ? rl.reset_epoch : EpochNow() + 3600;
  return {{"x-ratelimit-limit", std::to_string(rl.limit)},
          {"x-ratelimit-remaining", std::to_string(rl.remaining)},
          {"x-ratelimit-used", std::to_string(rl.limit - rl.remaining)},
          {"x-ratelimit-reset", std::to_string(reset)},
          {"x-ratelimit-resource", rl.resource}};
}

HttpResponse JsonResponse(int status, std::string body, HeaderList extra, const RateLimit& rl) {
  HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  for (auto& h : RateLimitHeaders(rl)) r.headers.push_back(std::move(h));
  for (auto& h : extra) r.headers.push_back(std::move(h));
  r.body = std::move(body);
  return r;
}

HttpResponse JsonWithEtag(std::string body, const std::string& etag, const RateLimit& rl) {
  return JsonResponse(200, std::move(body), {{"ETag", etag}}, rl);
}

HttpResponse NotModified(const std::string& etag, const RateLimit& rl) {
  return JsonResponse(304, "", {{"ETag", etag}}, rl);
}

std::string LinkHeader(const std::string& next, const std::string& last) {
  std::string out;
  if (!next.empty()) out += "<" + next + ">; rel=\"next\"";
  if (!last.empty()) out += (out.empty() ? "" : ", ") + ("<" + last + ">; rel=\"last\"");
  return out;
}

HttpResponse JsonPage(std::string body, const std::string& next, const std::string& last,
                      const RateLimit& rl) {
  HeaderList extra;
  std::string link = LinkHeader(next, last);
  if (!link.empty()) extra.emplace_back("Link", link);
  return JsonResponse(200, std::move(body), std::move(extra), rl);
}

std::string ErrorBody(const std::string& message) {
  std::string escaped;
  for (char c : message) {
    if (c == '"' || c == '\\') escaped.push_back('\\');
    escaped.push_back(c);
  }
  return R"({"message":")" + escaped + R"(","documentation_url":"https://docs.github.com/rest"})";
}

HttpResponse PrimaryLimitExhausted(std::int64_t reset_epoch, const std::string& resource,
                                   int status) {
  RateLimit rl;
  rl.remaining = 0;
  rl.reset_epoch = reset_epoch;
  rl.resource = resource;
  return JsonResponse(status, ErrorBody("API rate limit exceeded for user ID 1."), {}, rl);
}

HttpResponse SecondaryLimit(int retry_after_seconds, int status) {
  HeaderList extra;
  if (retry_after_seconds >= 0)
    extra.emplace_back("retry-after", std::to_string(retry_after_seconds));
  return JsonResponse(status,
                      ErrorBody("You have exceeded a secondary rate limit. Please wait a few "
                                "minutes before you try again."),
                      std::move(extra));
}

HttpResponse ServerError(int status) {
  return JsonResponse(status, ErrorBody(status == 502 ? "Server Error" : "Internal Server Error"));
}

HttpResponse Unauthorized() { return JsonResponse(401, ErrorBody("Bad credentials")); }
HttpResponse NotFound() { return JsonResponse(404, ErrorBody("Not Found")); }
HttpResponse Gone() { return JsonResponse(410, ErrorBody("Repository access blocked")); }

HttpResponse Redirect(int status, const std::string& location) {
  return JsonResponse(status, ErrorBody("Moved Permanently"), {{"Location", location}});
}

HttpResponse Slow(HttpResponse r, std::chrono::milliseconds delay) {
  r.delay = delay;
  return r;
}

HttpResponse ClosedMidBody(HttpResponse r) {
  r.close_mid_body = true;
  return r;
}

HttpResponse Truncated(HttpResponse r, std::size_t keep_bytes) {
  r.truncate_at = keep_bytes;
  return r;
}

HttpResponse Gzipped(HttpResponse r) {
  r.gzip = true;
  return r;
}

HttpResponse CorruptGzip(HttpResponse r) {
  r.gzip = true;
  r.corrupt_gzip = true;
  return r;
}

HttpResponse ConnectionReset() {
  HttpResponse r;
  r.reset_connection = true;
  return r;
}

HttpResponse MalformedJson(const RateLimit& rl) {
  return JsonResponse(200, "<html><body>unicorn</body></html>", {}, rl);
}

}  // namespace ghharvest::testing
