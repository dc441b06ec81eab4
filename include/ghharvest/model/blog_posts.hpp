// Blog posts as the feeds area hands them to the store, and a feed's state as `ghharvest
// status` shows it. Plain data: the feed parser and the store need not know each other.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ghharvest::model {

struct BlogPost {
  std::string entry_id;  // guid, Atom id or JSON Feed id; empty when the feed gave none
  std::string link;      // absolute; empty when the entry had none (then entry_id is set)
  std::string title;
  std::optional<std::string> published_at;  // ISO 8601 UTC
  std::optional<std::string> updated_at;
  std::vector<std::string> projects;  // 'owner/repo', each once
};

// One configured feed of a writer, as the last fetch left it.
struct FeedState {
  std::string writer;
  std::string url;
  std::optional<std::string> format;  // "RSS", "Atom", "JSON Feed"
  std::optional<std::string> last_fetch_at;
  std::optional<std::string> last_ok_at;
  std::optional<std::string> last_status;  // "ok", "not modified" or the failure
  std::int64_t posts = 0;                  // posts this feed carried, ever
};

}  // namespace ghharvest::model
