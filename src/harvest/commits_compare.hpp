// Commits by comparison: what was pushed to a repository's default branch since a commit the
// store holds, whatever the commits' dates (plan.hpp's ComparePath says why `since` cannot).
// Once a read of the commits list has completed, its newest commit becomes the base; later
// cycles ask GitHub's compare from that base to the default branch instead of the list. A
// comparison that listed commits moves the base to the branch's head once all of it is
// stored (the new URL costs a point once, then an unchanged branch answers 304), so every
// stored commit is an ancestor of the base and a history rewrite always shows as a base off
// the branch. docs/harvesting.md has the rules.
#pragma once

#include <functional>
#include <memory>

#include "harvest/page_fetch.hpp"

namespace ghharvest::harvest {

// Reads `project`'s commits by comparison when a base is stored and its default branch is
// known (true: nothing more to do when no comparison is due, see MarkComparisonDue); false
// otherwise (read the list), and for a repository found empty once the comparison is due.
// `whole_list`: the repository's commits list is read whole, and its watermark follows what
// the comparison stored; false when it is read per writer (the comparison then only adds
// what `since` cannot see: commits pushed late with old dates). When the branch's history
// was rewritten (the comparison is behind or diverged, or GitHub no longer knows the base),
// the branch is read whole instead and what it no longer holds is buried; a read cut short
// starts again next cycle.
bool StartCompare(const std::shared_ptr<CycleCore>& cycle, const Project& project, bool whole_list);

// A repository whose commits are read per writer has no whole read of its list to take a
// base from: its default branch's head, one commit, becomes the base (when none is stored).
// What is pushed after it is then read by comparison; what was pushed late before it, by the
// writers' lists only. `then` runs once the head is stored (not after a failure or a 409).
void StartHeadRead(const std::shared_ptr<CycleCore>& cycle, const Project& project,
                   std::function<void()> then = {});

// The repository's GET answered 200 (to be called in that answer's transaction, so that its
// validators are never stored without this): its pushed_at may have moved, so the next read
// of its commits asks for the comparison. While it answers 304 nothing was pushed, and the
// commits cost no request at all.
Status MarkComparisonDue(CycleCore& cycle, const std::string& full_name);

// After a completed read of `project`'s whole commits list: `sha`, the first commit GitHub
// listed on its first page (the newest), becomes the base when none is stored yet (and the
// default branch is known). Only what GitHub has just listed will do: a commit the store
// holds may be gone from the branch (a force-push), and a base GitHub does not know costs a
// 404 and a read of the list each time it is tried.
Status RecordCompareBase(CycleCore& cycle, const Project& project, const std::string& sha);

// `project`'s commits answered 409: nothing was ever pushed to it. Kept as an empty base, so
// that StartCompare asks nothing while the repository's GET answers 304 (a 409 has no
// validators: asking each cycle would cost a point each time) and the list is read again once
// it answers 200. In its own transaction; the cycle is aborted when the store fails.
void RecordEmptyRepository(const std::shared_ptr<CycleCore>& cycle, const Project& project);

}  // namespace ghharvest::harvest
