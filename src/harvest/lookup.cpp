// Writers, discovery and repositories over the request skeleton (lookup.hpp).
#include "harvest/lookup.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "ghharvest/config/config.hpp"
#include "ghharvest/github/parse.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/log.hpp"
#include "ghharvest/util/names.hpp"
#include "harvest/commits_compare.hpp"
#include "harvest/discovery.hpp"
#include "harvest/plan.hpp"

namespace ghharvest::harvest {
namespace {

using github::ApiResponse;
using Cycle = std::shared_ptr<CycleCore>;

// Adds the new finds among `names` as watches of `writer` (discovery.hpp's NewWatches), in
// one transaction; false when the cycle stopped.
bool AddDiscovered(const Cycle& self, const std::string& writer,
                   const std::vector<std::string>& names, const std::string& source) {
  auto& ingest = self->h_.ingest_;
  return self->InTransaction([&]() -> Status {
    auto discovered = ingest.DiscoveredWatches(writer);
    if (!discovered.ok()) return discovered.status();
    for (const auto& name :
         NewWatches(*discovered, names, self->h_.config_.harvest.max_discovered_repos)) {
      if (auto s = ingest.AddWatch(writer, name, source); !s.ok()) return s;
      ++self->stats_.per_endpoint[source].items;
      self->stats_.watches_changed = true;
    }
    return Status::Ok();
  });
}

// The events API asks for X-Poll-Interval between reads: remembered per writer.
bool RecordNextPoll(const Cycle& self, const std::string& login, const ApiResponse& r) {
  auto next = NextEventsPoll(r.poll_interval, self->h_.clock_.Now());
  if (auto s = self->h_.ingest_.SetNextPoll("events", AsciiLower(login), next); !s.ok()) {
    self->Abort(s);
    return false;
  }
  return true;
}

void DiscoverPages(const Cycle& self, const std::string& source, std::size_t i,
                   const std::string& url, int page) {
  const std::string login = self->writers_[i].config_login;
  const bool events = source == "events";
  self->FetchPage(
      source, login, url, 0,
      [self, source, i, login, events](ApiResponse& r) -> Status {
        if (events && !RecordNextPoll(self, login, r)) return self->fatal_;
        auto found = ReposOnPage(source, r.body);
        if (!found.ok()) return found.status();
        if (!AddDiscovered(self, self->writers_[i].config_login, *found, source)) {
          return self->fatal_;
        }
        ++self->stats_.per_endpoint[source].pages;
        ++self->stats_.pages;
        return Status::Ok();
      },
      [self, source, i, url, page, login, events](Outcome outcome, ApiResponse* r) {
        switch (outcome) {
          case Outcome::kGone:
            self->RecordError(login, url, fmt::format("discovery: HTTP {}", r->status));
            return;
          case Outcome::kFailed:
            return;
          case Outcome::kUnchanged:
            if (events && !RecordNextPoll(self, login, *r)) return;
            break;
          case Outcome::kStored:
            break;
        }
        if (r->next_url && page + 1 < MaxDiscoveryPages(source)) {
          DiscoverPages(self, source, i, *r->next_url, page + 1);
        }
      },
      "discovery: ");
}

constexpr std::string_view kAccountEndpoint = "users";  // sync_state: a gone account's looks

// GET /users/LOGIN answered 404. A login nothing is stored under (a typo) is only recorded.
// One with stored activity is counted until a second 404, in a later cycle at least
// kGoneConfirmAfter later, says the account is really gone (deleted, or renamed away from
// the config's login): then the writer is marked and its GitHub activity leaves the counts. Lists
// read per writer cannot show that (creator= answers 422) and commits are never read again, so only
// the mark can.
void AccountGone(const Cycle& self, std::size_t i, const std::string& url) {
  Writer& w = self->writers_[i];
  self->RecordError(w.config_login, url, "the writer's account is gone (404/410)");
  auto& ingest = self->h_.ingest_;
  auto seen = ingest.LoginSeen(w.config_login);
  if (!seen.ok()) return self->Abort(seen.status());
  if (!*seen) return;  // nothing stored under that login: nothing to take out of the counts
  const auto now = self->h_.clock_.Now();
  const std::string scope = AsciiLower(w.config_login);
  if (!w.first_404) {
    log::Notice(
        "writer's account answered 404, counted until it does again an hour later "
        "writer={}",
        w.config_login);
    self->InTransaction(
        [&] { return ingest.SetWatermark(kAccountEndpoint, scope, FormatIso8601(now), {}); });
    return;
  }
  // Two 404s close together (two `sync --once` runs, a short poll interval) could still be
  // one bad stretch of GitHub's: the second must come kGoneConfirmAfter after the first.
  Clock::TimePoint first;
  if (ParseIso8601(*w.first_404, &first) && now - first < kGoneConfirmAfter) return;
  w.gone = true;
  const std::string next_look = FormatIso8601(now + kGoneRecheck);
  if (!self->InTransaction([&]() -> Status {
        if (auto s = ingest.MarkWriterGone(w.config_login, *w.first_404); !s.ok()) return s;
        return ingest.SetNextPoll(kAccountEndpoint, scope, next_look);
      }))
    return;
  log::Notice(
      "writer's account gone, its activity leaves the counts writer={} since={} "
      "next_look={}",
      w.config_login, *w.first_404, next_look);
}

// GET /users/LOGIN answered (200 or 304): an account found gone, or answering 404 once, is
// there after all.
void AccountAnswered(const Cycle& self, std::size_t i) {
  Writer& w = self->writers_[i];
  if (!w.gone && !w.first_404) return;
  auto& ingest = self->h_.ingest_;
  const std::string scope = AsciiLower(w.config_login);
  if (!self->InTransaction([&]() -> Status {
        if (auto s = ingest.MarkWriterBack(w.config_login); !s.ok()) return s;
        if (auto s = ingest.SetWatermark(kAccountEndpoint, scope, std::nullopt, {}); !s.ok())
          return s;
        return ingest.SetNextPoll(kAccountEndpoint, scope, "");
      }))
    return;
  if (w.gone)
    log::Notice("writer's account answers again, counted again writer={}", w.config_login);
  w.gone = false;
  w.first_404.reset();
}

}  // namespace

Status LoadAccountState(CycleCore& self, Writer* w) {
  auto& ingest = self.h_.ingest_;
  auto gone = ingest.WriterGoneAt(w->config_login);
  if (!gone.ok()) return gone.status();
  w->gone = gone->has_value();
  auto mark = ingest.GetWatermark(kAccountEndpoint, AsciiLower(w->config_login));
  if (!mark.ok()) return mark.status();
  if (*mark) {
    w->first_404 = (*mark)->watermark;
    w->next_look = (*mark)->next_poll_at;
  }
  return Status::Ok();
}

void FetchUser(const std::shared_ptr<CycleCore>& self, std::size_t i, int attempt) {
  const std::string login = self->writers_[i].config_login;
  const std::string url = UserPath(login);
  self->FetchPage(
      "users", login, url, 0,
      [self, i](ApiResponse& r) -> Status {
        Writer& w = self->writers_[i];
        auto user = github::ParseUser(r.body);
        if (!user.ok()) return user.status();
        bool ok = self->InTransaction([&]() -> Status {
          if (auto s = self->h_.ingest_.UpsertUser(*user); !s.ok()) return s;
          return self->h_.ingest_.ResolveWriterUser(w.config_login, user->id);
        });
        if (!ok) return self->fatal_;
        w.login = user->login;
        return Status::Ok();
      },
      [self, i, url, attempt](Outcome outcome, ApiResponse*) {
        Writer& w = self->writers_[i];
        switch (outcome) {
          case Outcome::kGone:
            return AccountGone(self, i, url);
          case Outcome::kUnchanged:
            if (!KnownLogin(*self, w.config_login) && attempt == 0) {
              self->PostForget(url);
              self->Later([self, i] { FetchUser(self, i, 1); });
              return;
            }
            return AccountAnswered(self, i);
          case Outcome::kStored:
            return AccountAnswered(self, i);
          case Outcome::kFailed:
            return;
        }
      });
}

std::optional<std::string> KnownLogin(CycleCore& self, const std::string& config_login) {
  auto login = self.h_.ingest_.KnownLogin(config_login);
  return login.ok() ? *login : std::nullopt;
}

void Discover(const std::shared_ptr<CycleCore>& self, std::size_t i) {
  const std::string login = self->writers_[i].config_login;
  auto& ingest = self->h_.ingest_;
  // Imported GH Archive history first: it costs no request and reaches past search's
  // 1,000 results and the events' 30 days; the cap is the same for every source.
  auto touched = ingest.ArchiveTouchedRepos(login);
  if (!touched.ok()) return self->Abort(touched.status());
  if (!touched->empty() && !AddDiscovered(self, login, *touched, "archive")) return;
  DiscoverPages(self, "search", i, SearchInvolvesPath(login), 0);
  DiscoverPages(self, "user_repos", i, UserReposPath(login), 0);
  // Events: honour X-Poll-Interval between cycles.
  auto wm = ingest.GetWatermark("events", AsciiLower(login));
  if (!wm.ok()) return self->Abort(wm.status());
  if (*wm && !PollDue((*wm)->next_poll_at, self->h_.clock_.Now())) return;
  DiscoverPages(self, "events", i, UserEventsPath(login), 0);
}

void FetchRepo(const std::shared_ptr<CycleCore>& self, const std::string& name,
               const std::vector<store::WatchRow>& rows, int attempt) {
  const std::string url = RepoPath(name);
  self->FetchPage(
      "repos", name, url, 0,
      [self, rows, name, attempt](ApiResponse& r) -> Status {
        auto repo = github::ParseRepo(r.body);
        if (!repo.ok()) return repo.status();
        if (repo->id == 0 || !IsValidRepoName(repo->full_name)) {
          return Status::Corruption("repository without id or name");
        }
        bool renamed = AsciiLower(repo->full_name) != AsciiLower(name);
        if (renamed) log::Notice("project renamed from={} to={}", name, repo->full_name);
        auto& ingest = self->h_.ingest_;
        bool ok = self->InTransaction([&]() -> Status {
          if (auto s = ingest.UpsertRepo(*repo); !s.ok()) return s;
          if (auto s = MarkComparisonDue(*self, repo->full_name); !s.ok()) return s;
          if (renamed) {
            if (auto s = ingest.RecordOldName(name, repo->id); !s.ok()) return s;
          }
          for (const auto& w : rows) {
            if (auto s = ingest.ResolveWatch(w.writer, w.repo_name, repo->id); !s.ok()) return s;
          }
          return Status::Ok();
        });
        if (!ok) return self->fatal_;
        // A new name renames the daemon's scope of it (and a first lookup may merge two
        // spellings of one repository into one).
        if (renamed || std::any_of(rows.begin(), rows.end(),
                                   [&](const store::WatchRow& w) { return !w.repo_id; })) {
          self->stats_.watches_changed = true;
        }
        AddProject(*self, Project{repo->id, repo->full_name, {}, repo->default_branch});
        // Ask once by the new name, so next cycle's request has validators to send.
        if (renamed && attempt == 0) {
          self->Later([self, rows, full = repo->full_name] { FetchRepo(self, full, rows, 1); });
        }
        return Status::Ok();
      },
      [self, rows, url, name, attempt](Outcome outcome, ApiResponse* r) {
        switch (outcome) {
          case Outcome::kGone: {
            ++self->stats_.projects_gone;
            self->stats_.watches_changed = true;
            log::Notice("project gone, no longer polled repo={} status={}", name, r->status);
            auto& ingest = self->h_.ingest_;
            self->InTransaction([&]() -> Status {
              for (const auto& w : rows) {
                if (auto s = ingest.MarkWatchGone(w.writer, w.repo_name); !s.ok()) return s;
              }
              return ingest.RecordError(name, url, fmt::format("gone (HTTP {})", r->status),
                                        self->h_.clock_.Now());
            });
            return;
          }
          case Outcome::kFailed:
            ++self->stats_.scopes_failed;
            return;
          case Outcome::kUnchanged: {
            // Unchanged: the stored row is the answer.
            std::optional<Project> p;
            for (const auto& w : rows) {
              if (w.repo_id && !p) p = StoredProject(*self, *w.repo_id);
            }
            if (p) {
              AddProject(*self, *p);
            } else if (attempt == 0) {
              self->PostForget(url);
              self->Later([self, name, rows] { FetchRepo(self, name, rows, 1); });
            }
            return;
          }
          case Outcome::kStored:
            return;
        }
      });
}

void AddProject(CycleCore& self, Project project) {
  auto [it, added] = self.projects_.emplace(project.id, std::move(project));
  if (!added) return;  // two spellings of one repository are one project
  // Every watched writer, not only those who watch this repository: the counts view counts
  // each writer in every stored repository, so a list read per writer asks for all of them.
  // A writer whose account is gone is left out: GitHub has nothing of that login to list.
  auto& writers = it->second.writers;
  for (const auto& w : self.writers_) {
    if (w.gone) continue;
    bool known = std::any_of(writers.begin(), writers.end(), [&](const std::string& x) {
      return AsciiLower(x) == AsciiLower(w.login);
    });
    if (!known) writers.push_back(w.login);
  }
}

bool GoneUntilRecheck(const CycleCore& self, std::size_t i) {
  const Writer& w = self.writers_[i];
  if (!w.gone || PollDue(w.next_look, self.h_.clock_.Now())) return false;
  log::Info("writer's account gone, not asked about before next_look={} writer={}",
            w.next_look.value_or(""), w.config_login);
  return true;
}

std::optional<Project> StoredProject(CycleCore& self, std::int64_t id) {
  auto name = self.h_.ingest_.RepoFullName(id);
  if (!name.ok() || !*name) return std::nullopt;
  auto branch = self.h_.ingest_.RepoDefaultBranch(id);
  return Project{id, **name, {}, branch.ok() && *branch ? **branch : std::string()};
}

}  // namespace ghharvest::harvest
