// The request skeleton of a sync (page_fetch.hpp): one place for what every page costs and
// how a failure is told apart from a page that is unchanged, gone or stored.
#include "harvest/page_fetch.hpp"

#include <utility>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "ghharvest/store/database.hpp"
#include "ghharvest/store/ingest.hpp"
#include "ghharvest/util/log.hpp"

namespace ghharvest::harvest {

using github::ApiResponse;
using Kind = github::ApiResponse::Kind;

CycleCore::CycleCore(const CycleEnv& env, std::shared_ptr<bool> alive)
    : h_(env), alive_(std::move(alive)) {}

void CycleCore::Abort(const Status& status) {
  if (fatal_.ok()) {
    fatal_ = status;
    if (status.code() != Status::Code::kNotFound) h_.client_.CancelAll();
  }
  if (pending_ == 0 && !finished_) Finish();
}

void CycleCore::Release() {
  if (--pending_ > 0) return;
  if (!fatal_.ok()) return Finish();
  if (auto next = std::move(next_); next) {
    next_ = nullptr;
    next();
  } else {
    Finish();
  }
}

void CycleCore::FetchPage(const std::string& endpoint, const std::string& scope,
                          const std::string& url, int empty_status, StorePage store, Then then,
                          std::string error_prefix) {
  auto self = shared_from_this();
  Fetch(
      endpoint, scope, url,
      [self, endpoint, scope, url, empty_status, store = std::move(store), then,
       error_prefix = std::move(error_prefix)](ApiResponse& r) {
        switch (r.kind) {
          case Kind::kGone:
            return then(Outcome::kGone, &r);
          case Kind::kClientError:
            if (empty_status != 0 && r.status == empty_status) return then(Outcome::kGone, &r);
            self->RecordError(scope, url, fmt::format("{}HTTP {}", error_prefix, r.status));
            return then(Outcome::kFailed, &r);
          case Kind::kNotModified:
            return then(Outcome::kUnchanged, &r);
          case Kind::kOk:
            break;
        }
        Status s = store(r);
        // A stopped cycle is never a bad body, whatever the database's error said.
        if (s.code() == Status::Code::kCorruption && self->fatal_.ok()) {
          self->BadBody(r, endpoint, scope, url, s, nullptr);
          return then(Outcome::kFailed, &r);
        }
        if (!s.ok()) return;  // the cycle was aborted
        then(Outcome::kStored, &r);
      },
      [then] { then(Outcome::kFailed, nullptr); });
}

void CycleCore::Fetch(const std::string& endpoint, const std::string& scope, const std::string& url,
                      OnOk on_ok, OnFail on_fail) {
  if (!fatal_.ok()) {
    if (on_fail) on_fail();
    return;
  }
  ++pending_;
  Hold(scope);
  auto self = shared_from_this();
  h_.client_.Get(url, [self, endpoint, scope, url, on_ok = std::move(on_ok),
                       on_fail = std::move(on_fail)](Result<ApiResponse> r) mutable {
    if (!*self->alive_) return;
    self->OnResponse(endpoint, scope, url, r, on_ok, on_fail);
    self->Drop(scope);
    self->Release();
  });
}

void CycleCore::OnResponse(const std::string& endpoint, const std::string& scope,
                           const std::string& url, Result<ApiResponse>& r, OnOk& on_ok,
                           OnFail& on_fail) {
  auto& es = stats_.per_endpoint[endpoint];
  if (!r.ok()) {
    const Status& st = r.status();
    if (st.code() == Status::Code::kUnauthorized) {
      Abort(Status::Unauthorized(
          "GitHub answered 401 Unauthorized: the token is missing, expired or revoked; "
          "the sync stopped (" +
          st.message() + ")"));
    } else if (st.code() != Status::Code::kCancelled) {
      ++es.failures;
      ++stats_.failures;
      RecordError(scope, url, st.ToString());
    }
    if (on_fail) on_fail();
    return;
  }
  ++es.requests;
  ++stats_.requests;
  if (r->kind == Kind::kNotModified) {
    ++es.not_modified;
    ++stats_.not_modified;
  }
  if (!fatal_.ok()) {
    if (on_fail) on_fail();
    return;
  }
  on_ok(*r);
}

void CycleCore::PostForget(const std::string& url) {
  ++pending_;
  auto self = shared_from_this();
  boost::asio::post(h_.io_, [self, url]() {
    if (!*self->alive_) return;
    (void)self->h_.client_.Forget(url);
    self->Release();
  });
}

void CycleCore::Later(std::function<void()> f, const std::string& scope) {
  ++pending_;
  Hold(scope);
  auto self = shared_from_this();
  boost::asio::post(h_.io_, [self, f = std::move(f), scope]() {
    if (!*self->alive_) return;
    if (self->fatal_.ok()) f();
    self->Drop(scope);
    self->Release();
  });
}

void CycleCore::Drop(const std::string& scope) {
  if (auto it = open_.find(scope); it != open_.end() && --it->second <= 0) {
    open_.erase(it);
    if (list_scopes_.count(scope)) ScopeDone();
  }
}

// A body that did not parse as its endpoint's records: the scope is given up for this
// cycle, like a request the client gave up on. Bad bodies are retried in one place, the
// client: only it can tell a body damaged on the way (cut, not JSON, empty) from a whole
// one, and it retries those with backoff within github.max_retries, never keeping their
// validators. What reaches here is whole JSON of the wrong shape, the server's answer, which
// asking again at once would only repeat. The client stored its validators, so they are
// forgotten: the next cycle asks unconditionally.
void CycleCore::BadBody(const ApiResponse& r, const std::string& endpoint, const std::string& scope,
                        const std::string& url, const Status& why, OnFail on_fail) {
  log::Warning("unparsable response url={} error=\"{}\"", url, why.ToString());
  if (r.etag || r.last_modified) PostForget(url);
  ++stats_.per_endpoint[endpoint].failures;
  ++stats_.failures;
  RecordError(scope, url, why.ToString());
  if (on_fail) on_fail();
}

void CycleCore::RecordError(const std::string& scope, const std::string& url,
                            const std::string& msg) {
  log::Warning("sync error scope={} url={} error=\"{}\"", scope, url, msg);
  if (auto s = h_.ingest_.RecordError(scope, url, msg, h_.clock_.Now()); !s.ok()) Abort(s);
}

void CycleCore::CountStoredPage(const std::string& endpoint, std::int64_t items) {
  auto& es = stats_.per_endpoint[endpoint];
  ++es.pages;
  es.items += items;
  ++stats_.pages;
  stats_.items_upserted += items;
}

bool CycleCore::InTransaction(const std::function<Status()>& body) {
  // The counts before the sync's first write, taken lazily: an all-304 sync stores
  // nothing and so never pays for evaluating the counts view.
  if (!counts_before_) {
    auto digest = h_.ingest_.CountsDigest();
    if (!digest.ok()) {
      Abort(digest.status());
      return false;
    }
    counts_before_ = std::move(*digest);
  }
  store::Transaction tx(h_.db_);
  if (!tx.status().ok()) {
    Abort(tx.status());
    return false;
  }
  Status s = body();
  if (s.ok()) s = tx.Commit();
  if (!s.ok()) {
    Abort(s);
    return false;
  }
  return true;
}

std::string CycleCore::NowIso() const { return FormatIso8601(h_.clock_.Now()); }

}  // namespace ghharvest::harvest
