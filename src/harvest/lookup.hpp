// The request chains of the writers and repositories phases: who each writer is on GitHub
// (GET /users/LOGIN: id and spelling), which repositories a writer without `repos` in the
// config is watched in (discovery: stored GH Archive history, search, the writer's own
// repositories, its events; the rules are discovery.hpp's), and what each watched repository
// is now (GET /repos/o/r: id, current name, gone). The cycle (harvester.cpp) decides when
// they run; each is a walk over the cycle's request skeleton (page_fetch.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ghharvest/store/ingest.hpp"
#include "harvest/page_fetch.hpp"

namespace ghharvest::harvest {

// Resolves writer `i` of the cycle (its GitHub id and spelling). A 404 for a login with stored
// activity, answered again in a later cycle kGoneConfirmAfter later, means the account is gone
// (deleted, or renamed away from the config's login): the writer is marked
// (Ingest::MarkWriterGone), its GitHub activity leaves the counts, and the login is looked at again
// after kGoneRecheck; a 200 or 304 clears the mark.
void FetchUser(const std::shared_ptr<CycleCore>& cycle, std::size_t i, int attempt = 0);

// A gone account costs one point per look (a 404 carries no validators) and comes back
// seldom: looked at once a day.
inline constexpr std::chrono::hours kGoneRecheck{24};
// The least time between the two 404s that mark a writer gone.
inline constexpr std::chrono::hours kGoneConfirmAfter{1};
// Reads what the store knows of `w`'s account (Writer::gone, next_look, first_404), as a
// cycle begins.
Status LoadAccountState(CycleCore& cycle, Writer* w);
// True while writer `i`'s account is gone and its next look is not due: the cycle asks
// nothing about that writer (no lookup, no discovery; AddProject leaves it out of per-writer
// lists whatever the job).
bool GoneUntilRecheck(const CycleCore& cycle, std::size_t i);

// Finds the repositories writer `i` touched and stores them as its watches, each page's finds
// in the page's transaction (a crash never leaves a 304 hiding a find that was not stored).
void Discover(const std::shared_ptr<CycleCore>& cycle, std::size_t i);

// GET /repos/NAME for the watches `rows` (every watch of that repository): the project joins
// the cycle's lists phase, or its watches are marked gone.
void FetchRepo(const std::shared_ptr<CycleCore>& cycle, const std::string& name,
               const std::vector<store::WatchRow>& rows, int attempt = 0);

// The GitHub spelling of a writer's login, when its id was resolved before.
std::optional<std::string> KnownLogin(CycleCore& cycle, const std::string& config_login);

// The repository `id` as stored (its current name), if it is.
std::optional<Project> StoredProject(CycleCore& cycle, std::int64_t id);
// Adds `project` to the cycle's projects (once, however many spellings lead to it), with
// every watched writer of the cycle.
void AddProject(CycleCore& cycle, Project project);

}  // namespace ghharvest::harvest
