// Commits by comparison (commits_compare.hpp): the pages of one compare, each stored in its
// own transaction, then the base and the commits watermark.
#include "harvest/commits_compare.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ghharvest/github/parse.hpp"
#include "ghharvest/store/ingest.hpp"
#include "ghharvest/store/list_pages.hpp"
#include "ghharvest/util/log.hpp"
#include "harvest/plan.hpp"

namespace ghharvest::harvest {
namespace {

using github::ApiResponse;
using Cycle = std::shared_ptr<CycleCore>;

constexpr const char* kStatsEndpoint = "compare";  // stats and sync_errors

struct CompareWalk {
  Project project;
  std::string scope;  // the repository's: its errors, progress and sync_state rows
  CompareBase base;
  // The repository's commits list is read whole: its watermark follows the comparison. Read
  // per writer, each writer's list keeps its own and the repository's is left alone.
  bool whole_list = true;
  bool rewritten = false;  // a page said the base is off the branch (behind_by > 0)
  int pages = 0;
  std::optional<std::string> newest;  // newest commit date stored, held to GitHub's clock
  // The head the first page named (ComparisonPage::head_sha): the later pages are asked to
  // it, not to the branch, which may be pushed to (or force-pushed) between two pages.
  std::string pinned;
  std::string head;  // without one: the last commit of the last page
  // Finishing a comparison cut short to the head it was made to: what was pushed since is
  // compared for once it ends (from that head, so a force-push in between shows).
  bool resumed = false;
};
using Walk = std::shared_ptr<CompareWalk>;

// The base moves to `sha`. It may have been a base before, in a history since rewritten (a
// reset, then the old head pushed back): validators of the comparison from it would answer
// 304 for commits no longer stored. A new base's comparison has none, so this costs nothing
// otherwise. Inside a transaction it is part of it (the cache is the store's).
Status ForgetComparisonFrom(CycleCore& self, const Project& project, const std::string& sha) {
  return self.h_.client_.Forget(ComparePath(project.full_name, sha, project.default_branch));
}

void FetchComparePage(const Cycle& self, const Walk& w, const std::string& url);

// One page: its commits upserted and, on the first page of a comparison of several, the base
// marked "reading" (with the head that page named) in the same transaction, so that a process
// killed before the last page finishes the comparison to that head, or without one asks for
// the first page again unconditionally (its validators would answer 304 and hide the pages
// never stored).
Status StoreComparePage(const Cycle& self, const Walk& w, ApiResponse& r) {
  auto page = github::ParseComparison(r.body);
  if (!page.ok()) return page.status();
  const bool first = w->pages == 0;
  if (first && w->pinned.empty()) w->pinned = page->head_sha;
  // Any page: without a pinned head, a rewrite between two pages of one comparison shows on
  // the page after it (with one, in the next comparison, from that head).
  if (page->behind_by > 0 || page->status == "diverged" || page->status == "behind") {
    // The base is no longer on the branch: nothing more of this answer is stored.
    w->rewritten = true;
    return Status::Ok();
  }
  std::optional<std::string> newest;
  for (const auto& c : page->commits) {
    if (!c.committed_at.empty()) newest = LaterOf(newest, c.committed_at);
  }
  w->newest = LaterOf(w->newest, HeldToServerTime(newest, r.server_time));
  auto& ingest = self->h_.ingest_;
  Status s;
  self->InTransaction([&]() -> Status {
    s = ingest.UpsertCommits(w->project.id, page->commits);
    if (s.ok() && first && r.next_url && (!w->base.reading || w->base.head != w->pinned)) {
      s = ingest.SetWatermark(kCompareEndpoint, w->scope, std::nullopt,
                              CompareCursor({w->base.sha, true, true, w->pinned}));
    }
    return s;
  });
  if (!self->fatal_.ok()) return self->fatal_;
  ++w->pages;
  if (!page->commits.empty()) w->head = page->commits.back().sha;
  self->CountStoredPage(kStatsEndpoint, static_cast<std::int64_t>(page->commits.size()));
  return Status::Ok();
}

// The whole comparison is stored: the base moves to the head whenever the comparison listed
// a commit (the new URL costs a point once, then answers 304). Every stored commit is then an
// ancestor of the base, so any rewrite that takes one off the branch takes the base off too
// and the next comparison shows it (behind or diverged); a base kept while commits after it
// were stored would not see them amended or reset away. The commits watermark follows the
// dates, so that a read of the list starts near where the comparison ended.
void EndCompare(const Cycle& self, const Walk& w) {
  auto& ingest = self->h_.ingest_;
  CompareBase next;
  next.sha = w->base.sha;
  if (!w->pinned.empty()) {
    next.sha = w->pinned;
  } else if (!w->head.empty()) {
    next.sha = w->head;
  }
  next.due = w->resumed;
  if (next.sha != w->base.sha) (void)ForgetComparisonFrom(*self, w->project, next.sha);
  // The repository's commits watermark follows the dates when the list is read whole.
  bool move_watermark = false;
  std::optional<std::string> watermark;
  if (w->whole_list) {
    auto mark = ingest.GetWatermark(ListEndpoint(ListKind::kCommits), w->scope);
    if (!mark.ok()) return self->Abort(mark.status());
    const std::optional<std::string> stored = *mark ? (*mark)->watermark : std::nullopt;
    watermark = stored;
    if (w->newest) {
      watermark = LaterOf(watermark, NextWatermark(ListKind::kCommits, *w->newest, self->rule_));
    }
    move_watermark = !*mark || watermark != stored;
  }
  if (!self->InTransaction([&]() -> Status {
        if (auto s =
                ingest.SetWatermark(kCompareEndpoint, w->scope, std::nullopt, CompareCursor(next));
            !s.ok() || !move_watermark) {
          return s;
        }
        return ingest.SetWatermark(ListEndpoint(ListKind::kCommits), w->scope, watermark,
                                   std::nullopt);
      })) {
    return;
  }
  if (w->resumed) StartCompare(self, w->project, w->whole_list);
}

// A read of the default branch's whole commits list after a history rewrite: every page
// asked for unconditionally (validators of an earlier read would answer 304 and name no
// sha), each stored in its own transaction, the shas held here. When the last page is
// stored, every stored commit it did not list is buried (commit_tombstones) and the first
// commit listed, the branch's head, is the new base, in one transaction. Until then the
// base reads kRewrittenCursor, so a read cut short (a failure, a killed process) starts
// again next cycle.
struct RewriteRead {
  Project project;
  std::string scope;
  std::vector<std::string> shas;  // every commit listed so far
  std::string head;               // the first commit of the first page
  int pages = 0;
};

void FetchRewritePage(const Cycle& self, const std::shared_ptr<RewriteRead>& rw,
                      const std::string& url);

void EndRewriteRead(const Cycle& self, const std::shared_ptr<RewriteRead>& rw) {
  if (!rw->head.empty()) (void)ForgetComparisonFrom(*self, rw->project, rw->head);
  std::int64_t buried = 0;
  if (!self->InTransaction([&]() -> Status {
        auto n = self->h_.pages_.BuryCommitsNotListed(rw->project.id, rw->shas, self->NowIso());
        if (!n.ok()) return n.status();
        buried = *n;
        // An empty branch (409) names no head: the repository reads as empty.
        const std::string cursor = rw->head.empty() ? CompareCursor(CompareBase{}) : rw->head;
        auto& ingest = self->h_.ingest_;
        if (auto s = ingest.SetWatermark(kCompareEndpoint, rw->scope, std::nullopt, cursor);
            !s.ok()) {
          return s;
        }
        // Writers' lists read from a commit this read may have buried: from the head now
        // (this read stored everything of the branch up to it).
        auto from = ingest.GetWatermark(kWriterCommitsFromEndpoint, rw->scope);
        if (!from.ok()) return from.status();
        if (!*from) return Status::Ok();
        return ingest.SetWatermark(
            kWriterCommitsFromEndpoint, rw->scope, std::nullopt,
            rw->head.empty() ? std::nullopt : std::optional<std::string>(rw->head));
      })) {
    return;
  }
  self->stats_.items_deleted += buried;
  log::Notice("commits: branch read whole after a rewrite repo={} pages={} listed={} buried={}",
              rw->project.full_name, rw->pages, rw->shas.size(), buried);
}

void FetchRewritePage(const Cycle& self, const std::shared_ptr<RewriteRead>& rw,
                      const std::string& url) {
  const std::string endpoint = ListEndpoint(ListKind::kCommits);
  auto read = [self, rw, url, endpoint] {
    self->FetchPage(
        endpoint, rw->scope, url, 409,  // 409: the branch holds nothing any more
        [self, rw, endpoint](ApiResponse& r) -> Status {
          auto page = github::ParseCommitList(r.body);
          if (!page.ok()) return page.status();
          Status s;
          self->InTransaction(
              [&] { return s = self->h_.ingest_.UpsertCommits(rw->project.id, *page); });
          if (!self->fatal_.ok()) return self->fatal_;
          if (!s.ok()) return s;
          if (rw->pages == 0 && !page->empty()) rw->head = page->front().sha;
          for (const auto& c : *page) rw->shas.push_back(c.sha);
          ++rw->pages;
          self->CountStoredPage(endpoint, static_cast<std::int64_t>(page->size()));
          return Status::Ok();
        },
        [self, rw](Outcome outcome, ApiResponse* r) {
          switch (outcome) {
            case Outcome::kStored:
              if (r->next_url) return FetchRewritePage(self, rw, *r->next_url);
              return EndRewriteRead(self, rw);
            case Outcome::kGone:
              if (r->status == 409 && rw->pages == 0) return EndRewriteRead(self, rw);
              ++self->stats_.scopes_failed;
              self->RecordError(rw->scope, r->url, fmt::format("commits: HTTP {}", r->status));
              return;
            case Outcome::kUnchanged:  // asked unconditionally: not an answer to trust
              ++self->stats_.scopes_failed;
              self->RecordError(rw->scope, r->url, "commits: 304 on a page asked unconditionally");
              return;
            case Outcome::kFailed:
              ++self->stats_.scopes_failed;
              return;
          }
        },
        "commits (rewritten history): ");
  };
  self->PostForget(url);
  self->Later(read, rw->scope);
}

void RunRewriteRead(const Cycle& self, const Project& project) {
  auto rw = std::make_shared<RewriteRead>();
  rw->project = project;
  rw->scope = RepoScope(project.full_name);
  FetchRewritePage(self, rw, BranchCommitsPath(project.full_name, project.default_branch));
}

// Marks the rewrite (kRewrittenCursor) before anything is read, then reads the branch whole.
void StartRewriteRead(const Cycle& self, const Project& project) {
  if (!self->InTransaction([&] {
        return self->h_.ingest_.SetWatermark(kCompareEndpoint, RepoScope(project.full_name),
                                             std::nullopt, std::string(kRewrittenCursor));
      })) {
    return;
  }
  RunRewriteRead(self, project);
}

// The default branch's history was rewritten (a force-push, or another default branch): the
// base is off the branch (the comparison is behind or diverged) or unknown to GitHub (404 or
// 422: the old commit is gone). What the store holds may no longer be on the branch at all.
void HistoryRewritten(const Cycle& self, const Walk& w, const ApiResponse& r) {
  log::Notice(
      "commits: history rewritten, the branch is read whole repo={} base={} status={} "
      "branch={}",
      w->project.full_name, w->base.sha, r.status, w->project.default_branch);
  self->PostForget(r.url);
  StartRewriteRead(self, w->project);
}

// The comparison answered 304: the branch did not move since it was last read.
void NothingPushed(const Cycle& self, const Walk& w) {
  self->InTransaction([&] {
    return self->h_.ingest_.SetWatermark(kCompareEndpoint, w->scope, std::nullopt,
                                         w->base.sha);  // not due: the plain sha
  });
}

// Asks for a page of a comparison with a body. A page a comparison reads after its first is a
// new URL but when a history is back that a rewrite read buried (a reset, then the old head
// pushed back): its validators, from before, would answer 304 for commits no longer stored.
// Without a pinned head, a 304 on validators of a read cut short would leave its commits and
// the head unread.
void FetchComparePageWithBody(const Cycle& self, const Walk& w, const std::string& url) {
  self->PostForget(url);
  self->Later([self, w, url] { FetchComparePage(self, w, url); }, w->scope);
}

// The page after one: to the pinned head when the first page named one. Otherwise (no head
// named, or links of an unknown shape) as GitHub linked it.
void FetchNextComparePage(const Cycle& self, const Walk& w, const std::string& next_url) {
  std::string url = next_url;
  if (!w->pinned.empty()) {
    if (auto page = PageNumberOf(next_url)) {
      url = PinnedComparePath(w->project.full_name, w->base.sha, w->pinned, *page);
    }
  }
  FetchComparePageWithBody(self, w, url);
}

void FetchComparePage(const Cycle& self, const Walk& w, const std::string& url) {
  // 422: GitHub's answer for a comparison it cannot make; 404: a base it does not know.
  self->FetchPage(
      kStatsEndpoint, w->scope, url, 422,
      [self, w](ApiResponse& r) { return StoreComparePage(self, w, r); },
      [self, w](Outcome outcome, ApiResponse* r) {
        switch (outcome) {
          case Outcome::kStored:
            if (w->rewritten) return HistoryRewritten(self, w, *r);
            if (r->next_url) return FetchNextComparePage(self, w, *r->next_url);
            return EndCompare(self, w);
          case Outcome::kUnchanged:
            // The first page to the branch unchanged: nothing was pushed to it (its body names
            // the head and the count). A later page (asked with a body, so only from a
            // server that ignores that): its commits as they were stored.
            if (w->pages == 0 && w->pinned.empty()) return NothingPushed(self, w);
            ++w->pages;
            if (r->next_url) return FetchNextComparePage(self, w, *r->next_url);
            return EndCompare(self, w);
          case Outcome::kGone:
            if (w->pages == 0) return HistoryRewritten(self, w, *r);
            ++self->stats_.scopes_failed;
            self->RecordError(w->scope, r->url, fmt::format("compare: HTTP {}", r->status));
            return;
          case Outcome::kFailed:
            ++self->stats_.scopes_failed;
            return;
        }
      },
      "compare: ");
}

}  // namespace

bool StartCompare(const std::shared_ptr<CycleCore>& self, const Project& project, bool whole_list) {
  if (project.default_branch.empty()) return false;
  const std::string scope = RepoScope(project.full_name);
  auto row = self->h_.ingest_.GetWatermark(kCompareEndpoint, scope);
  if (!row.ok()) {
    self->Abort(row.status());
    return true;
  }
  if (!*row) return false;
  // A whole read after a rewrite was cut short: it starts again, whatever the repository says.
  if ((*row)->cursor == kRewrittenCursor) {
    RunRewriteRead(self, project);
    return true;
  }
  auto base = CompareBaseOf((*row)->cursor);
  if (!base) return false;
  // The repository answered 304 and nothing was left to read: nothing was pushed.
  if (!base->due) return true;
  // An empty repository's GET answered 200 since: its list (or head) is asked again.
  if (base->empty_repository()) return false;
  auto w = std::make_shared<CompareWalk>();
  w->project = project;
  w->scope = scope;
  w->base = *base;
  w->whole_list = whole_list;
  if (base->reading && !base->head.empty()) {
    // A comparison of several pages was cut short: it is finished to the head it was made to.
    w->pinned = base->head;
    w->resumed = true;
    FetchComparePageWithBody(self, w,
                             PinnedComparePath(project.full_name, base->sha, base->head, 1));
    return true;
  }
  const std::string url = ComparePath(project.full_name, base->sha, project.default_branch);
  if (base->reading) {
    // A comparison of several pages was cut short: its first page is asked for anew.
    self->PostForget(url);
    self->Later([self, w, url] { FetchComparePage(self, w, url); }, scope);
    return true;
  }
  FetchComparePage(self, w, url);
  return true;
}

Status MarkComparisonDue(CycleCore& self, const std::string& full_name) {
  auto& ingest = self.h_.ingest_;
  const std::string scope = RepoScope(full_name);
  auto row = ingest.GetWatermark(kCompareEndpoint, scope);
  if (!row.ok()) return row.status();
  if (!*row) return Status::Ok();
  auto base = CompareBaseOf((*row)->cursor);
  if (!base || base->due) return Status::Ok();
  base->due = true;
  return ingest.SetWatermark(kCompareEndpoint, scope, std::nullopt, CompareCursor(*base));
}

Status RecordCompareBase(CycleCore& self, const Project& project, const std::string& sha) {
  if (project.default_branch.empty() || !CompareBaseOf(sha)) return Status::Ok();
  auto& ingest = self.h_.ingest_;
  const std::string scope = RepoScope(project.full_name);
  auto row = ingest.GetWatermark(kCompareEndpoint, scope);
  if (!row.ok()) return row.status();
  if (*row) {
    // A pending rewrite read is not to be forgotten: only its completion names a base.
    if ((*row)->cursor == kRewrittenCursor) return Status::Ok();
    auto stored = CompareBaseOf((*row)->cursor);
    if (stored && !stored->empty_repository()) return Status::Ok();
  }
  if (auto s = ForgetComparisonFrom(self, project, sha); !s.ok()) return s;
  return ingest.SetWatermark(kCompareEndpoint, scope, std::nullopt, sha);
}

void RecordEmptyRepository(const std::shared_ptr<CycleCore>& self, const Project& project) {
  if (project.default_branch.empty()) return;  // StartCompare would never look at it
  log::Info("commits: repository empty (409), asked again once it changes repo={}",
            project.full_name);
  self->InTransaction([&] {
    return self->h_.ingest_.SetWatermark(kCompareEndpoint, RepoScope(project.full_name),
                                         std::nullopt, CompareCursor(CompareBase{}));
  });
}

void StartHeadRead(const std::shared_ptr<CycleCore>& self, const Project& project,
                   std::function<void()> then) {
  if (project.default_branch.empty()) return;
  const std::string scope = RepoScope(project.full_name);
  const std::string url = HeadCommitPath(project.full_name);
  auto read = [self, project, scope, url, then] {
    self->FetchPage(
        kStatsEndpoint, scope, url, 409,  // 409: no commits at all, nothing to compare from
        [self, project](ApiResponse& r) -> Status {
          auto head = github::ParseCommitList(r.body);
          if (!head.ok()) return head.status();
          if (head->empty()) return Status::Ok();
          ++self->stats_.per_endpoint[kStatsEndpoint].pages;
          ++self->stats_.pages;
          Status s;
          self->InTransaction(
              [&] { return s = RecordCompareBase(*self, project, head->front().sha); });
          return self->fatal_.ok() ? s : self->fatal_;
        },
        [self, project, then](Outcome outcome, ApiResponse* r) {
          if (outcome == Outcome::kFailed) ++self->stats_.scopes_failed;
          if (outcome == Outcome::kGone && r->status == 409) RecordEmptyRepository(self, project);
          if (outcome == Outcome::kStored && then) then();
        },
        "commits head: ");
  };
  // Asked for with a body: a 304 on validators of an earlier head names no commit.
  self->PostForget(url);
  self->Later(read, scope);
}

}  // namespace ghharvest::harvest
