// The blog tables of migration 9: the configured feeds and their validators, the posts read
// from them and the projects each counts for. A post is matched among the writer's posts by
// entry id, else by link, so an edited post is updated in place and the same post in two of
// the writer's feeds is one post.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ghharvest/model/blog_posts.hpp"
#include "ghharvest/model/http_validators.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/ingest.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::store {

struct PostsWritten {
  int added = 0;  // posts not seen before
  // Posts this feed carried before whose title, dates, link or projects differ now.
  int changed = 0;
};

class PostsTables {
 public:
  using TimePoint = Clock::TimePoint;
  explicit PostsTables(Database& db) : db_(db), ingest_(db) {}

  // The validators the last 2xx of this feed gave (none for a feed never fetched).
  Result<model::HttpValidators> Validators(std::string_view writer, std::string_view url);

  // A parsed feed, in one transaction: every post upserted (its projects replaced), the
  // feed's validators and status ("ok") saved. Posts not in `posts` are left alone.
  Result<PostsWritten> StoreFeed(std::string_view writer, std::string_view url,
                                 std::string_view format, const std::vector<model::BlogPost>& posts,
                                 const model::HttpValidators& validators, TimePoint now);
  // A 304: nothing changed but the fetch time.
  Status RecordNotModified(std::string_view writer, std::string_view url, TimePoint now);
  // A failed fetch: the feed's status, and a sync_errors row (scope "feed <writer>") with
  // the URL and message. Posts and validators are untouched.
  Status RecordFailure(std::string_view writer, std::string_view url, std::string_view message,
                       TimePoint now);

  // Every feed row, by writer and URL, with the number of posts it carried.
  Result<std::vector<model::FeedState>> FeedStates();

 private:
  Status TouchFeed(std::string_view writer, std::string_view url, std::string_view status, bool ok,
                   TimePoint now);
  Database& db_;
  Ingest ingest_;  // for sync_errors and its retention
};

}  // namespace ghharvest::store
