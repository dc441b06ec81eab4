// The four lists of a repository (commits, issues, issue comments, review comments), each
// read page by page by one walk. What differs per list (its parser and upsert, the table its
// pages speak for, whether it is read by watermark or revalidated in creation order, the 4xx
// that means "nothing to read") is one row of a traits table in list_walk.cpp, so the walk
// has no per-kind branches. docs/harvesting.md says why each list is read the way it is.
#pragma once

#include <memory>

#include "harvest/page_fetch.hpp"
#include "harvest/plan.hpp"

namespace ghharvest::harvest {

// Reads list `kind` of `project` within `cycle`'s lists phase: page by page (under
// harvest.revalidate_pages_per_list, the blocks PlanRevalidation picks), each page stored in
// its own transaction, then the watermark (commits) or the sweep (creation-ordered lists)
// moves on. A failure is recorded and counts one failed scope; the rest of the cycle goes on.
void StartList(const std::shared_ptr<CycleCore>& cycle, ListKind kind, const Project& project);

}  // namespace ghharvest::harvest
