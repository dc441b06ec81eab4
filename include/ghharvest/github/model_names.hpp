// The github area fills the plain records of the model area; these let its code and its
// callers name them as github::IssueRecord and so on, as they always have.
#pragma once

#include "ghharvest/model/records.hpp"

namespace ghharvest::github {

using model::CommentRecord;
using model::CommitRecord;
using model::ComparisonPage;
using model::EventRecord;
using model::IssueRecord;
using model::ReactionRollup;
using model::RepoRecord;
using model::ReviewRecord;
using model::SearchIssueRecord;
using model::SearchPage;
using model::UserRef;

}  // namespace ghharvest::github
