// Removes the report files that the latest scoring run no longer has: a project deleted or
// renamed on GitHub, a writer no longer watched or whose account is gone, activity that left
// the time window. Without this their files would keep saying what an old run said, and a
// script reading the folder could not tell them from current ones.
//
// Only files of the shapes the reporter writes, where it writes them, are removed:
//   contributions|influences/<owner>/<repo>/<writer>_<repo>.txt, total_influences/<writer>.txt
//   and (with the site on) site/writers/<writer>.html.
// Blog drafts are never removed (a writer may be editing one), nor is anything else: an
// operator's notes, symbolic links, folders we did not empty. Folders left empty are removed.
#pragma once

#include <string>

#include "ghharvest/score/scorer.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::report {

// The number of files removed under reports folder `dir`. A file or folder that cannot be
// read or removed is logged as a warning and left: a stale file is better than a failed run.
int RemoveStaleReports(const std::string& dir, const score::ScoreRun& run, bool site);

}  // namespace ghharvest::report
