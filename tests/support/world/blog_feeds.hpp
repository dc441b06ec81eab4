// The synthetic world's blogs: each writer has an RSS 2.0 feed and an Atom 1.0 feed of the
// same blog (the same posts, other ids, as Hugo or Jekyll sites offer both) and a JSON Feed
// 1.1 of short notes; posts link to the writer's projects on github.com the way a post
// does (a pull request, a file, the repository), by a category "owner/repo", or to nothing
// that counts (a profile). Served under /blogs/ beside the fake GitHub, with ETag and
// Last-Modified (304 on either), gzip when asked, and broken feeds for the failure paths:
//   /blogs/<login>/rss.xml  /blogs/<login>/atom.xml  /blogs/<login>/feed.json
//   /blogs/_broken.xml (malformed XML)  /blogs/_page (an HTML page)  /blogs/_gone (410)
//   /blogs/_loop (a redirect to itself)  /blogs/_huge.xml (a 2 MiB feed)
// Thread-safe (immutable after construction).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fake_server.hpp"
#include "world/world.hpp"

namespace ghharvest::testing {

class BlogFeeds {
 public:
  // `projects`: config login -> the projects it is active in (World::WriterProjects());
  // `now`: the world's time, posts are dated the days before it.
  BlogFeeds(std::map<std::string, std::vector<std::string>> projects, std::uint64_t seed,
            std::int64_t now);

  // The answer for a path under /blogs/, nullopt for any other path.
  std::optional<HttpResponse> Serve(const HttpRequest& req, const std::string& base_url) const;

  // The three feed URLs of `login`.
  std::vector<std::string> FeedUrls(const std::string& base_url, const std::string& login) const;

  // Adds each writer's distinct posts per project to `rows` (matched case-insensitively).
  // `current_name` maps a project as the post names it to its name now: GitHub redirects a
  // renamed repository's old URLs, so a post about it counts for the renamed project.
  void AddTruth(std::vector<CountsRow>* rows,
                const std::function<std::string(const std::string&)>& current_name = {}) const;

 private:
  struct Post {
    std::string slug, title, project, html;
    std::vector<std::string> categories;
    std::int64_t published = 0;
    bool note = false;  // in the JSON Feed only
  };
  std::string Rss(const std::string& base, const std::string& login) const;
  std::string Atom(const std::string& base, const std::string& login) const;
  std::string Json(const std::string& base, const std::string& login) const;
  std::map<std::string, std::vector<Post>> posts_;  // by lower-cased login
  std::map<std::string, std::string> logins_;       // lower-cased -> config spelling
};

}  // namespace ghharvest::testing
