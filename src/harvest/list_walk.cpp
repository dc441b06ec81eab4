// The list walk (list_walk.hpp): pages, passes, revalidation blocks and tombstones, the same
// for every list; the traits table below is all that differs between them.
#include "harvest/list_walk.hpp"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ghharvest/config/config.hpp"
#include "ghharvest/github/parse.hpp"
#include "ghharvest/harvest/progress.hpp"
#include "ghharvest/store/ingest.hpp"
#include "ghharvest/store/list_pages.hpp"
#include "ghharvest/util/log.hpp"
#include "ghharvest/util/names.hpp"
#include "harvest/commits_compare.hpp"

namespace ghharvest::harvest {
namespace {

using github::ApiResponse;

// One page of a list as its parser read it: what the walk needs from it, and how its rows
// are stored (inside the page's transaction).
struct ParsedPage {
  std::size_t n = 0;                  // records on the page
  std::optional<std::string> newest;  // newest timestamp (commit date or updated_at)
  std::optional<std::string> oldest;  // oldest commit date (commits)
  bool dates_descend = true;          // commits: no commit dated after the one above it
  std::string first_sha;              // commits: the first listed (the newest)
  std::vector<std::int64_t> ids;      // item ids in list order (creation-ordered lists)
  std::vector<std::string> authors;   // each item's author login ("": none), for the planner
  std::function<Status(store::Ingest&, std::int64_t repo_id)> upsert;
};

// What differs between the lists. The endpoint name and the order a list is read in are
// plan.hpp's (ListEndpoint, InCreationOrder), which the unit tests pin.
struct ListTraits {
  store::ItemTable table;  // the rows a creation-ordered list's pages speak for (tombstones)
  int empty_status;        // a 4xx that means "nothing to read", 0: none
  Result<ParsedPage> (*parse)(const std::string& body);
};

Result<ParsedPage> ParseCommits(const std::string& body) {
  auto v = github::ParseCommitList(body);
  if (!v.ok()) return v.status();
  ParsedPage p;
  const std::string* above = nullptr;
  for (const auto& c : *v) {
    p.newest = LaterOf(p.newest, c.committed_at);
    if (!c.committed_at.empty() && (!p.oldest || c.committed_at < *p.oldest)) {
      p.oldest = c.committed_at;
    }
    if (!c.committed_at.empty()) {
      if (above && *above < c.committed_at) p.dates_descend = false;
      above = &c.committed_at;
    }
    p.authors.push_back(c.author ? c.author->login : std::string());
  }
  p.n = v->size();
  if (!v->empty()) p.first_sha = v->front().sha;
  p.upsert = [rows = std::move(*v)](store::Ingest& in, std::int64_t repo) {
    return in.UpsertCommits(repo, rows);
  };
  return p;
}

Result<ParsedPage> ParseIssues(const std::string& body) {
  auto v = github::ParseIssueList(body);
  if (!v.ok()) return v.status();
  ParsedPage p;
  for (const auto& i : *v) {
    p.newest = LaterOf(p.newest, i.updated_at);
    p.ids.push_back(i.id);
    p.authors.push_back(i.user ? i.user->login : std::string());
  }
  p.n = v->size();
  p.upsert = [rows = std::move(*v)](store::Ingest& in, std::int64_t repo) {
    return in.UpsertIssues(repo, rows);
  };
  return p;
}

template <auto Parse, auto Upsert>
Result<ParsedPage> ParseComments(const std::string& body) {
  auto v = Parse(body);
  if (!v.ok()) return v.status();
  ParsedPage p;
  for (const auto& c : *v) {
    p.newest = LaterOf(p.newest, c.updated_at);
    p.ids.push_back(c.id);
  }
  p.n = v->size();
  p.upsert = [rows = std::move(*v)](store::Ingest& in, std::int64_t repo) {
    return (in.*Upsert)(repo, rows);
  };
  return p;
}

const ListTraits& TraitsOf(ListKind kind) {
  // 409: a repository with no commits at all; nothing to read.
  static const ListTraits kCommits{store::ItemTable::kIssues, 409, &ParseCommits};
  static const ListTraits kIssues{store::ItemTable::kIssues, 0, &ParseIssues};
  static const ListTraits kIssueComments{
      store::ItemTable::kIssueComments, 0,
      &ParseComments<&github::ParseIssueCommentList, &store::Ingest::UpsertIssueComments>};
  static const ListTraits kReviewComments{
      store::ItemTable::kReviewComments, 0,
      &ParseComments<&github::ParseReviewCommentList, &store::Ingest::UpsertReviewComments>};
  switch (kind) {
    case ListKind::kCommits:
      return kCommits;
    case ListKind::kIssues:
      return kIssues;
    case ListKind::kIssueComments:
      return kIssueComments;
    case ListKind::kReviewComments:
      break;
  }
  return kReviewComments;
}

// Where a creation-ordered list's revalidation sweep starts next cycle (sync_state).
std::string SweepEndpoint(ListKind kind) { return std::string("sweep_") + ListEndpoint(kind); }

// How a repository's list is read (sync_state, repository scope; cursor kPerWriter when it is
// read per writer, kWhole when a kept plan was turned off). `ghharvest status` shows these.
std::string PlanEndpoint(ListKind kind) { return std::string(kPlanPrefix) + ListEndpoint(kind); }
constexpr std::string_view kPerWriter = "per-writer";
constexpr std::string_view kWhole = "whole";

// One list of a repository walked page by page.
struct ListWalk {
  ListKind kind;
  Project project;
  std::string scope;   // the repository's: its errors, and when it is done (progress)
  std::string author;  // a per-writer part of the list: the writer's login; "": the whole list
  std::string from;    // a writer's commits: the commit listed from (kWriterCommitsFromEndpoint)
  bool from_moved = false;  // a whole read after a rewrite moved it: nothing more is stored
  std::string key;          // the scope of this list's pages, watermark and sweep in the store
  // The first page of a whole list: how many of its items the project's writers wrote.
  std::size_t first_own = 0, first_items = 0;
  std::optional<std::string> w_start;  // `since` of the current pass
  std::optional<std::string> w_cur;    // the watermark as stored
  std::optional<std::string> newest;   // newest timestamp seen in this pass
  int pages = 0;
  bool multi = false;  // the pass had more than one page
  // Commits: this cycle first asks for a past pass's first page again (plan.hpp's ProbeCursor),
  // that pass's `since`, and the oldest commit date on the page the probe got.
  bool probing = false;
  std::optional<std::string> probe_since, probe_oldest;
  bool probe_dates_descend = true;  // the probe's page lists its commits newest date first
  std::string first_sha;  // commits: the first commit of this pass's (or probe's) first page
  // Creation-ordered lists: where the previous page of this walk ended (list_pages).
  bool prev_known = false;
  std::optional<std::int64_t> prev_last;
  bool full = false;  // the page just stored held a whole page of items
  // Under harvest.revalidate_pages_per_list: the blocks of pages this cycle reads.
  std::vector<Block> blocks;
  std::size_t block = 0;
  std::string page2;            // page 2's URL as GitHub gave it (page 1's rel="next")
  std::int64_t next_sweep = 0;  // stored when the walk completes
};

using Cycle = std::shared_ptr<CycleCore>;
using Walk = std::shared_ptr<ListWalk>;

void BeginPass(const Cycle& self, const Walk& w);
void BeginProbe(const Cycle& self, const Walk& w);
void EndProbe(const Cycle& self, const Walk& w, const ApiResponse& r);
void FetchListPage(const Cycle& self, const Walk& w, const std::string& url);
Status StoreListPage(const Cycle& self, const Walk& w, ApiResponse& r);
bool UnchangedPage(const Cycle& self, const Walk& w, bool* last_page);
void NextPage(const Cycle& self, const Walk& w, const std::optional<std::string>& next);
void EndPass(const Cycle& self, const Walk& w);

// A read of a repository's whole commits list that holds every commit since its watermark:
// later cycles read what is pushed by comparison from its newest commit (commits_compare.hpp).
// A pass whose first page answered 304 names none, and the list is read so again.
void EndCommitsRead(const Cycle& self, const Walk& w) {
  if (w->kind != ListKind::kCommits || !w->author.empty()) return;
  if (auto s = RecordCompareBase(*self, w->project, w->first_sha); !s.ok()) self->Abort(s);
}

// The first page of this walk's list `since` a time (none: the list from its start).
std::string FirstPagePath(const Walk& w, const std::optional<std::string>& since) {
  return w->author.empty()
             ? ListPath(w->kind, w->project.full_name, since)
             : WriterListPath(w->kind, w->project.full_name, w->author, since, w->from);
}

void BeginPass(const Cycle& self, const Walk& w) {
  w->w_start = w->w_cur;
  w->pages = 0;
  w->multi = false;
  w->newest.reset();
  w->first_sha.clear();
  w->prev_known = false;
  w->prev_last.reset();
  FetchListPage(self, w, FirstPagePath(w, w->w_start));
}

void BeginProbe(const Cycle& self, const Walk& w) {
  w->probing = true;
  w->w_start = w->w_cur;  // the walk's end moves no watermark unless EndProbe does
  w->pages = 0;
  w->multi = false;
  w->newest.reset();
  FetchListPage(self, w, FirstPagePath(w, w->probe_since));
}

// A probe answered 200 (its page is stored). When the page holds every commit since the
// watermark, the probe stays (the client keeps the page's new validators once this returns)
// and the watermark moves on to what the page showed. Otherwise more came than a page
// holds: the probe is dropped before anything else, so a process killed from here on reads
// from the watermark next time, and the list is read from the watermark now.
void EndProbe(const Cycle& self, const Walk& w, const ApiResponse& r) {
  auto& ingest = self->h_.ingest_;
  const std::string endpoint = ListEndpoint(w->kind);
  if (ProbeCovers(!r.next_url, w->probe_oldest, w->probe_dates_descend, w->w_cur)) {
    std::optional<std::string> next = w->w_cur;
    if (w->newest) next = LaterOf(w->w_cur, NextWatermark(w->kind, *w->newest, self->rule_));
    if (auto s = ingest.SetWatermark(endpoint, w->key, next, ProbeCursor(w->probe_since));
        !s.ok()) {
      return self->Abort(s);
    }
    return EndCommitsRead(self, w);
  }
  if (auto s = ingest.SetWatermark(endpoint, w->key, w->w_cur, std::nullopt); !s.ok()) {
    return self->Abort(s);
  }
  w->probing = false;
  BeginPass(self, w);
}

// Under harvest.per_writer_above_pages: a whole list whose first page shows it long and the
// watched writers' share of it small is read per writer from now on (the plan is kept, so
// later cycles start that way). True when the whole walk stops here for that.
bool SwitchToPerWriter(const Cycle& self, const Walk& w, const ApiResponse& r);
void StartWriterWalks(const Cycle& self, ListKind kind, const Project& project);

// The 4xx that means "nothing to read" for this walk. GitHub answers a per-writer issues
// list of a login it does not know (an account deleted or renamed) with 422: that writer
// has nothing there to read.
int EmptyStatus(const Walk& w) {
  if (!w->author.empty() && w->kind == ListKind::kIssues) return 422;
  return TraitsOf(w->kind).empty_status;
}

void FetchListPage(const Cycle& self, const Walk& w, const std::string& url) {
  self->FetchPage(
      ListEndpoint(w->kind), w->scope, url, EmptyStatus(w),
      [self, w](ApiResponse& r) {
        ++w->pages;
        if (r.next_url) w->multi = true;
        Status s = StoreListPage(self, w, r);
        if (!s.ok()) --w->pages;
        return s;
      },
      [self, w, url](Outcome outcome, ApiResponse* r) {
        switch (outcome) {
          case Outcome::kStored:
            if (w->from_moved) {
              log::Info(
                  "commits: list read from a commit a rewrite moved, left for next cycle "
                  "scope={}",
                  w->key);
              return;
            }
            if (w->probing) return EndProbe(self, w, *r);
            if (SwitchToPerWriter(self, w, *r)) return;
            // A full page without rel="next" is asked past once, now: the page after it then
            // has validators, so the next cycle learns for free whether the list grew.
            if (!r->next_url && w->full) return NextPage(self, w, PageAfter(url, w->pages));
            return NextPage(self, w, r->next_url);
          case Outcome::kUnchanged: {
            if (w->probing) return;  // no commit since the probed pass: nothing to do
            ++w->pages;
            if (r->next_url) w->multi = true;
            bool last = !r->next_url;
            if (InCreationOrder(w->kind) && !UnchangedPage(self, w, &last)) return;
            // A full last page that answers 304 may no longer be the last: the item after it
            // goes on a new page and leaves this one's body (and ETag) as it was.
            if (!r->next_url && !last) return NextPage(self, w, PageAfter(url, w->pages));
            return NextPage(self, w, r->next_url);
          }
          case Outcome::kGone:
            if (r->status == EmptyStatus(w)) {
              if (w->kind == ListKind::kCommits && w->author.empty()) {
                RecordEmptyRepository(self, w->project);
                if (!self->fatal_.ok()) return;
              }
              return EndPass(self, w);
            }
            ++self->stats_.scopes_failed;
            self->RecordError(w->scope, url, fmt::format("HTTP {}", r->status));
            return;
          case Outcome::kFailed:
            ++self->stats_.scopes_failed;
            return;
        }
      });
}

// Parses and stores one page with, for lists read in creation order, where it ends
// (list_pages) and the tombstones of what it no longer lists. Commits carry a watermark
// instead, which moves only at the end of a pass (their list is newest first, see EndPass).
Status StoreListPage(const Cycle& self, const Walk& w, ApiResponse& r) {
  const std::string endpoint = ListEndpoint(w->kind);
  const ListTraits& traits = TraitsOf(w->kind);
  const bool ordered = InCreationOrder(w->kind);
  auto parsed = traits.parse(r.body);
  if (!parsed.ok()) return parsed.status();
  ParsedPage& page = *parsed;
  w->full = ordered && static_cast<std::int64_t>(page.ids.size()) >= kListPageSize;
  std::optional<std::string> page_newest = page.newest;
  if (page_newest && page_newest->empty()) page_newest.reset();
  // What a commits watermark takes from a page is held to GitHub's clock (plan.hpp).
  if (!ordered) page_newest = HeldToServerTime(page_newest, r.server_time);
  const std::vector<std::int64_t>& ids = page.ids;
  const bool last_page = !r.next_url;
  const auto page_no = static_cast<std::int64_t>(w->pages);
  Stretch stretch;
  if (ordered) stretch = PageStretch(page_no, w->prev_known, w->prev_last, ids, last_page);
  std::optional<std::int64_t> page_last;
  for (auto id : ids) page_last = page_last ? std::max(*page_last, id) : id;
  Status s;
  std::int64_t buried = 0;
  self->InTransaction([&]() -> Status {
    if (!w->from.empty()) {
      // A whole read of the branch after a rewrite, in this cycle, may have buried the
      // history this list is read from, and moved the commit the lists start at: stored
      // now, its commits would count again. The next cycle reads from the new commit.
      auto from = self->h_.ingest_.GetWatermark(kWriterCommitsFromEndpoint, w->scope);
      if (!from.ok()) return s = from.status();
      if (!*from || (*from)->cursor != w->from) {
        w->from_moved = true;
        return s = Status::Ok();
      }
    }
    s = page.upsert(self->h_.ingest_, w->project.id);
    if (!s.ok() || !ordered) return s;
    auto& pages = self->h_.pages_;
    if (ids.empty() && page_no > 1 && !w->prev_known) {
      // A page asked for by number past the end (the list got shorter since): where it
      // ends is not known from here. Forgetting this page and those after it makes the next
      // cycle's newest pages start earlier, where the list really ends.
      return s = pages.DropAfter(endpoint, w->key, page_no - 1);
    }
    // What GitHub no longer lists in the stretch this page speaks for was deleted.
    if (stretch.check) {
      auto n = pages.TombstoneMissing(traits.table, w->project.id, stretch.lower, stretch.upper,
                                      ids, self->NowIso(), w->author);
      if (!n.ok()) return s = n.status();
      buried = *n;
    }
    s = pages.Set(endpoint, w->key, page_no, store::PageEnd{page_last}, self->NowIso());
    if (s.ok() && last_page) s = pages.DropAfter(endpoint, w->key, page_no);
    return s;
  });
  if (!self->fatal_.ok()) return self->fatal_;
  if (w->from_moved) return s;
  w->prev_known = true;
  if (page_last) w->prev_last = page_last;
  if (page_no == 1 && w->author.empty()) {
    w->first_items = page.authors.size();
    w->first_own = 0;
    for (const auto& a : page.authors) {
      for (const auto& writer : w->project.writers) {
        if (!a.empty() && AsciiLower(a) == AsciiLower(writer)) {
          ++w->first_own;
          break;
        }
      }
    }
  }
  if (buried > 0) {
    self->stats_.items_deleted += buried;
    log::Info("items gone from GitHub, tombstoned list={} scope={} page={} count={}", endpoint,
              w->key, page_no, buried);
  }
  if (!ordered) w->newest = LaterOf(w->newest, page_newest);
  if (page_no == 1) w->first_sha = page.first_sha;
  if (w->probing) {
    w->probe_oldest = page.oldest;
    w->probe_dates_descend = page.dates_descend;
  }
  self->CountStoredPage(endpoint, static_cast<std::int64_t>(page.n));
  return Status::Ok();
}

// A 304 on a creation-ordered list: the page holds what it held, so it ends where it ended
// (list_pages). When it is the last page, whatever the store holds after it is gone from
// GitHub (the list got shorter). False when the cycle stopped.
bool UnchangedPage(const Cycle& self, const Walk& w, bool* last_page) {
  const std::string endpoint = ListEndpoint(w->kind);
  const store::ItemTable table = TraitsOf(w->kind).table;
  const auto page_no = static_cast<std::int64_t>(w->pages);
  auto& pages = self->h_.pages_;
  auto end = pages.Get(endpoint, w->key, page_no);
  if (!end.ok()) {
    self->Abort(end.status());
    return false;
  }
  if (!*end) {
    // Never recorded (a database from before list_pages): the next page cannot know where
    // it starts, and nothing after it can be judged gone.
    w->prev_known = false;
    return true;
  }
  if (*last_page && (*end)->last_id && (page_no == 1 || w->prev_known)) {
    // Whether the page was full when read: the stored items of its stretch.
    auto held = pages.CountStretch(table, w->project.id, page_no == 1 ? std::nullopt : w->prev_last,
                                   (*end)->last_id, w->author);
    if (!held.ok()) {
      self->Abort(held.status());
      return false;
    }
    if (*held >= kListPageSize) *last_page = false;
  }
  if ((*end)->last_id) {
    w->prev_known = true;
    w->prev_last = (*end)->last_id;
  } else if (page_no == 1) {
    w->prev_known = true;  // an empty list: everything the store holds is gone
    w->prev_last.reset();
  } else if (!w->prev_known) {
    return true;  // an empty page after a gap: where the list ends is not known here
  }
  if (!*last_page) return true;
  auto any = pages.AnyAfter(table, w->project.id, w->prev_last, w->author);
  if (!any.ok()) {
    self->Abort(any.status());
    return false;
  }
  if (!*any) return true;
  std::int64_t buried = 0;
  bool ok = self->InTransaction([&]() -> Status {
    auto n = pages.TombstoneMissing(table, w->project.id, w->prev_last, std::nullopt, {},
                                    self->NowIso(), w->author);
    if (!n.ok()) return n.status();
    buried = *n;
    return pages.DropAfter(endpoint, w->key, page_no);
  });
  if (ok && buried > 0) {
    self->stats_.items_deleted += buried;
    log::Info("items gone from GitHub, tombstoned list={} scope={} after page={} count={}",
              endpoint, w->key, page_no, buried);
  }
  return ok;
}

// After a page: the next one by rel="next", or under a revalidation budget the first page
// of the next block (a page read after a gap does not know where its predecessor ended).
void NextPage(const Cycle& self, const Walk& w, const std::optional<std::string>& next) {
  if (w->pages == 1 && next) w->page2 = *next;
  if (!w->blocks.empty() && w->block < w->blocks.size()) {
    const Block& b = w->blocks[w->block];
    if (b.last && w->pages >= *b.last) {
      if (!next) return EndPass(self, w);  // the list ended before the block did
      if (++w->block >= w->blocks.size()) return EndPass(self, w);
      const std::int64_t first = w->blocks[w->block].first;
      auto url = PageUrl(w->page2, first);
      if (!url) {
        w->blocks.clear();  // links of an unknown shape: read on by rel="next"
        return FetchListPage(self, w, *next);
      }
      w->pages = static_cast<int>(first - 1);
      w->prev_known = false;
      w->prev_last.reset();
      return FetchListPage(self, w, *url);
    }
  }
  if (next) return FetchListPage(self, w, *next);
  EndPass(self, w);
}

// End of one pass over a list. Commits come newest first, so their watermark can only move
// once the whole pass is stored. When it moved, the next cycle probes this pass's first
// page (plan.hpp's ProbeCursor), whose validators it holds, so an unchanged world answers
// with a 304 and nothing is read now only to have validators for the new watermark's URL.
void EndPass(const Cycle& self, const Walk& w) {
  auto& ingest = self->h_.ingest_;
  if (!w->blocks.empty() && w->next_sweep > 0) {
    // The walk completed: the sweep moves on (a failed walk repeats its window).
    if (auto s = ingest.SetWatermark(SweepEndpoint(w->kind), w->key, std::nullopt,
                                     std::to_string(w->next_sweep));
        !s.ok()) {
      return self->Abort(s);
    }
    w->next_sweep = 0;
  }
  if (!InCreationOrder(w->kind) && w->multi && w->newest) {
    auto next = LaterOf(w->w_cur, NextWatermark(w->kind, *w->newest, self->rule_));
    if (next != w->w_cur) {
      if (auto s =
              ingest.SetWatermark(ListEndpoint(w->kind), w->key, next, ProbeCursor(w->w_start));
          !s.ok()) {
        return self->Abort(s);
      }
      w->w_cur = next;
    }
  }
  EndCommitsRead(self, w);
}

}  // namespace

namespace {

void StartWalk(const Cycle& self, ListKind kind, const Project& project, const std::string& author,
               const std::string& from = {}) {
  // A repository's whole commits list once read: what is pushed since, by comparison.
  if (kind == ListKind::kCommits && author.empty() && StartCompare(self, project, true)) {
    return;
  }
  auto w = std::make_shared<ListWalk>();
  w->kind = kind;
  w->project = project;
  w->scope = RepoScope(project.full_name);
  w->author = author;
  w->from = from;
  w->key = author.empty() ? w->scope : WriterScope(author, project.full_name);
  auto wm = self->h_.ingest_.GetWatermark(ListEndpoint(kind), w->key);
  if (!wm.ok()) return self->Abort(wm.status());
  if (*wm) w->w_cur = (*wm)->watermark;
  if (!InCreationOrder(kind) && *wm) {
    if (auto probe = ProbeOf((*wm)->cursor)) {
      w->probe_since = *probe;
      return BeginProbe(self, w);
    }
  }
  if (int budget = self->h_.config_.harvest.revalidate_pages_per_list;
      InCreationOrder(kind) && budget > 0) {
    auto known = self->h_.pages_.PageCount(ListEndpoint(kind), w->key);
    if (!known.ok()) return self->Abort(known.status());
    auto sw = self->h_.ingest_.GetWatermark(SweepEndpoint(kind), w->key);
    if (!sw.ok()) return self->Abort(sw.status());
    std::int64_t sweep = 0;
    if (*sw && (*sw)->cursor) sweep = std::atoll((*sw)->cursor->c_str());
    auto plan = PlanRevalidation(*known, budget, sweep);
    w->blocks = std::move(plan.blocks);
    w->next_sweep = plan.next_sweep;
  }
  BeginPass(self, w);
}

// The commit the writers' commits lists are read from (plan.hpp's kWriterCommitsFromEndpoint):
// the one kept, else the comparison's base, kept from now on. "": none known (the head is not
// read yet, the repository is empty, or the branch is being read whole after a rewrite).
// nullopt: the store failed and the cycle is aborted.
std::optional<std::string> WriterCommitsFrom(const Cycle& self, const Project& project) {
  auto& ingest = self->h_.ingest_;
  const std::string scope = RepoScope(project.full_name);
  auto kept = ingest.GetWatermark(kWriterCommitsFromEndpoint, scope);
  if (!kept.ok()) {
    self->Abort(kept.status());
    return std::nullopt;
  }
  if (*kept && (*kept)->cursor && IsCommitSha(*(*kept)->cursor)) return *(*kept)->cursor;
  auto row = ingest.GetWatermark(kCompareEndpoint, scope);
  if (!row.ok()) {
    self->Abort(row.status());
    return std::nullopt;
  }
  if (!*row || (*row)->cursor == kRewrittenCursor) return std::string();
  auto base = CompareBaseOf((*row)->cursor);
  if (!base || base->empty_repository()) return std::string();
  if (!self->InTransaction([&] {
        return ingest.SetWatermark(kWriterCommitsFromEndpoint, scope, std::nullopt, base->sha);
      })) {
    return std::nullopt;
  }
  return base->sha;
}

void StartWriterWalks(const Cycle& self, ListKind kind, const Project& project) {
  auto start = [self, kind, project](const std::string& from) {
    for (const auto& writer : project.writers) StartWalk(self, kind, project, writer, from);
  };
  if (kind != ListKind::kCommits) return start({});
  auto from = WriterCommitsFrom(self, project);
  if (!from) return;
  // A branch GitHub does not name has no comparison: its writers' lists are read from the
  // branch, by `since` alone.
  const bool read_now = !from->empty() || project.default_branch.empty();
  if (read_now) start(*from);
  // `commits?author=&since=` filters on the commit date, so what a writer pushed late with
  // old dates is read by comparison, as for a whole list (commits_compare.hpp). With no
  // commit to read from, a whole read after a rewrite stores all of the branch (the lists
  // are not needed this cycle) or the repository is empty.
  if (StartCompare(self, project, false)) return;
  if (read_now) return StartHeadRead(self, project);
  // No base yet: the lists start from the head this read names, not from the branch, where
  // a commit pushed as a list is asked would be stored past the base and, amended, stay
  // counted.
  StartHeadRead(self, project, [self, project, start] {
    auto named = WriterCommitsFrom(self, project);
    if (named && !named->empty()) start(*named);
  });
}

// The planner's judgement (ReadPerWriter) on a list of `pages` pages of which the project's
// writers wrote `own` of `sample` items, from `source` (for the record). When it says per
// writer, the choice is kept and the writers' walks start; true then. `head_sha`: commits,
// the first commit of the whole list's first page, just read.
bool DecidePerWriter(const Cycle& self, ListKind kind, const Project& project, std::int64_t pages,
                     std::int64_t own, std::int64_t sample, const char* source,
                     const std::string& head_sha = {}) {
  const int above = self->h_.config_.harvest.per_writer_above_pages;
  if (!HasWriterForm(kind) || above <= 0 || own < 0 || sample < 0 ||
      !ReadPerWriter(pages, project.writers.size(), static_cast<std::size_t>(own),
                     static_cast<std::size_t>(sample), above)) {
    return false;
  }
  const std::string why = fmt::format("{} pages, {} of {} items {} by its {} watched writers",
                                      pages, own, sample, source, project.writers.size());
  auto& ingest = self->h_.ingest_;
  const bool ok = self->InTransaction([&]() -> Status {
    if (auto s = ingest.SetWatermark(PlanEndpoint(kind), RepoScope(project.full_name), std::nullopt,
                                     std::string(kPerWriter) + ": " + why);
        !s.ok()) {
      return s;
    }
    if (kind != ListKind::kCommits || head_sha.empty()) return Status::Ok();
    // That first commit is the comparison's base, in the plan's transaction: every writer's
    // list is read from its start (a watermark left from an earlier plan is dropped), so
    // they hold everything of theirs pushed before it.
    for (const auto& writer : project.writers) {
      if (auto s = ingest.SetWatermark(ListEndpoint(kind), WriterScope(writer, project.full_name),
                                       std::nullopt, std::nullopt);
          !s.ok()) {
        return s;
      }
    }
    // The writers' lists are read from that commit too: what is pushed after it, the
    // comparison reads.
    if (auto s = ingest.SetWatermark(kWriterCommitsFromEndpoint, RepoScope(project.full_name),
                                     std::nullopt, head_sha);
        !s.ok()) {
      return s;
    }
    return RecordCompareBase(*self, project, head_sha);
  });
  if (!ok) return true;
  log::Notice("large repository: list read per writer from now on repo={} list={} ({})",
              project.full_name, ListEndpoint(kind), why);
  ++self->stats_.lists_per_writer;
  StartWriterWalks(self, kind, project);
  return true;
}

bool SwitchToPerWriter(const Cycle& self, const Walk& w, const ApiResponse& r) {
  if (!w->author.empty() || w->pages != 1 || !r.next_url || !r.last_url) {
    return false;
  }
  auto pages = PageNumberOf(*r.last_url);
  return pages && DecidePerWriter(
                      self, w->kind, w->project, *pages, static_cast<std::int64_t>(w->first_own),
                      static_cast<std::int64_t>(w->first_items), "on its first page", w->first_sha);
}

}  // namespace

void StartList(const std::shared_ptr<CycleCore>& self, ListKind kind, const Project& project) {
  if (HasWriterForm(kind)) {
    const std::string scope = RepoScope(project.full_name);
    auto plan = self->h_.ingest_.GetWatermark(PlanEndpoint(kind), scope);
    if (!plan.ok()) return self->Abort(plan.status());
    const int above = self->h_.config_.harvest.per_writer_above_pages;
    if (*plan && (*plan)->cursor && (*plan)->cursor->rfind(kPerWriter, 0) == 0) {
      // Every watched writer's account gone (AddProject left them out): nobody to read for,
      // and a whole read would fetch a large repository for nothing that counts.
      if (project.writers.empty()) return;
      if (above > 0) return StartWriterWalks(self, kind, project);
      // harvest.per_writer_above_pages = 0 turns the planner off, kept plans too: the list
      // is read whole again (its stored pages revalidate or are read anew), and the row says
      // so for `ghharvest status`.
      auto& ingest = self->h_.ingest_;
      const bool ok = self->InTransaction([&]() -> Status {
        if (auto s = ingest.SetWatermark(PlanEndpoint(kind), scope, std::nullopt,
                                         std::string(kWhole) +
                                             ": harvest.per_writer_above_pages is 0 (was " +
                                             *(*plan)->cursor + ")");
            !s.ok()) {
          return s;
        }
        if (kind != ListKind::kCommits) return Status::Ok();
        // Others' commits were never read (nor, below the whole list's old watermark, what
        // was pushed late): the whole branch is read once, in the same transaction as the
        // plan, as a rewrite read, which also buries what a force-push nobody has seen yet
        // took off the branch, and names a new base.
        if (auto s = ingest.SetWatermark(kCompareEndpoint, scope, std::nullopt,
                                         std::string(kRewrittenCursor));
            !s.ok()) {
          return s;
        }
        return ingest.SetWatermark(ListEndpoint(kind), scope, std::nullopt, std::nullopt);
      });
      if (!ok) return;
      log::Notice(
          "large repository: list read whole again repo={} list={} "
          "(harvest.per_writer_above_pages is 0)",
          project.full_name, ListEndpoint(kind));
    }
    // An issues list read whole before (its first page may well answer 304 now, saying
    // nothing of its length) is judged by what the store knows of it: a repository that grew
    // past the threshold, or a threshold lowered, switches without a request.
    if (kind == ListKind::kIssues && above > 0 && !project.writers.empty()) {
      auto known = self->h_.pages_.PageCount(ListEndpoint(kind), scope);
      if (!known.ok()) return self->Abort(known.status());
      if (*known > above) {
        auto share = self->h_.pages_.IssueShare(project.id, project.writers);
        if (!share.ok()) return self->Abort(share.status());
        if (DecidePerWriter(self, kind, project, *known, share->own, share->total, "stored")) {
          return;
        }
      }
    }
  }
  StartWalk(self, kind, project, {});
}

}  // namespace ghharvest::harvest
