// The bytes of each report file (docs/reports.md), as pure functions: the same scores
// give the same bytes. Numbers: an integer value prints without a fraction ("45"), anything
// else rounded to 2 decimals with trailing zeros dropped ("45.5", "0.33"); "-0" prints "0".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ghharvest/model/report_state.hpp"
#include "ghharvest/score/scorer.hpp"

namespace ghharvest::report {

std::string FormatNumber(double v);
// A JSON string literal, quotes included (control characters as \u00XX).
std::string JsonString(std::string_view s);

// contributions/<owner>/<repo>/<writer>_<repo>.txt
std::string ContributionFile(const score::ProjectScore& ps);
// influences/<owner>/<repo>/<writer>_<repo>.txt
std::string InfluenceFile(const score::ProjectScore& ps);
// total_influences/<writer>.txt
std::string TotalFile(const score::WriterScore& ws);
// The fields of an influence.jsonl line after "ts" and "run": writer, opportunity,
// best_project, total_influence, projects. Without braces, so it can be hashed to tell
// whether a writer's numbers changed.
std::string JsonlBody(const score::WriterScore& ws);
// A full influence.jsonl line, newline included.
std::string JsonlLine(std::string_view ts, std::int64_t run, const score::WriterScore& ws);

// What a blog draft is built from: the project's numbers and the facts ReportState gives.
using model::BlogItem;
struct BlogInputs {
  std::string writer, project, project_url;  // project_url may be empty
  std::string date;                          // YYYY-MM-DD of the writer's latest activity
  std::vector<BlogItem> merged;              // newest first
  std::vector<BlogItem> top;                 // most reactions + feedback first
  std::vector<model::BlogPostItem> posts;    // the writer's own posts on it, newest first
  score::ProjectScore score;                 // counts, k, P, I, C, T, O of the project
};

// "contributing-to-<repo>" in [a-z0-9-]: the draft's file name without ".md".
std::string BlogSlug(std::string_view project);
std::string BlogMarkdown(const BlogInputs& in);

// A 64-bit FNV-1a of `data` (util/hash.hpp, the short basis), as 16 hex digits. For change
// detection, not security.
std::string HashHex(std::string_view data);

}  // namespace ghharvest::report
