#include "http/url.hpp"

#include <curl/curl.h>

#include <cctype>
#include <memory>

namespace ghharvest::http {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CurlFree {
  void operator()(char* p) const { curl_free(p); }
};
using CurlString = std::unique_ptr<char, CurlFree>;

std::optional<std::string> Part(CURLU* u, CURLUPart part, unsigned int flags = 0) {
  char* out = nullptr;
  if (curl_url_get(u, part, &out, flags) != CURLUE_OK || !out) return std::nullopt;
  CurlString owned(out);
  return std::string(owned.get());
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::optional<std::string> OriginOf(const std::string& url) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u) return std::nullopt;
  // No flags: a scheme is required (no guessing from "www."), and only schemes this libcurl
  // speaks are read; http and https are then picked below.
  if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return std::nullopt;
  auto scheme = Part(u.get(), CURLUPART_SCHEME);
  if (!scheme) return std::nullopt;
  *scheme = Lower(*scheme);
  if (*scheme != "http" && *scheme != "https") return std::nullopt;
  auto host = Part(u.get(), CURLUPART_HOST);
  if (!host || host->empty()) return std::nullopt;
  auto port = Part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (!port) return std::nullopt;
  std::string origin = *scheme + "://" + Lower(*host);
  if (auto zone = Part(u.get(), CURLUPART_ZONEID)) {
    origin.insert(origin.size() - 1, "%" + *zone);  // inside the brackets, as written
  }
  return origin + ":" + *port;
}

}  // namespace ghharvest::http
