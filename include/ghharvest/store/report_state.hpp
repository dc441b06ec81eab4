// The reporter's memory (tables report_state and report_blogs) and the facts its blog drafts
// are made of, read from the activity tables.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ghharvest/model/report_state.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::store {

class ReportStateTables {
 public:
  explicit ReportStateTables(Database& db) : db_(db) {}

  Result<std::vector<model::EmittedWriter>> Emitted(const std::string& dir);
  // `writer` compares case-insensitively; a project missing from `repos` has no facts.
  Result<model::BlogFacts> BlogFactsFor(const std::string& writer, const std::string& project);
  // writer_influence_history without the rows of runs that changed nothing for the writer.
  Result<std::vector<model::InfluencePoint>> InfluencePoints();
  // MAX(sync_state.updated_at) over the scopes "<project>" and "<writer>@<project>".
  Result<std::optional<std::string>> LastHarvested(const std::string& project);
  Result<std::optional<std::string>> GeneratedBlogHash(const std::string& path);
  // One transaction; a writer or path already known is updated.
  Status Remember(const std::string& dir, std::int64_t run,
                  const std::vector<model::EmittedWriter>& writers,
                  const std::vector<model::EmittedBlog>& blogs);

 private:
  Database& db_;
};

}  // namespace ghharvest::store
