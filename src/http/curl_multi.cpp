#include "http/curl_multi.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cctype>
#include <charconv>
#include <mutex>
#include <string_view>

namespace ghharvest::http {
namespace {

// The message of a failed transfer. libcurl writes its error buffer only once per transfer, so
// when it re-sent a request by itself (a reused connection that died before any byte of the
// answer: "Recv failure" or "Send failure") and the new attempt failed otherwise, the buffer
// still names the first failure. The code is the truth: a buffer that cannot belong to it is
// kept only as a note.
std::string ErrorText(CURLcode rc, const char* errbuf) {
  const std::string buf = errbuf ? errbuf : "";
  if (buf.empty()) return curl_easy_strerror(rc);
  const bool io_text = buf.rfind("Recv failure", 0) == 0 || buf.rfind("Send failure", 0) == 0;
  const bool io_code = rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING;
  if (io_text && !io_code) {
    return std::string(curl_easy_strerror(rc)) + " (after libcurl re-sent the request: " + buf +
           ")";
  }
  return buf;
}

namespace asio = boost::asio;

constexpr std::size_t kPadding = 64;  // simdjson::SIMDJSON_PADDING
// The most reserved on a Content-Length's word before the bytes arrive: a server may
// announce anything, and six cut responses announcing 512 MiB once held 3 GB.
constexpr std::size_t kMaxUpfrontReserve = std::size_t{1} << 20;
constexpr std::size_t kMaxPooledHandles = 64;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Grows `s` so that `extra` more bytes plus the parser padding fit without another copy,
// doubling (so appends stay linear) but not past `max_size` and its padding.
void ReservePadded(std::string& s, std::size_t extra, std::size_t max_size) {
  std::size_t need = s.size() + extra + kPadding;
  if (s.capacity() >= need) return;
  std::size_t target = std::max(need, std::min(s.capacity() * 2, max_size + kPadding));
  // Not s.reserve(target): libstdc++ rounds any growth below twice the capacity up to twice
  // it, past the limit. A fresh string gets exactly what it asks for; the copy is the one
  // reserve() would make.
  std::string grown;
  grown.reserve(target);
  grown.append(s);
  s.swap(grown);
}

// Whether a response with this status carries a body (RFC 9110 6.4.1; redirects followed
// have theirs skipped by curl).
bool BodyFollows(long status) {
  return status >= 200 && status != 204 && status != 304 && (status < 300 || status >= 400);
}

std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() &&
         (v.back() == ' ' || v.back() == '\t' || v.back() == '\r' || v.back() == '\n')) {
    v.remove_suffix(1);
  }
  return v;
}

// curl owns the descriptor; Asio only watches it. `removed` flips when curl says
// CURL_POLL_REMOVE, so handlers still queued for an old socket do nothing.
struct SocketState {
  SocketState(asio::io_context& io, curl_socket_t s) : sd(io), fd(s) {}
  asio::posix::stream_descriptor sd;
  curl_socket_t fd;
  int what = 0;
  bool read_armed = false;
  bool write_armed = false;
  bool removed = false;
};

struct Transfer {
  TransferId id = 0;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  TransferCallback done;
  HttpResult result;
  std::size_t max_body = 0;
  long head_status = 0;  // of the response whose headers are arriving
  bool too_big = false;  // the body passed (or was announced past) max_body: aborted
  char errbuf[CURL_ERROR_SIZE] = {};
};

size_t WriteCb(char* data, size_t size, size_t n, void* user) noexcept {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  try {
    std::string& body = t->result.body;
    if (body.size() + len > t->max_body) {
      t->too_big = true;
      return 0;  // aborts with CURLE_WRITE_ERROR
    }
    ReservePadded(body, len, t->max_body);
    body.append(data, len);
    return len;
  } catch (...) {
    return 0;
  }
}

size_t HeaderCb(char* data, size_t size, size_t n, void* user) noexcept {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  try {
    std::string_view line = Trim(std::string_view(data, len));
    if (line.substr(0, 5) == "HTTP/") {
      // A new response begins (after a redirect or a 1xx): only the final one counts.
      t->result.headers.clear();
      t->result.body.clear();
      t->head_status = 0;
      if (auto sp = line.find(' '); sp != std::string_view::npos) {
        std::from_chars(line.data() + sp + 1, line.data() + line.size(), t->head_status);
      }
      return len;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return len;
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = Trim(line.substr(colon + 1));
    if (name == "content-length" && BodyFollows(t->head_status)) {
      std::size_t cl = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), cl);
      if (ec == std::errc::result_out_of_range || (ec == std::errc() && cl > t->max_body)) {
        t->too_big = true;  // no need to read what would be refused
        return 0;
      }
      // A promise, not bytes: reserve a little, grow as the body arrives (WriteCb).
      if (ec == std::errc()) {
        ReservePadded(t->result.body, std::min(cl, kMaxUpfrontReserve), t->max_body);
      }
    }
    t->result.headers[std::move(name)] = std::string(value);
    return len;
  } catch (...) {
    return 0;
  }
}

}  // namespace

class CurlMulti::Impl : public std::enable_shared_from_this<Impl> {
 public:
  explicit Impl(asio::io_context& io) : io_(io), timer_(io) {
    GlobalInitOnce();
    multi_ = curl_multi_init();
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Impl::SocketCb);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Impl::TimerCb);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  }

  ~Impl() { Shutdown(); }

  void Shutdown() {
    if (!multi_) return;
    timer_.cancel();
    for (auto& [id, t] : transfers_) {
      curl_multi_remove_handle(multi_, t->easy);
      curl_easy_cleanup(t->easy);
      curl_slist_free_all(t->headers);
    }
    transfers_.clear();
    for (CURL* e : pool_) curl_easy_cleanup(e);
    pool_.clear();
    // curl may still report sockets of cached connections while cleaning up.
    curl_multi_cleanup(multi_);
    multi_ = nullptr;
    for (auto& [fd, st] : sockets_) {
      st->removed = true;
      if (st->sd.is_open()) st->sd.release();
    }
    sockets_.clear();
  }

  TransferId Start(HttpGet req, TransferCallback done) {
    auto t = std::make_unique<Transfer>();
    t->id = next_id_++;
    t->done = std::move(done);
    t->max_body = req.max_body_bytes;
    TransferId id = t->id;
    if (!multi_) {
      t->result.curl_code = CURLE_FAILED_INIT;
      t->result.error = "client shut down";
      PostDone(std::move(t));
      return id;
    }
    t->easy = AcquireEasy();
    CURL* e = t->easy;
    for (const auto& h : req.headers) t->headers = curl_slist_append(t->headers, h.c_str());
    curl_easy_setopt(e, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(req.connect_timeout.count() * 1000));
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, static_cast<long>(req.stall_timeout.count()));
    if (req.post_body) {
      // COPYPOSTFIELDS: the request object dies with this call, the bytes must not.
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(req.post_body->size()));
      curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req.post_body->data());
    }
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, req.post_body ? 0L : 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, req.post_body ? 0L : req.max_redirects);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &WriteCb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &HeaderCb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    Transfer* raw = t.get();
    transfers_.emplace(id, std::move(t));
    CURLMcode mc = curl_multi_add_handle(multi_, e);
    if (mc != CURLM_OK) {
      auto node = transfers_.extract(id);
      std::unique_ptr<Transfer> failed = std::move(node.mapped());
      ReleaseEasy(failed.get());
      failed->result.curl_code = CURLE_FAILED_INIT;
      failed->result.error = curl_multi_strerror(mc);
      PostDone(std::move(failed));
    }
    (void)raw;
    return id;
  }

  void Cancel(TransferId id) {
    auto it = transfers_.find(id);
    if (it == transfers_.end()) return;
    std::unique_ptr<Transfer> t = std::move(it->second);
    transfers_.erase(it);
    if (multi_) curl_multi_remove_handle(multi_, t->easy);
    ReleaseEasy(t.get());
    t->result.cancelled = true;
    t->result.curl_code = CURLE_ABORTED_BY_CALLBACK;
    t->result.error = "cancelled";
    PostDone(std::move(t));
  }

  std::size_t in_flight() const { return transfers_.size(); }

 private:
  static int SocketCb(CURL*, curl_socket_t s, int what, void* userp, void* socketp) noexcept {
    try {
      static_cast<Impl*>(userp)->OnSocket(s, what, static_cast<SocketState*>(socketp));
    } catch (...) {
      // Nothing may cross into C; a watch we failed to set up shows as a curl timeout.
    }
    return 0;
  }

  static int TimerCb(CURLM*, long timeout_ms, void* userp) noexcept {
    try {
      static_cast<Impl*>(userp)->OnTimerRequest(timeout_ms);
    } catch (...) {
    }
    return 0;
  }

  void OnSocket(curl_socket_t s, int what, SocketState*) {
    if (what == CURL_POLL_REMOVE) {
      auto it = sockets_.find(s);
      if (it != sockets_.end()) {
        std::shared_ptr<SocketState> st = it->second;
        st->removed = true;
        // release(), not close(): the descriptor is curl's, which closes it itself.
        if (st->sd.is_open()) st->sd.release();
        sockets_.erase(it);
      }
      if (multi_) curl_multi_assign(multi_, s, nullptr);
      return;
    }
    std::shared_ptr<SocketState> st;
    auto it = sockets_.find(s);
    if (it == sockets_.end()) {
      st = std::make_shared<SocketState>(io_, s);
      boost::system::error_code ec;
      st->sd.assign(s, ec);
      if (ec) return;
      sockets_.emplace(s, st);
      curl_multi_assign(multi_, s, st.get());
    } else {
      st = it->second;
    }
    st->what = what;
    Arm(st);
  }

  // One wait per direction at a time, re-armed after each event (an edge left unwatched
  // would stall the transfer until curl's own timeout).
  void Arm(const std::shared_ptr<SocketState>& st) {
    if ((st->what & CURL_POLL_IN) && !st->read_armed) {
      st->read_armed = true;
      st->sd.async_wait(asio::posix::descriptor_base::wait_read,
                        [w = weak_from_this(), st](const boost::system::error_code& ec) {
                          st->read_armed = false;
                          if (ec || st->removed) return;
                          if (auto self = w.lock()) self->OnReady(st, CURL_CSELECT_IN);
                        });
    }
    if ((st->what & CURL_POLL_OUT) && !st->write_armed) {
      st->write_armed = true;
      st->sd.async_wait(asio::posix::descriptor_base::wait_write,
                        [w = weak_from_this(), st](const boost::system::error_code& ec) {
                          st->write_armed = false;
                          if (ec || st->removed) return;
                          if (auto self = w.lock()) self->OnReady(st, CURL_CSELECT_OUT);
                        });
    }
  }

  void OnReady(const std::shared_ptr<SocketState>& st, int event) {
    if (!multi_) return;
    int wanted = event == CURL_CSELECT_IN ? CURL_POLL_IN : CURL_POLL_OUT;
    if (!(st->what & wanted)) return;  // curl stopped caring about this direction
    int running = 0;
    curl_multi_socket_action(multi_, st->fd, event, &running);
    if (!st->removed) Arm(st);
    ReadDone();
  }

  // Called by curl: only (re)arm or cancel the timer here; curl runs from the handler.
  void OnTimerRequest(long timeout_ms) {
    if (timeout_ms < 0) {
      timer_.cancel();
      return;
    }
    timer_.expires_after(std::chrono::milliseconds(timeout_ms));
    timer_.async_wait([w = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      auto self = w.lock();
      if (!self || !self->multi_) return;
      int running = 0;
      curl_multi_socket_action(self->multi_, CURL_SOCKET_TIMEOUT, 0, &running);
      self->ReadDone();
    });
  }

  void ReadDone() {
    if (!multi_) return;
    std::vector<std::unique_ptr<Transfer>> finished;
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
      if (!t) continue;
      CURLcode rc = msg->data.result;
      auto it = transfers_.find(t->id);
      if (it == transfers_.end()) continue;
      std::unique_ptr<Transfer> owned = std::move(it->second);
      transfers_.erase(it);
      Complete(owned.get(), rc);
      curl_multi_remove_handle(multi_, owned->easy);
      ReleaseEasy(owned.get());
      finished.push_back(std::move(owned));
    }
    // Callbacks run after curl's bookkeeping, so they may start or cancel transfers.
    auto keep = shared_from_this();
    for (auto& t : finished) {
      if (!multi_) return;  // the owner was destroyed by an earlier callback
      t->done(std::move(t->result));
    }
  }

  void Complete(Transfer* t, CURLcode rc) {
    HttpResult& r = t->result;
    r.curl_code = rc;
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    r.status = status;
    char* eff = nullptr;
    if (curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff) {
      r.final_url = eff;
    }
    if (t->too_big) {
      // Asking again would bring the same body: a failure of this request, with the limit.
      r.error = "response body larger than the limit of " + std::to_string(t->max_body) +
                " bytes (github.max_body_bytes)";
      r.permanent = true;
      if (r.curl_code == CURLE_OK) r.curl_code = CURLE_WRITE_ERROR;
    } else if (rc != CURLE_OK) {
      r.error = ErrorText(rc, t->errbuf);
      if (rc == CURLE_PARTIAL_FILE) r.truncated = true;
      r.permanent = rc == CURLE_TOO_MANY_REDIRECTS || rc == CURLE_URL_MALFORMAT ||
                    rc == CURLE_UNSUPPORTED_PROTOCOL;
    } else if (!r.header("content-encoding")) {
      // curl checks this too, but a server that closes early on a keep-alive connection
      // can slip through; a short body must never reach the JSON parser as complete.
      if (const std::string* cl = r.header("content-length")) {
        std::size_t n = 0;
        auto [p, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), n);
        if (ec == std::errc() && n != r.body.size()) r.truncated = true;
      }
    }
    ReservePadded(r.body, 0, t->max_body);
  }

  CURL* AcquireEasy() {
    if (!pool_.empty()) {
      CURL* e = pool_.back();
      pool_.pop_back();
      return e;
    }
    return curl_easy_init();
  }

  void ReleaseEasy(Transfer* t) {
    curl_slist_free_all(t->headers);
    t->headers = nullptr;
    if (!t->easy) return;
    if (pool_.size() < kMaxPooledHandles) {
      curl_easy_reset(t->easy);
      pool_.push_back(t->easy);
    } else {
      curl_easy_cleanup(t->easy);
    }
    t->easy = nullptr;
  }

  void PostDone(std::unique_ptr<Transfer> t) {
    std::shared_ptr<Transfer> shared(std::move(t));
    asio::post(io_, [w = weak_from_this(), shared] {
      auto self = w.lock();
      if (!self || !self->multi_) return;
      shared->done(std::move(shared->result));
    });
  }

  asio::io_context& io_;
  asio::steady_timer timer_;
  CURLM* multi_ = nullptr;
  std::unordered_map<curl_socket_t, std::shared_ptr<SocketState>> sockets_;
  std::unordered_map<TransferId, std::unique_ptr<Transfer>> transfers_;
  std::vector<CURL*> pool_;
  TransferId next_id_ = 1;
};

CurlMulti::CurlMulti(asio::io_context& io) : impl_(std::make_shared<Impl>(io)) {}
CurlMulti::~CurlMulti() { impl_->Shutdown(); }
TransferId CurlMulti::Start(HttpGet request, TransferCallback done) {
  return impl_->Start(std::move(request), std::move(done));
}
void CurlMulti::Cancel(TransferId id) { impl_->Cancel(id); }
std::size_t CurlMulti::in_flight() const { return impl_->in_flight(); }

}  // namespace ghharvest::http
