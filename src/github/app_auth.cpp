#include "ghharvest/github/app_auth.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <simdjson.h>

#include <memory>

#include <fmt/format.h>

#include "ghharvest/util/clock.hpp"

namespace ghharvest::github {

std::string Base64Url(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8) |
                   static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < in.size()) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size())
      n |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    if (i + 1 < in.size()) out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

Result<std::string> MakeAppJwt(std::int64_t app_id, const std::string& pem, std::int64_t now_s) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (!bio) return Status::IOError("GitHub App key: out of memory");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key || EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) {
    return Status::InvalidArgument(
        "GitHub App key: not an RSA private key in PEM (download it again from the app's "
        "settings)");
  }
  const std::string header = Base64Url(R"({"alg":"RS256","typ":"JWT"})");
  const std::string payload = Base64Url(
      fmt::format(R"({{"iat":{},"exp":{},"iss":"{}"}})", now_s - 60, now_s + 9 * 60, app_id));
  const std::string input = header + "." + payload;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    return Status::InvalidArgument("GitHub App key: cannot sign with it");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return Status::InvalidArgument("GitHub App key: cannot sign with it");
  }
  sig.resize(len);
  return input + "." + Base64Url(sig);
}

std::string InstallationTokenUrl(std::string_view api_url, std::int64_t installation_id) {
  while (!api_url.empty() && api_url.back() == '/') api_url.remove_suffix(1);
  return fmt::format("{}/app/installations/{}/access_tokens", api_url, installation_id);
}

Result<InstallationToken> ParseInstallationToken(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return Status::Corruption("installation token answer: not a JSON object");
  }
  std::string_view token, expires;
  if (doc["token"].get_string().get(token) != simdjson::SUCCESS || token.empty()) {
    return Status::Corruption("installation token answer: no token");
  }
  if (doc["expires_at"].get_string().get(expires) != simdjson::SUCCESS) {
    return Status::Corruption("installation token answer: no expires_at");
  }
  Clock::TimePoint at;
  if (!ParseIso8601(std::string(expires), &at)) {
    return Status::Corruption("installation token answer: expires_at is not an ISO 8601 time");
  }
  InstallationToken t;
  t.token = std::string(token);
  t.expires_at = std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
  return t;
}

}  // namespace ghharvest::github
