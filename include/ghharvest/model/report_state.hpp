// What the reporter reads besides a scoring run, and what it remembers of each emission:
// plain data, shared by the reporter (report/report_state.hpp says how it asks) and the
// store (which keeps it in report_state and report_blogs and reads the blog facts).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ghharvest::model {

// One issue or pull request shown in a blog draft.
struct BlogItem {
  std::int64_t number = 0;
  bool is_pull = false;
  std::string title, html_url;
  std::string merged_at;  // merged pull requests only
  std::int64_t reactions = 0, feedback = 0;
};

// One of the writer's own blog posts about the project (from a configured feed).
struct BlogPostItem {
  std::string title, url;
  std::string date;  // YYYY-MM-DD it was published (or updated, or first seen)
};

// What a writer's blog draft for a project says besides the numbers.
struct BlogFacts {
  std::string project_url;       // empty when the project is known only from blog posts
  std::string date;              // YYYY-MM-DD of the writer's latest activity there
  std::vector<BlogItem> merged;  // the writer's merged pull requests, newest first (20)
  // The writer's items with the most reactions + feedback, feedback counted as the counts
  // view counts it (others' comments, bots excluded), most first (5).
  std::vector<BlogItem> top;
  // The writer's posts that count for the project, newest first (20).
  std::vector<BlogPostItem> posts;
};

// One point of a writer's O over the kept runs: the first kept run of each stretch of runs
// in which the writer's scores stayed the same (writer_influence_history with the repeats
// of unchanged runs left out), so a run that changes nothing adds no point.
struct InfluencePoint {
  std::string writer;
  std::int64_t run = 0;
  std::string scored_at;  // that run's finished_at
  double o = 0, total = 0;
  std::string best_project;  // empty when the writer had no project
};

// The hashes last emitted for a writer into one reports folder.
struct EmittedWriter {
  std::string writer;        // as spelled when emitted
  std::string numbers_hash;  // of the influence.jsonl body: a new line when it changes
  std::string inputs_hash;   // of everything its files are made of
};

// A blog draft as generated, so an edit by its writer can be told from our own output.
struct EmittedBlog {
  std::string path, hash;
};

}  // namespace ghharvest::model
