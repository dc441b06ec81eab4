#include "world/github_app.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <simdjson.h>

#include <memory>

#include <fmt/format.h>

#include "ghharvest/util/clock.hpp"

namespace ghharvest::testing {
namespace {

std::string FromBase64Url(const std::string& in, bool* ok) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  *ok = true;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '-') {
      v = 62;
    } else if (c == '_') {
      v = 63;
    } else {
      *ok = false;
      return {};
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::string Bio(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

TestRsaKey MakeTestRsaKey(int bits) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(static_cast<unsigned>(bits)),
                                                          EVP_PKEY_free);
  TestRsaKey out;
  if (!key) return out;
  std::unique_ptr<BIO, decltype(&BIO_free)> priv(BIO_new(BIO_s_mem()), BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> pub(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_PUBKEY(pub.get(), key.get());
  out.private_pem = Bio(priv.get());
  out.public_pem = Bio(pub.get());
  return out;
}

bool VerifyRs256Jwt(const std::string& jwt, const std::string& public_pem,
                    std::string* payload_json) {
  const auto dot1 = jwt.find('.');
  const auto dot2 = dot1 == std::string::npos ? dot1 : jwt.find('.', dot1 + 1);
  if (dot2 == std::string::npos) return false;
  bool ok1, ok2, ok3;
  const std::string header = FromBase64Url(jwt.substr(0, dot1), &ok1);
  const std::string payload = FromBase64Url(jwt.substr(dot1 + 1, dot2 - dot1 - 1), &ok2);
  const std::string sig = FromBase64Url(jwt.substr(dot2 + 1), &ok3);
  if (!ok1 || !ok2 || !ok3 || header.find("\"RS256\"") == std::string::npos) return false;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  const std::string input = jwt.substr(0, dot2);
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1) {
    return false;
  }
  if (EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return false;
  }
  *payload_json = payload;
  return true;
}

std::pair<int, std::string> FakeApp::Exchange(std::int64_t installation_id,
                                              const std::string& authorization) {
  std::lock_guard lock(mu_);
  ++exchanges_;
  auto refuse = [&](int status, const std::string& why) {
    ++refused_;
    return std::make_pair(status, fmt::format(R"({{"message":"{}"}})", why));
  };
  if (authorization.rfind("Bearer ", 0) != 0)
    return refuse(401, "A JSON web token could not be decoded");
  std::string payload;
  if (!VerifyRs256Jwt(authorization.substr(7), options_.public_key_pem, &payload)) {
    return refuse(401, "A JSON web token could not be decoded");
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::int64_t iat = 0, exp = 0;
  std::string_view iss;
  if (parser.parse(payload).get(doc) != simdjson::SUCCESS ||
      doc["iat"].get_int64().get(iat) != simdjson::SUCCESS ||
      doc["exp"].get_int64().get(exp) != simdjson::SUCCESS ||
      doc["iss"].get_string().get(iss) != simdjson::SUCCESS) {
    return refuse(401, "A JSON web token could not be decoded");
  }
  const std::int64_t now = now_();
  if (iss != std::to_string(options_.app_id)) return refuse(401, "Integration not found");
  if (exp <= now)
    return refuse(401,
                  "'Expiration time' claim ('exp') must be a numeric value representing the future "
                  "time at which the assertion expires");
  if (exp - iat > 600 || iat > now + 60)
    return refuse(401,
                  "'Issued at' claim ('iat') must be an Integer representing the time that the "
                  "assertion was issued");
  if (installation_id != options_.installation_id) return refuse(404, "Not Found");
  const std::string token = fmt::format("ghs_fake{:08d}{:020d}", exchanges_, now);
  const std::int64_t expires = now + options_.token_lifetime.count();
  issued_[token] = expires;
  return {
      201,
      fmt::format(
          R"({{"token":"{}","expires_at":"{}","permissions":{{"contents":"read"}},"repository_selection":"all"}})",
          token, FormatIso8601(Clock::TimePoint(std::chrono::seconds(expires))))};
}

std::optional<std::string> FakeApp::Principal(const std::string& token, bool* expired) const {
  std::lock_guard lock(mu_);
  *expired = false;
  auto it = issued_.find(token);
  if (it == issued_.end()) return std::nullopt;
  if (it->second <= now_()) {
    *expired = true;
    return std::nullopt;
  }
  return "installation:" + std::to_string(options_.installation_id);
}

int FakeApp::exchanges() const {
  std::lock_guard lock(mu_);
  return exchanges_;
}
int FakeApp::refused() const {
  std::lock_guard lock(mu_);
  return refused_;
}

}  // namespace ghharvest::testing
