// What every request chain of one sync shares: the request skeleton and the cycle's state.
// A sync is one CycleCore (the phases are harvester.cpp's Cycle, which derives from it); the
// walks of the other files (lookup, list_walk, pulls_walk) are free functions over it. The
// skeleton lives here once so that each walk supplies only what differs (the URL, how to
// store a 200, what a 404 means): the request through github::Client (which retries and backs
// off), a given-up request or a 4xx recorded in sync_errors, the per-endpoint stats, a 401
// that stops the cycle, a body of the wrong shape, and each page's rows in one transaction.
// FetchPage hands back one outcome (stored, unchanged, gone, failed).
//
// Pending work: `pending_` counts callbacks still to come; when it reaches zero the phase is
// over and `next_` (the next phase) runs. The members are public because the walks in the
// other files are the cycle's own code, split by part; nothing outside src/harvest sees them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ghharvest/github/client.hpp"
#include "ghharvest/harvest/harvester.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/status.hpp"
#include "harvest/plan.hpp"

namespace boost::asio {
class io_context;
}

namespace ghharvest {
namespace store {
class Database;
class Ingest;
class ListPages;
}  // namespace store
namespace config {
struct Config;
}
}  // namespace ghharvest

namespace ghharvest::harvest {

// What a cycle works with, owned by the Harvester.
struct CycleEnv {
  boost::asio::io_context& io_;
  const Clock& clock_;
  store::Database& db_;
  github::Client& client_;
  const config::Config& config_;
  store::Ingest& ingest_;
  store::ListPages& pages_;
};

struct Project {
  std::int64_t id = 0;
  std::string full_name;
  // Every watched writer (GitHub's spelling once known, else the config's), for the lists a
  // large repository has read per writer: the counts view counts each of them everywhere.
  std::vector<std::string> writers;
  // GitHub's default branch, where the commits are read (empty: unknown, read by `since`).
  std::string default_branch;
};

struct Writer {
  std::string config_login;  // as the config spells it (key of writers / watches)
  std::string login;         // as GitHub spells it, once known; else the config's
  bool discover = false;     // no repos in the config
  // The account is gone (writers.gone_at): no lookup before `next_look`, no per-writer list.
  bool gone = false;
  std::optional<std::string> next_look;  // ISO 8601, as the cycle began
  // When GET /users/LOGIN first answered 404 in a run of 404s not yet confirmed (one 404 is
  // not enough: the next cycle's second one marks the writer gone); as the cycle began.
  std::optional<std::string> first_404;
};

// What became of one page.
enum class Outcome {
  kStored,     // a 200 whose rows (and watermark or page end) are committed
  kUnchanged,  // a 304: the stored rows are the answer
  kGone,       // 404/410, or `empty_status` (e.g. 409 on an empty repository's commits)
  kFailed,     // recorded in sync_errors: a 4xx, a body of the wrong shape, a request given up
};

class CycleCore : public std::enable_shared_from_this<CycleCore> {
 public:
  using OnOk = std::function<void(github::ApiResponse&)>;
  using OnFail = std::function<void()>;
  using StorePage = std::function<Status(github::ApiResponse&)>;
  using Then = std::function<void(Outcome, github::ApiResponse*)>;

  CycleCore(const CycleEnv& env, std::shared_ptr<bool> alive);
  virtual ~CycleCore() = default;
  CycleCore(const CycleCore&) = delete;
  CycleCore& operator=(const CycleCore&) = delete;

  // Stops the cycle with `status` (first one wins); requests in flight come back cancelled.
  void Abort(const Status& status);

  // One page through the skeleton every walk shares: the GET (the client retries and backs
  // off), failures recorded with the scope ("<error_prefix>HTTP <status>" for a 4xx), a 200
  // handed to `store` (kCorruption from it: a whole body of the wrong shape, see BadBody; any
  // other error stopped the cycle, and `then` is not called), and one outcome for `then` (the
  // response, or nullptr when none came back).
  void FetchPage(const std::string& endpoint, const std::string& scope, const std::string& url,
                 int empty_status, StorePage store, Then then, std::string error_prefix = {});

  // One GET through the client. `on_ok` gets every ApiResponse (200, 304, 404/410, 4xx);
  // `on_fail` runs when the client gave up (the error is recorded first) or the cycle stopped.
  void Fetch(const std::string& endpoint, const std::string& scope, const std::string& url,
             OnOk on_ok, OnFail on_fail);

  // A 2xx whose rows were not stored must not be answered by a 304 next time. The client
  // writes validators after the callback returns, so forgetting is posted behind it (and a
  // request posted after this one goes out unconditionally).
  void PostForget(const std::string& url);

  // Runs `f` on a later turn of the io_context (after a posted Forget), within the phase;
  // `scope`'s work is not done while it waits.
  void Later(std::function<void()> f, const std::string& scope = {});

  // Work in flight per scope: a repository of the lists phase is done when none is left. A
  // request's callback chains the next one before its own is dropped, so a walk in progress
  // never reads as done.
  void Hold(const std::string& scope) { ++open_[scope]; }
  void Drop(const std::string& scope);

  // One callback fewer to wait for; at zero the phase ends (next_, or Finish).
  void Release();

  // A body that did not parse as its endpoint's records (see page_fetch.cpp).
  void BadBody(const github::ApiResponse& r, const std::string& endpoint, const std::string& scope,
               const std::string& url, const Status& why, OnFail on_fail);

  void RecordError(const std::string& scope, const std::string& url, const std::string& msg);

  // Runs `body` in one transaction; a failure stops the cycle (the database is unwell).
  bool InTransaction(const std::function<Status()>& body);

  // Counts one page of `items` records stored from `endpoint` in the cycle's stats.
  void CountStoredPage(const std::string& endpoint, std::int64_t items);

  std::string NowIso() const;

  CycleEnv h_;
  std::shared_ptr<bool> alive_;  // false once the Harvester is gone
  WatermarkRule rule_;
  HarvestStats stats_;
  Status fatal_;
  int pending_ = 0;
  bool finished_ = false;
  std::function<void()> next_;
  std::optional<std::string> counts_before_;
  std::set<std::string> list_scopes_;  // RepoScope of each repository the lists phase reads
  std::map<std::string, int> open_;    // requests and posted retries in flight, by scope
  std::vector<Writer> writers_;
  std::vector<bool> in_job_;
  std::map<std::int64_t, Project> projects_;

 protected:
  // The end of the cycle: stats, progress, the callback (harvester.cpp).
  virtual void Finish() = 0;
  // A repository of the lists phase has no work left.
  virtual void ScopeDone() = 0;

 private:
  void OnResponse(const std::string& endpoint, const std::string& scope, const std::string& url,
                  Result<github::ApiResponse>& r, OnOk& on_ok, OnFail& on_fail);
};

}  // namespace ghharvest::harvest
