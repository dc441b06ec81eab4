// The pulls list of a repository and the reviews of the pull requests it says changed: the
// pulls list is read newest-updated first down to its watermark, then the reviews of what
// changed go through GraphQL (reviews_graphql.hpp) with the REST walk (reviews_walk.hpp) as
// its fallback. The watermark moves only when every review list was stored; until then
// sync_state.walking is set and the next cycle refuses 304s on the pulls list, which would
// hide pull requests whose reviews were never read.
#pragma once

#include <memory>

#include "harvest/page_fetch.hpp"

namespace ghharvest::harvest {

// Reads the pulls list of `project` and the reviews it names, within `cycle`'s lists phase.
void StartPulls(const std::shared_ptr<CycleCore>& cycle, const Project& project);

}  // namespace ghharvest::harvest
