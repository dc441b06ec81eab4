// The database behind the interfaces other areas define for what they keep: the GitHub
// client's EtagStore and the reporter's ReportState. Only the composition root (and tests
// that wire parts by hand) names these, so neither github nor report knows SQLite.
#pragma once

#include "ghharvest/feeds/poller.hpp"
#include "ghharvest/github/etag_store.hpp"
#include "ghharvest/report/report_state.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/http_cache.hpp"
#include "ghharvest/store/posts.hpp"
#include "ghharvest/store/report_state.hpp"

namespace ghharvest::app {

class DatabaseEtagStore final : public github::EtagStore {
 public:
  explicit DatabaseEtagStore(store::Database& db) : cache_(db) {}
  std::optional<github::CacheEntry> Lookup(const std::string& url,
                                           const std::string& token_id) override {
    return cache_.Lookup(url, token_id);
  }
  Status Save(const std::string& url, const std::string& token_id,
              const github::CacheEntry& entry) override {
    return cache_.Save(url, token_id, entry);
  }
  Status Forget(const std::string& url, const std::string& token_id) override {
    return cache_.Forget(url, token_id);
  }

 private:
  store::HttpCache cache_;
};

class DatabaseReportState final : public report::ReportState {
 public:
  explicit DatabaseReportState(store::Database& db) : tables_(db) {}
  Result<std::vector<model::EmittedWriter>> Emitted(const std::string& dir) override {
    return tables_.Emitted(dir);
  }
  Result<model::BlogFacts> BlogFactsFor(const std::string& writer,
                                        const std::string& project) override {
    return tables_.BlogFactsFor(writer, project);
  }
  Result<std::optional<std::string>> GeneratedBlogHash(const std::string& path) override {
    return tables_.GeneratedBlogHash(path);
  }
  Result<std::vector<model::InfluencePoint>> InfluencePoints() override {
    return tables_.InfluencePoints();
  }
  Result<std::optional<std::string>> LastHarvested(const std::string& project) override {
    return tables_.LastHarvested(project);
  }
  Status Remember(const std::string& dir, std::int64_t run,
                  const std::vector<model::EmittedWriter>& writers,
                  const std::vector<model::EmittedBlog>& blogs) override {
    return tables_.Remember(dir, run, writers, blogs);
  }

 private:
  store::ReportStateTables tables_;
};

// The feed poller's memory: validators, posts and failures in the blog tables (migration 9).
class DatabaseFeedStore final : public feeds::FeedStore {
 public:
  explicit DatabaseFeedStore(store::Database& db) : tables_(db) {}
  Result<model::HttpValidators> Validators(const std::string& writer,
                                           const std::string& url) override {
    return tables_.Validators(writer, url);
  }
  Result<feeds::FeedWrite> Store(const std::string& writer, const std::string& url,
                                 std::string_view format, const std::vector<model::BlogPost>& posts,
                                 const model::HttpValidators& validators,
                                 Clock::TimePoint now) override {
    auto w = tables_.StoreFeed(writer, url, format, posts, validators, now);
    if (!w.ok()) return w.status();
    return feeds::FeedWrite{w.value().added, w.value().changed};
  }
  Status NotModified(const std::string& writer, const std::string& url,
                     Clock::TimePoint now) override {
    return tables_.RecordNotModified(writer, url, now);
  }
  Status Failed(const std::string& writer, const std::string& url, const std::string& message,
                Clock::TimePoint now) override {
    return tables_.RecordFailure(writer, url, message, now);
  }

 private:
  store::PostsTables tables_;
};

}  // namespace ghharvest::app
