// The REST response parsers of parse.hpp: one document per body, read in one pass.
#include <string_view>

#include <fmt/format.h>

#include "ghharvest/github/parse.hpp"
#include "ghharvest/util/names.hpp"
#include "github/parse_internal.hpp"

namespace ghharvest::github {
namespace {

namespace od = simdjson::ondemand;
using internal::Reader;

// Starts iteration of `body` and runs read(doc, reader); the view is in place when the
// string has room for simdjson's padding.
template <typename T, typename F>
Result<T> ParseBody(const std::string& body, std::string_view what, F&& read) {
  simdjson::padded_string_view view = internal::PaddedView(body);
  Reader r(view.data(), std::string(what));
  od::document doc;
  if (auto err = internal::ThreadParser().iterate(view).get(doc); err) {
    r.Fail(err, "", nullptr);
    return r.status();
  }
  r.set_document(&doc);
  T out{};
  if (!read(doc, r, out)) {
    if (r.ok()) r.FailText("unreadable", "", nullptr);
    return r.status();
  }
  return out;
}

// A body whose top level is one object, read with `fields`.
template <typename T, typename F>
Result<T> ParseObjectBody(const std::string& body, std::string_view what, F&& fields) {
  return ParseBody<T>(body, what, [&](od::document& doc, Reader& r, T& out) {
    od::object obj;
    if (auto err = doc.get_object().get(obj); err) {
      return r.Fail(err, "(top level, expected an object)", nullptr);
    }
    if (!fields(obj, r, out)) return false;
    if (const char* loc = nullptr; doc.current_location().get(loc) == simdjson::SUCCESS) {
      return r.Fail(simdjson::TRAILING_CONTENT, "(after the object)", loc);
    }
    return true;
  });
}

// A body whose top level is an array, each item read with `item(value, reader, record)`.
template <typename Rec, typename F>
Result<std::vector<Rec>> ParseArrayBody(const std::string& body, std::string_view what, F&& item) {
  return ParseBody<std::vector<Rec>>(
      body, what, [&](od::document& doc, Reader& r, std::vector<Rec>& out) {
        Status s = internal::ForEachItem(doc, r, [&](od::value v, std::int64_t) {
          Rec rec;
          if (!item(v, r, rec)) return false;
          out.push_back(std::move(rec));
          return true;
        });
        return s.ok();
      });
}

// An array inside an object (`field`), each item read with item(value, &record).
template <typename Rec, typename F>
bool ReadArrayField(od::value val, Reader& r, std::string_view field, std::vector<Rec>* out,
                    F&& item) {
  od::array items;
  if (auto err = val.get_array().get(items); err) return r.Fail(err, field, val);
  std::int64_t index = 0;
  for (auto element : items) {
    r.set_item(index++);
    od::value v;
    if (auto err = std::move(element).get(v); err) return r.Fail(err, field, nullptr);
    Rec rec;
    if (!item(v, &rec)) return false;
    out->push_back(std::move(rec));
  }
  r.set_item(-1);
  return true;
}

}  // namespace

Result<RepoRecord> ParseRepo(const std::string& body) {
  return ParseObjectBody<RepoRecord>(
      body, "repository",
      [](od::object& obj, Reader& r, RepoRecord& out) { return r.RepoObject(obj, "", &out); });
}

Result<UserRef> ParseUser(const std::string& body) {
  return ParseObjectBody<UserRef>(body, "user", [](od::object& obj, Reader& r, UserRef& out) {
    return r.UserObject(obj, "", &out);
  });
}

Result<std::vector<CommitRecord>> ParseCommitList(const std::string& body) {
  return ParseArrayBody<CommitRecord>(
      body, "commits list",
      [](od::value v, Reader& r, CommitRecord& out) { return r.Commit(v, "", &out); });
}

namespace {

// The head side of a comparison's permalink_url: the last "...", then past the owner's ':'.
std::string HeadOfPermalink(std::string_view url) {
  const auto dots = url.rfind("...");
  if (dots == std::string_view::npos) return {};
  std::string_view head = url.substr(dots + 3);
  head = head.substr(0, head.find_first_of("?#"));
  if (const auto colon = head.rfind(':'); colon != std::string_view::npos) {
    head.remove_prefix(colon + 1);
  }
  return IsCommitSha(head) ? std::string(head) : std::string();
}

}  // namespace

Result<ComparisonPage> ParseComparison(const std::string& body) {
  return ParseObjectBody<ComparisonPage>(
      body, "comparison", [](od::object& obj, Reader& r, ComparisonPage& out) {
        bool has_commits = false;
        bool ok = r.Fields(obj, "", [&](std::string_view key, od::value val) {
          if (key == "status") return r.Str(val, "status", &out.status);
          if (key == "ahead_by") return r.Int(val, "ahead_by", &out.ahead_by);
          if (key == "behind_by") return r.Int(val, "behind_by", &out.behind_by);
          if (key == "total_commits") return r.Int(val, "total_commits", &out.total_commits);
          if (key == "permalink_url") {
            std::optional<std::string> permalink;  // null: no head named, pages by branch
            if (!r.OptStr(val, "permalink_url", &permalink)) return false;
            if (permalink) out.head_sha = HeadOfPermalink(*permalink);
            return true;
          }
          if (key != "commits") return true;
          has_commits = true;
          return ReadArrayField(
              val, r, "commits", &out.commits,
              [&](od::value v, CommitRecord* rec) { return r.Commit(v, "", rec); });
        });
        if (!ok) return false;
        // A comparison always names its status and lists its commits (empty or not): an
        // object without them is not one, and reading it as "nothing new" would lose commits.
        if (out.status.empty() || !has_commits) {
          r.FailText("no status or commits", out.status.empty() ? "status" : "commits", nullptr);
          return false;
        }
        return true;
      });
}

Result<std::vector<IssueRecord>> ParseIssueList(const std::string& body) {
  return ParseArrayBody<IssueRecord>(
      body, "issues list",
      [](od::value v, Reader& r, IssueRecord& out) { return r.Issue(v, "", &out, false); });
}

Result<std::vector<CommentRecord>> ParseIssueCommentList(const std::string& body) {
  return ParseArrayBody<CommentRecord>(
      body, "issue comments list",
      [](od::value v, Reader& r, CommentRecord& out) { return r.Comment(v, "", &out); });
}

Result<std::vector<CommentRecord>> ParseReviewCommentList(const std::string& body) {
  return ParseArrayBody<CommentRecord>(
      body, "review comments list",
      [](od::value v, Reader& r, CommentRecord& out) { return r.Comment(v, "", &out); });
}

Result<std::vector<ReviewRecord>> ParseReviewList(const std::string& body) {
  return ParseArrayBody<ReviewRecord>(
      body, "reviews list",
      [](od::value v, Reader& r, ReviewRecord& out) { return r.Review(v, "", &out); });
}

Result<std::vector<RepoRecord>> ParseRepoList(const std::string& body) {
  return ParseArrayBody<RepoRecord>(
      body, "repositories list",
      [](od::value v, Reader& r, RepoRecord& out) { return r.Repo(v, "", &out); });
}

Result<SearchPage> ParseSearchIssues(const std::string& body) {
  return ParseObjectBody<SearchPage>(
      body, "search results", [](od::object& obj, Reader& r, SearchPage& out) {
        return r.Fields(obj, "", [&](std::string_view key, od::value val) {
          if (key == "total_count") return r.Int(val, "total_count", &out.total_count);
          if (key == "incomplete_results") {
            return r.Bool(val, "incomplete_results", &out.incomplete_results);
          }
          if (key != "items") return true;
          return ReadArrayField(
              val, r, "items", &out.items,
              [&](od::value v, SearchIssueRecord* rec) { return r.SearchItem(v, "", rec); });
        });
      });
}

}  // namespace ghharvest::github
