// What the reporter needs from outside a scoring run: the blog facts of a (writer, project)
// and a memory of what it emitted before. The reporter defines it; the composition root
// (app/) backs it with the database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ghharvest/model/report_state.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::report {

class ReportState {
 public:
  virtual ~ReportState() = default;
  // Every writer emitted into reports folder `dir` before.
  virtual Result<std::vector<model::EmittedWriter>> Emitted(const std::string& dir) = 0;
  virtual Result<model::BlogFacts> BlogFactsFor(const std::string& writer,
                                                const std::string& project) = 0;
  // Every writer's InfluencePoints over the kept runs, by writer (byte-wise), then run.
  virtual Result<std::vector<model::InfluencePoint>> InfluencePoints() = 0;
  // When the project's data was last harvested (ISO 8601, the newest sync watermark
  // update of its scopes); nullopt when it never was.
  virtual Result<std::optional<std::string>> LastHarvested(const std::string& project) = 0;
  // The hash of the draft last generated at `path`; nullopt when none was.
  virtual Result<std::optional<std::string>> GeneratedBlogHash(const std::string& path) = 0;
  // Remembers one emission, all or nothing.
  virtual Status Remember(const std::string& dir, std::int64_t run,
                          const std::vector<model::EmittedWriter>& writers,
                          const std::vector<model::EmittedBlog>& blogs) = 0;
};

}  // namespace ghharvest::report
