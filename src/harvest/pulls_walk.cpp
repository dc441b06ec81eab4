// The pulls/reviews walk (pulls_walk.hpp): the cycle's side of it, which lends the reviews
// fetchers its request skeleton and its store through hooks.
#include "harvest/pulls_walk.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ghharvest/config/config.hpp"
#include "ghharvest/github/graphql_reviews.hpp"
#include "ghharvest/github/parse.hpp"
#include "ghharvest/store/ingest.hpp"
#include "ghharvest/util/log.hpp"
#include "harvest/plan.hpp"
#include "harvest/reviews_graphql.hpp"
#include "harvest/reviews_walk.hpp"

namespace ghharvest::harvest {
namespace {

using github::ApiResponse;

// The pulls list (updated_at desc, down to the watermark) and the reviews of what changed.
struct PullsWalk {
  Project project;
  std::string scope;
  std::optional<std::string> w_start;
  std::optional<std::string> newest;
  std::vector<std::int64_t> numbers;  // changed pull requests that may have reviews
  std::size_t listed = 0;             // changed pull requests the list named, all of them
  bool need_body = false;             // a previous walk stopped half-way: 304s would hide PRs
  bool marked = false;                // sync_state.walking is set
  bool reached = false;               // the last page read went past the watermark
  bool failed = false;
  int pages = 0;                         // pages of the list stored this cycle
  std::vector<std::int64_t> first_page;  // every pull request page 1 listed
};

using Cycle = std::shared_ptr<CycleCore>;
using Walk = std::shared_ptr<PullsWalk>;

void LaunchReviews(const Cycle& self, const Walk& pw);
void ListByGraphql(const Cycle& self, const Walk& pw, const std::string& page2,
                   std::optional<std::int64_t> last_page);

void FetchPullsPage(const Cycle& self, const Walk& pw, const std::string& url, int tries) {
  self->FetchPage(
      "pulls", pw->scope, url, 0,
      [self, pw](ApiResponse& r) -> Status {
        auto items = github::ParseIssueList(r.body);
        if (!items.ok()) return items.status();
        if (!pw->marked) {
          if (auto s = self->h_.ingest_.MarkWalking("pulls", pw->scope, pw->w_start); !s.ok()) {
            self->Abort(s);
            return self->fatal_;
          }
          pw->marked = true;
        }
        ++self->stats_.per_endpoint["pulls"].pages;
        ++self->stats_.pages;
        ++pw->pages;
        // merged_at from the pulls list, for servers whose issues list does not carry it.
        bool any_merged = false;
        for (const auto& pr : *items) any_merged = any_merged || pr.merged_at.has_value();
        if (any_merged && !self->InTransaction([&]() -> Status {
              return self->h_.ingest_.RecordPullsMerged(pw->project.id, *items);
            })) {
          return self->fatal_;
        }
        pw->reached = false;
        if (pw->pages == 1) {
          for (const auto& pr : *items) pw->first_page.push_back(pr.number);
        }
        for (const auto& pr : *items) {
          pw->newest = LaterOf(pw->newest, pr.updated_at);
          if (pw->w_start && pr.updated_at < *pw->w_start) {
            pw->reached = true;
            continue;
          }
          ++pw->listed;
          // Submitting a review moves the pull request's updated_at (what this walk relies on
          // in every later cycle), so one never updated since it was opened has none to read.
          if (!pr.created_at.empty() && pr.updated_at == pr.created_at) continue;
          pw->numbers.push_back(pr.number);
        }
        return Status::Ok();
      },
      [self, pw, url, tries](Outcome outcome, ApiResponse* r) {
        switch (outcome) {
          case Outcome::kStored:
            if (!pw->reached && r->next_url) {
              // A first read of a list of several pages: GraphQL brings every pull request
              // with its reviews, 100 a query, and the list's later pages are not needed
              // (page 1 gives the watermark and the validators later cycles revalidate).
              if (!pw->w_start && pw->pages == 1 && self->h_.config_.github.graphql) {
                return ListByGraphql(self, pw, *r->next_url,
                                     r->last_url ? PageNumberOf(*r->last_url) : std::nullopt);
              }
              return FetchPullsPage(self, pw, *r->next_url, 0);
            }
            return LaunchReviews(self, pw);
          case Outcome::kUnchanged:
            if (pw->need_body && tries < 2) {
              // A 304 here would hide PRs whose reviews were never read: ask again.
              self->PostForget(url);
              self->Later([self, pw, url, tries] { FetchPullsPage(self, pw, url, tries + 1); },
                          pw->scope);
              return;
            }
            // Newest first: an unchanged page means nothing after it changed either.
            return LaunchReviews(self, pw);
          case Outcome::kGone:
            ++self->stats_.scopes_failed;
            self->RecordError(pw->scope, url, fmt::format("HTTP {}", r->status));
            return;
          case Outcome::kFailed:
            ++self->stats_.scopes_failed;
            return;
        }
      });
}

// One GraphQL reviews read, held as the cycle's pending work like a Fetch: a stopped cycle
// sends none, and a 401 stops the cycle as it does for REST.
void FetchGraphqlReviews(const Cycle& self, const std::string& owner, const std::string& name,
                         github::ReviewsFetchOptions options, github::ReviewsFetchCallback done) {
  if (!self->fatal_.ok()) {
    github::ReviewsFetch f;
    f.outcome = github::ReviewsFetch::Outcome::kFailed;
    f.status = Status::Cancelled("sync stopped");
    return done(std::move(f));
  }
  ++self->pending_;
  const std::string scope = owner + "/" + name;
  self->Hold(scope);
  github::FetchRepositoryReviews(
      self->h_.client_, owner, name, std::move(options),
      [self, scope, done = std::move(done)](github::ReviewsFetch f) {
        if (!*self->alive_) return;
        if (f.outcome == github::ReviewsFetch::Outcome::kFailed &&
            f.status.code() == Status::Code::kUnauthorized) {
          self->Abort(Status::Unauthorized(
              "GitHub answered 401 Unauthorized: the token is missing, expired or revoked; "
              "the sync stopped (" +
              f.status.message() + ")"));
        }
        if (!self->fatal_.ok()) {
          f.outcome = github::ReviewsFetch::Outcome::kFailed;  // nothing more is stored
          f.status = Status::Cancelled("sync stopped");
        }
        done(std::move(f));
        self->Drop(scope);
        self->Release();
      });
}

// A repository that GraphQL says is not there, handled as one whose GET answered 404: its
// watches are marked gone (no longer polled) and the error is recorded.
void ProjectGone(const Cycle& self, const Project& project, const std::string& scope,
                 const std::string& why) {
  ++self->stats_.projects_gone;
  self->stats_.watches_changed = true;
  log::Notice("project gone, no longer polled repo={} graphql=\"{}\"", project.full_name, why);
  auto& ingest = self->h_.ingest_;
  auto watches = ingest.ListWatches();
  if (!watches.ok()) return self->Abort(watches.status());
  self->InTransaction([&]() -> Status {
    for (const auto& w : *watches) {
      if (w.repo_id != project.id || w.status != "active") continue;
      if (auto s = ingest.MarkWatchGone(w.writer, w.repo_name); !s.ok()) return s;
    }
    return ingest.RecordError(scope, "graphql", "gone (GraphQL: " + why + ")",
                              self->h_.clock_.Now());
  });
}

void FinishPulls(const Cycle& self, const Walk& pw) {
  if (pw->failed) {
    ++self->stats_.scopes_failed;
    return;
  }
  std::optional<std::string> next = pw->w_start;
  if (pw->newest) {
    next = LaterOf(pw->w_start, ShiftIso(*pw->newest, -self->rule_.overlap_seconds));
  }
  if (next == pw->w_start && !pw->marked) return;
  if (auto s = self->h_.ingest_.SetWatermark("pulls", pw->scope, next, std::nullopt); !s.ok()) {
    self->Abort(s);
  }
}

// The reviews walks are parts of their own (reviews_walk.hpp, reviews_graphql.hpp): they
// borrow this cycle's request skeleton and store through hooks, so another fetcher can
// replace them.
WalkHooks RestHooks(const Cycle& self, const Walk& pw) {
  WalkHooks hooks;
  hooks.fetch = [self](const std::string& endpoint, const std::string& scope,
                       const std::string& url, WalkHooks::OnOk on_ok, WalkHooks::OnFail on_fail) {
    self->Fetch(endpoint, scope, url, std::move(on_ok), std::move(on_fail));
  };
  hooks.record_error = [self](const std::string& scope, const std::string& url,
                              const std::string& msg) { self->RecordError(scope, url, msg); };
  hooks.bad_body = [self](const ApiResponse& r, const std::string& endpoint,
                          const std::string& scope, const std::string& url, const Status& why) {
    self->BadBody(r, endpoint, scope, url, why, nullptr);
  };
  hooks.store = [self, repo = pw->project.id](std::int64_t number,
                                              const std::vector<model::ReviewRecord>& reviews) {
    bool ok = self->InTransaction(
        [&]() -> Status { return self->h_.ingest_.UpsertReviews(repo, number, reviews); });
    if (ok) self->CountStoredPage("reviews", static_cast<std::int64_t>(reviews.size()));
    return ok;
  };
  return hooks;
}

void AccountGraphql(const Cycle& self, const github::ReviewsFetch& f) {
  auto& es = self->stats_.per_endpoint["graphql_reviews"];
  es.requests += f.queries;
  if (f.outcome == github::ReviewsFetch::Outcome::kFailed &&
      f.status.code() != Status::Code::kCancelled) {
    ++es.failures;
    ++self->stats_.failures;
  }
}

void LaunchReviews(const Cycle& self, const Walk& pw) {
  std::sort(pw->numbers.begin(), pw->numbers.end());
  pw->numbers.erase(std::unique(pw->numbers.begin(), pw->numbers.end()), pw->numbers.end());
  ReviewsOfPulls what{pw->project.id, pw->project.full_name, pw->scope, pw->numbers, pw->listed};
  // GraphQL first (reviews_graphql.hpp), REST for whatever it does not answer; the pulls
  // watermark bounds the query, as it bounded the pulls list that named `numbers`.
  GraphqlReviewsHooks gh;
  gh.rest = RestHooks(self, pw);
  gh.fetch_repository = [self](const std::string& owner, const std::string& name,
                               github::ReviewsFetchOptions options,
                               github::ReviewsFetchCallback done) {
    FetchGraphqlReviews(self, owner, name, std::move(options), std::move(done));
  };
  gh.account = [self](const github::ReviewsFetch& f) { AccountGraphql(self, f); };
  gh.gone = [self, project = pw->project](const std::string& scope, const std::string& why) {
    ProjectGone(self, project, scope, why);
  };
  FetchReviewsOfPullsGraphql(what, pw->w_start.value_or(""), std::move(gh),
                             [self, pw](bool all_ok) {
                               if (!all_ok) pw->failed = true;
                               FinishPulls(self, pw);
                             });
}

// The first read of a pulls list of several pages, by GraphQL (FetchPullsPage): every pull
// request of the repository with its reviews and merged state, as the REST pages and one
// reviews list per pull request would have brought them. Only a clean answer that holds what
// the list showed replaces them: every pull request of page 1, and at least as many as the
// pages before the list's last hold (its `rel="last"`). After an error, a partial or short
// answer, a server without GraphQL or a repository GraphQL does not find (REST just read its
// page 1), the REST pages are read from page 2 as before and the reviews follow as after any
// pulls list, so nothing depends on what a faulty answer left out. A pull request updated
// while the read pages may be passed over; its updated_at is then past page 1's newest, so
// the next cycle's page 1 names it.
void ListByGraphql(const Cycle& self, const Walk& pw, const std::string& page2,
                   std::optional<std::int64_t> last_page) {
  const std::string& full = pw->project.full_name;
  const auto slash = full.find('/');
  if (slash == std::string::npos) return FetchPullsPage(self, pw, page2, 0);
  github::ReviewsFetchOptions options;  // no updated_since: every pull request, 100 a query
  FetchGraphqlReviews(
      self, full.substr(0, slash), full.substr(slash + 1), std::move(options),
      [self, pw, page2, last_page](github::ReviewsFetch f) {
        AccountGraphql(self, f);
        if (!self->fatal_.ok()) return;
        using Fetched = github::ReviewsFetch::Outcome;
        std::string why;
        if (f.outcome == Fetched::kUnavailable) {
          why = "no GraphQL";
        } else if (f.outcome != Fetched::kComplete) {
          why = f.status.ok() ? "partial" : f.status.ToString();
        } else if (!f.errors.empty() || !f.unresolved.empty()) {
          why = fmt::format("{} errors", f.errors.size());
        } else {
          std::set<std::int64_t> listed;
          for (const auto& p : f.pulls) listed.insert(p.number);
          const auto missing = std::count_if(pw->first_page.begin(), pw->first_page.end(),
                                             [&](std::int64_t n) { return !listed.count(n); });
          const std::int64_t at_least = last_page ? (*last_page - 1) * kListPageSize + 1 : 0;
          if (missing > 0 || static_cast<std::int64_t>(f.pulls.size()) < at_least) {
            why = fmt::format("short: {} pull requests, {} of page 1 missing, at least {} listed",
                              f.pulls.size(), missing, at_least);
          }
        }
        if (!why.empty()) {
          log::Info("pulls: reading the list, GraphQL did not list every pull request repo={} ({})",
                    pw->project.full_name, why);
          return FetchPullsPage(self, pw, page2, 0);
        }
        std::vector<model::IssueRecord> merged;
        for (const auto& p : f.pulls) {
          if (p.merged_at.empty()) continue;
          model::IssueRecord m;
          m.id = p.pull_id;
          m.number = p.number;
          m.is_pull = true;
          m.merged_at = p.merged_at;
          merged.push_back(std::move(m));
        }
        if (!merged.empty() && !self->InTransaction([&]() -> Status {
              return self->h_.ingest_.RecordPullsMerged(pw->project.id, merged);
            })) {
          return;
        }
        WalkHooks hooks = RestHooks(self, pw);
        ReviewsOfPulls rest{pw->project.id, pw->project.full_name, pw->scope, {}, f.pulls.size()};
        for (const auto& p : f.pulls) {
          // A clean answer has every review (the fetch follows pages past 100); one that does
          // not say goes to REST all the same.
          if (!p.reviews_known || p.more_reviews) {
            rest.numbers.push_back(p.number);
            continue;
          }
          if (!hooks.store(p.number, p.reviews)) return;  // a failed store stopped the cycle
        }
        FetchReviewsOfPulls(rest, std::move(hooks), [self, pw](bool all_ok) {
          if (!all_ok) pw->failed = true;
          FinishPulls(self, pw);
        });
      });
}

}  // namespace

// Pull requests changed since the watermark (newest first), then their reviews.
void StartPulls(const std::shared_ptr<CycleCore>& self, const Project& project) {
  auto pw = std::make_shared<PullsWalk>();
  pw->project = project;
  pw->scope = RepoScope(project.full_name);
  auto wm = self->h_.ingest_.GetWatermark("pulls", pw->scope);
  if (!wm.ok()) return self->Abort(wm.status());
  if (*wm) {
    pw->w_start = (*wm)->watermark;
    pw->need_body = pw->marked = (*wm)->walking;
  }
  FetchPullsPage(self, pw, PullsPath(project.full_name), 0);
}

}  // namespace ghharvest::harvest
