// Shared by the REST parsers and the event normalizer (private to src/github): a Reader
// that turns simdjson On-Demand values into records and the first error into a Status
// naming the field and byte offset.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ghharvest/github/model_names.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::github::internal {

namespace od = simdjson::ondemand;

// One parser per thread, reused: its buffers grow to the largest body seen and stay.
od::parser& ThreadParser();

// A padded view of `body`: in place when its capacity allows, else a copy into a
// per-thread scratch buffer (valid until the next call on this thread).
simdjson::padded_string_view PaddedView(const std::string& body);
simdjson::padded_string_view PaddedCopy(std::string_view text);

class Reader {
 public:
  Reader(const char* base, std::string what) : base_(base), what_(std::move(what)) {}

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  // Items of a list are numbered in messages ("item 3").
  void set_item(std::int64_t item) { item_ = item; }
  // True when the failure is about shape (wrong type, missing field) in otherwise
  // well-formed JSON, so iteration of the surrounding input can go on.
  bool shape_error() const {
    return code_ == simdjson::SUCCESS || code_ == simdjson::INCORRECT_TYPE ||
           code_ == simdjson::NUMBER_OUT_OF_RANGE;
  }

  // Records the first failure; always returns false so callers can `return Fail(...)`.
  bool Fail(simdjson::error_code err, std::string_view field, const char* location);
  bool Fail(simdjson::error_code err, std::string_view field, od::value& v);
  bool FailText(std::string_view message, std::string_view field, const char* location);

  // Scalars. null leaves the default (0, false, "") or nullopt.
  bool Int(od::value v, std::string_view field, std::int64_t* out);
  bool OptInt(od::value v, std::string_view field, std::optional<std::int64_t>* out);
  bool Bool(od::value v, std::string_view field, bool* out);
  bool Str(od::value v, std::string_view field, std::string* out);
  bool OptStr(od::value v, std::string_view field, std::optional<std::string>* out);
  // Event ids are strings in the API but numbers in some archives: accept both as text.
  bool IdText(od::value v, std::string_view field, std::string* out);
  // true with *is_null set when the value is JSON null.
  bool PullRequestRef(od::value v, bool* is_pull, std::optional<std::string>* merged_at);
  bool IsNull(od::value& v, std::string_view field, bool* is_null);

  // Objects. A null object gives nullopt (user) or leaves the default.
  bool User(od::value v, std::string_view field, std::optional<UserRef>* out);
  bool UserObject(od::object obj, std::string_view field, UserRef* out);
  bool Reactions(od::value v, std::string_view field, ReactionRollup* out);
  // An issues-list item, or (pull_object) a pull-request object.
  bool Issue(od::value v, std::string_view field, IssueRecord* out, bool pull_object);
  bool IssueObject(od::object obj, std::string_view field, IssueRecord* out, bool pull_object);
  // An issue comment or a review comment (number from issue_url or pull_request_url).
  bool Comment(od::value v, std::string_view field, CommentRecord* out);
  bool Review(od::value v, std::string_view field, ReviewRecord* out);
  bool Repo(od::value v, std::string_view field, RepoRecord* out);
  bool RepoObject(od::object obj, std::string_view field, RepoRecord* out);
  bool Commit(od::value v, std::string_view field, CommitRecord* out);
  bool SearchItem(od::value v, std::string_view field, SearchIssueRecord* out);
  bool Event(od::object obj, EventRecord* out);

  // Gets `v` as an object, failing with `field` named.
  bool Object(od::value& v, std::string_view field, od::object* out);

  // One pass over an object's fields, keys in any order; f(key, value) returns false to stop
  // (after recording a failure). Unvisited values are skipped by simdjson.
  template <typename F>
  bool Fields(od::object& obj, std::string_view field, F&& f) {
    // Nested objects name their fields by path ("user.id") in messages.
    const std::size_t depth = path_.size();
    if (!field.empty() && field.front() != '(') path_.append(field).push_back('.');
    struct Pop {
      std::string& path;
      std::size_t size;
      ~Pop() { path.resize(size); }
    } pop{path_, depth};
    for (auto result : obj) {
      od::field fld;
      if (auto err = std::move(result).get(fld); err) return Fail(err, "", nullptr);
      std::string_view key;
      if (auto err = fld.unescaped_key().get(key); err) return Fail(err, "", nullptr);
      if (!f(key, fld.value())) return false;
    }
    return true;
  }

  // Where errors without their own location point: the document being read.
  void set_document(od::document* doc) { doc_ = doc; }

 private:
  std::string Where(std::string_view field, const char* location) const;
  const char* base_;
  std::string what_;
  std::int64_t item_ = -1;
  std::string path_;  // "user." while reading the fields of a user object
  od::document* doc_ = nullptr;
  simdjson::error_code code_ = simdjson::SUCCESS;
  Status status_;
};

// The document's current position, or nullptr when unknown.
inline const char* Location(od::document& doc) {
  const char* loc = nullptr;
  if (doc.current_location().get(loc) != simdjson::SUCCESS) return nullptr;
  return loc;
}

// Iterates a top-level array document of objects, calling item(value, index) for each;
// checks for trailing content. Returns the reader's status.
template <typename F>
Status ForEachItem(od::document& doc, Reader& r, F&& item) {
  od::array arr;
  if (auto err = doc.get_array().get(arr); err) {
    r.Fail(err, "(top level, expected an array)", Location(doc));
    return r.status();
  }
  std::int64_t index = 0;
  for (auto element : arr) {
    r.set_item(index);
    od::value v;
    if (auto err = std::move(element).get(v); err) {
      r.Fail(err, "", Location(doc));
      return r.status();
    }
    if (!item(v, index)) return r.status();
    ++index;
  }
  r.set_item(-1);
  // current_location() fails with OUT_OF_BOUNDS exactly when nothing follows the array.
  if (const char* loc = nullptr; doc.current_location().get(loc) == simdjson::SUCCESS) {
    r.Fail(simdjson::TRAILING_CONTENT, "(after the array)", loc);
  }
  return r.status();
}

}  // namespace ghharvest::github::internal
