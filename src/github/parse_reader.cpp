#include <fmt/format.h>

#include "ghharvest/github/parse.hpp"
#include "github/parse_internal.hpp"

namespace ghharvest::github {
namespace internal {

od::parser& ThreadParser() {
  thread_local od::parser parser;
  return parser;
}

simdjson::padded_string_view PaddedCopy(std::string_view text) {
  thread_local std::string scratch;
  scratch.assign(text.data(), text.size());
  scratch.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  return simdjson::padded_string_view(scratch.data(), scratch.size(), scratch.capacity());
}

simdjson::padded_string_view PaddedView(const std::string& body) {
  if (body.capacity() >= body.size() + simdjson::SIMDJSON_PADDING) {
    return simdjson::padded_string_view(body.data(), body.size(), body.capacity());
  }
  return PaddedCopy(body);
}

std::string Reader::Where(std::string_view field, const char* location) const {
  std::string out = what_;
  if (item_ >= 0) out += fmt::format(": item {}", item_);
  if (!field.empty() && field.front() == '(') {
    out += fmt::format(": {}", field);
  } else if (!field.empty() || !path_.empty()) {
    std::string name = path_ + std::string(field);
    if (name.back() == '.') name.pop_back();
    out += fmt::format(": field '{}'", name);
  }
  if (location && base_ && location >= base_) {
    out += fmt::format(" at byte {}", location - base_);
  }
  return out;
}

bool Reader::Fail(simdjson::error_code err, std::string_view field, const char* location) {
  if (!location && doc_ && doc_->current_location().get(location)) location = nullptr;
  if (status_.ok()) {
    code_ = err;
    std::string reason = err == simdjson::INCORRECT_TYPE ? "wrong type"
                         : err == simdjson::INCOMPLETE_ARRAY_OR_OBJECT
                             ? "truncated (the document ends early)"
                             : simdjson::error_message(err);
    status_ = Status::Corruption(fmt::format("{}: {}", Where(field, location), reason));
  }
  return false;
}

bool Reader::Fail(simdjson::error_code err, std::string_view field, od::value& v) {
  const char* loc = nullptr;
  if (v.current_location().get(loc)) loc = nullptr;
  return Fail(err, field, loc);
}

bool Reader::FailText(std::string_view message, std::string_view field, const char* location) {
  if (status_.ok()) {
    status_ = Status::Corruption(fmt::format("{}: {}", Where(field, location), message));
  }
  return false;
}

bool Reader::IsNull(od::value& v, std::string_view field, bool* is_null) {
  od::json_type t;
  if (auto err = v.type().get(t); err) return Fail(err, field, v);
  *is_null = t == od::json_type::null;
  return true;
}

bool Reader::Int(od::value v, std::string_view field, std::int64_t* out) {
  bool null = false;
  if (!IsNull(v, field, &null)) return false;
  if (null) return true;
  if (auto err = v.get_int64().get(*out); err) return Fail(err, field, v);
  return true;
}

bool Reader::OptInt(od::value v, std::string_view field, std::optional<std::int64_t>* out) {
  bool null = false;
  if (!IsNull(v, field, &null)) return false;
  if (null) {
    out->reset();
    return true;
  }
  std::int64_t x = 0;
  if (auto err = v.get_int64().get(x); err) return Fail(err, field, v);
  *out = x;
  return true;
}

bool Reader::Bool(od::value v, std::string_view field, bool* out) {
  bool null = false;
  if (!IsNull(v, field, &null)) return false;
  if (null) return true;
  if (auto err = v.get_bool().get(*out); err) return Fail(err, field, v);
  return true;
}

bool Reader::Str(od::value v, std::string_view field, std::string* out) {
  bool null = false;
  if (!IsNull(v, field, &null)) return false;
  if (null) {
    out->clear();
    return true;
  }
  std::string_view s;
  if (auto err = v.get_string().get(s); err) return Fail(err, field, v);
  out->assign(s.data(), s.size());  // the view dies with the next iterate
  return true;
}

bool Reader::OptStr(od::value v, std::string_view field, std::optional<std::string>* out) {
  bool null = false;
  if (!IsNull(v, field, &null)) return false;
  if (null) {
    out->reset();
    return true;
  }
  std::string_view s;
  if (auto err = v.get_string().get(s); err) return Fail(err, field, v);
  out->emplace(s);
  return true;
}

bool Reader::IdText(od::value v, std::string_view field, std::string* out) {
  od::json_type t;
  if (auto err = v.type().get(t); err) return Fail(err, field, v);
  if (t == od::json_type::number) {
    std::int64_t x = 0;
    if (auto err = v.get_int64().get(x); err) return Fail(err, field, v);
    *out = std::to_string(x);
    return true;
  }
  return Str(v, field, out);
}

bool Reader::Object(od::value& v, std::string_view field, od::object* out) {
  if (auto err = v.get_object().get(*out); err) return Fail(err, field, v);
  return true;
}

bool Reader::UserObject(od::object obj, std::string_view field, UserRef* out) {
  if (!Fields(obj, field, [&](std::string_view key, od::value val) {
        if (key == "id") {
          if (!Int(val, "id", &out->id)) return false;
        } else if (key == "login") {
          if (!Str(val, "login", &out->login)) return false;
        } else if (key == "type") {
          if (!Str(val, "type", &out->type)) return false;
        }
        return true;
      }))
    return false;
  return true;
}

bool Reader::User(od::value v, std::string_view field, std::optional<UserRef>* out) {
  bool null = false;
  if (!IsNull(v, field, &null)) return false;
  if (null) {
    out->reset();
    return true;
  }
  od::object obj;
  if (!Object(v, field, &obj)) return false;
  UserRef u;
  if (!UserObject(obj, field, &u)) return false;
  *out = std::move(u);
  return true;
}

bool Reader::Reactions(od::value v, std::string_view field, ReactionRollup* out) {
  bool null = false;
  if (!IsNull(v, field, &null)) return false;
  if (null) return true;
  od::object obj;
  if (!Object(v, field, &obj)) return false;
  if (!Fields(obj, field, [&](std::string_view key, od::value val) {
        std::int64_t* dst = key == "total_count" ? &out->total
                            : key == "+1"        ? &out->plus1
                            : key == "-1"        ? &out->minus1
                            : key == "laugh"     ? &out->laugh
                            : key == "hooray"    ? &out->hooray
                            : key == "confused"  ? &out->confused
                            : key == "heart"     ? &out->heart
                            : key == "rocket"    ? &out->rocket
                            : key == "eyes"      ? &out->eyes
                                                 : nullptr;
        if (dst && !Int(val, key, dst)) return false;
        return true;
      }))
    return false;
  return true;
}

// An issue's `pull_request`: null or absent for a plain issue, an object of links for a pull
// request. Until about 2014 (and on older GitHub Enterprise Server) every plain issue carried
// {"html_url": null, "diff_url": null, "patch_url": null}: an object whose links are all null
// is a plain issue too. Newer servers also put merged_at in it.
bool Reader::PullRequestRef(od::value v, bool* is_pull, std::optional<std::string>* merged_at) {
  bool null = false;
  if (!IsNull(v, "pull_request", &null)) return false;
  if (null) return true;
  od::object pr;
  if (!Object(v, "pull_request", &pr)) return false;
  bool saw_link = false, any_link = false;
  if (!Fields(pr, "pull_request", [&](std::string_view key, od::value val) {
        if (key == "merged_at") return OptStr(val, "merged_at", merged_at);
        if (key == "url" || key == "html_url" || key == "diff_url" || key == "patch_url") {
          bool link_null = false;
          if (!IsNull(val, "pull_request", &link_null)) return false;
          saw_link = true;
          any_link |= !link_null;
        }
        return true;
      }))
    return false;
  *is_pull = any_link || !saw_link;
  return true;
}

bool Reader::IssueObject(od::object obj, std::string_view field, IssueRecord* out,
                         bool pull_object) {
  out->from_pull_object = pull_object;
  if (pull_object) out->is_pull = true;
  if (!Fields(obj, field, [&](std::string_view key, od::value val) {
        if (key == "id") {
          if (!Int(val, "id", &out->id)) return false;
        } else if (key == "number") {
          if (!Int(val, "number", &out->number)) return false;
        } else if (key == "user") {
          if (!User(val, "user", &out->user)) return false;
        } else if (key == "state") {
          if (!Str(val, "state", &out->state)) return false;
        } else if (key == "title") {
          if (!Str(val, "title", &out->title)) return false;
        } else if (key == "html_url") {
          if (!Str(val, "html_url", &out->html_url)) return false;
        } else if (key == "repository_url") {
          if (!Str(val, "repository_url", &out->repository_url)) return false;
        } else if (key == "created_at") {
          if (!Str(val, "created_at", &out->created_at)) return false;
        } else if (key == "updated_at") {
          if (!Str(val, "updated_at", &out->updated_at)) return false;
        } else if (key == "closed_at") {
          if (!OptStr(val, "closed_at", &out->closed_at)) return false;
        } else if (key == "merged_at") {  // pull-request objects carry it at the top
          if (!OptStr(val, "merged_at", &out->merged_at)) return false;
        } else if (key == "comments") {
          if (!Int(val, "comments", &out->comments)) return false;
        } else if (key == "reactions") {
          if (!Reactions(val, "reactions", &out->reactions)) return false;
        } else if (key == "pull_request" && !pull_object) {
          return PullRequestRef(val, &out->is_pull, &out->merged_at);
        }
        return true;
      }))
    return false;
  return true;
}

bool Reader::Issue(od::value v, std::string_view field, IssueRecord* out, bool pull_object) {
  od::object obj;
  if (!Object(v, field, &obj)) return false;
  return IssueObject(obj, field, out, pull_object);
}

bool Reader::Comment(od::value v, std::string_view field, CommentRecord* out) {
  od::object obj;
  if (!Object(v, field, &obj)) return false;
  if (!Fields(obj, field, [&](std::string_view key, od::value val) {
        if (key == "id") {
          if (!Int(val, "id", &out->id)) return false;
        } else if (key == "user") {
          if (!User(val, "user", &out->user)) return false;
        } else if (key == "html_url") {
          if (!Str(val, "html_url", &out->html_url)) return false;
        } else if (key == "created_at") {
          if (!Str(val, "created_at", &out->created_at)) return false;
        } else if (key == "updated_at") {
          if (!Str(val, "updated_at", &out->updated_at)) return false;
        } else if (key == "reactions") {
          if (!Reactions(val, "reactions", &out->reactions)) return false;
        } else if (key == "pull_request_review_id") {
          if (!OptInt(val, "pull_request_review_id", &out->review_id)) return false;
        } else if (key == "issue_url" || key == "pull_request_url") {
          std::string url;
          std::string name(key);
          if (!Str(val, name, &url)) return false;
          if (!url.empty()) {
            auto n = TrailingNumber(url);
            if (!n) return FailText("no issue number in URL '" + url + "'", name, nullptr);
            out->number = *n;
          }
        }
        return true;
      }))
    return false;
  return true;
}

bool Reader::Review(od::value v, std::string_view field, ReviewRecord* out) {
  od::object obj;
  if (!Object(v, field, &obj)) return false;
  if (!Fields(obj, field, [&](std::string_view key, od::value val) {
        if (key == "id") {
          if (!Int(val, "id", &out->id)) return false;
        } else if (key == "user") {
          if (!User(val, "user", &out->user)) return false;
        } else if (key == "state") {
          if (!Str(val, "state", &out->state)) return false;
        } else if (key == "html_url") {
          if (!Str(val, "html_url", &out->html_url)) return false;
        } else if (key == "submitted_at") {
          if (!Str(val, "submitted_at", &out->submitted_at)) return false;
        } else if (key == "pull_request_url") {
          std::string url;
          if (!Str(val, "pull_request_url", &url)) return false;
          if (auto n = TrailingNumber(url)) out->pull_number = *n;
        }
        return true;
      }))
    return false;
  return true;
}

bool Reader::RepoObject(od::object obj, std::string_view field, RepoRecord* out) {
  if (!Fields(obj, field, [&](std::string_view key, od::value val) {
        if (key == "id") {
          if (!Int(val, "id", &out->id)) return false;
        } else if (key == "full_name") {
          if (!Str(val, "full_name", &out->full_name)) return false;
        } else if (key == "default_branch") {
          if (!Str(val, "default_branch", &out->default_branch)) return false;
        } else if (key == "html_url") {
          if (!Str(val, "html_url", &out->html_url)) return false;
        } else if (key == "updated_at") {
          if (!Str(val, "updated_at", &out->updated_at)) return false;
        } else if (key == "pushed_at") {
          if (!Str(val, "pushed_at", &out->pushed_at)) return false;
        } else if (key == "fork") {
          if (!Bool(val, "fork", &out->fork)) return false;
        } else if (key == "owner") {
          if (!User(val, "owner", &out->owner)) return false;
        }
        return true;
      }))
    return false;
  return true;
}

bool Reader::Repo(od::value v, std::string_view field, RepoRecord* out) {
  od::object obj;
  if (!Object(v, field, &obj)) return false;
  return RepoObject(obj, field, out);
}

bool Reader::Commit(od::value v, std::string_view field, CommitRecord* out) {
  od::object obj;
  if (!Object(v, field, &obj)) return false;
  if (!Fields(obj, field, [&](std::string_view key, od::value val) {
        if (key == "sha") {
          if (!Str(val, "sha", &out->sha)) return false;
        } else if (key == "html_url") {
          if (!Str(val, "html_url", &out->html_url)) return false;
        } else if (key == "author") {
          if (!User(val, "author", &out->author)) return false;
        } else if (key == "commit") {
          od::object commit;
          if (!Object(val, "commit", &commit)) return false;
          if (!Fields(commit, "commit", [&](std::string_view ckey, od::value cval) {
                std::string* dst = ckey == "author"      ? &out->authored_at
                                   : ckey == "committer" ? &out->committed_at
                                                         : nullptr;
                if (!dst) return true;
                std::string name(ckey);
                bool null = false;
                if (!IsNull(cval, name, &null)) return false;
                if (null) return true;
                od::object person;
                if (!Object(cval, name, &person)) return false;
                if (!Fields(person, name, [&](std::string_view pkey, od::value pval) {
                      if (pkey == "date" && !Str(pval, "date", dst)) return false;
                      return true;
                    }))
                  return false;
                return true;
              }))
            return false;
        }
        return true;
      }))
    return false;
  return true;
}

bool Reader::SearchItem(od::value v, std::string_view field, SearchIssueRecord* out) {
  od::object obj;
  if (!Object(v, field, &obj)) return false;
  if (!Fields(obj, field, [&](std::string_view key, od::value val) {
        if (key == "number") {
          if (!Int(val, "number", &out->number)) return false;
        } else if (key == "repository_url") {
          std::string url;
          if (!Str(val, "repository_url", &url)) return false;
          auto name = RepoFullNameFromUrl(url);
          if (!name) return FailText("no /repos/ in '" + url + "'", "repository_url", nullptr);
          out->repo_full_name = std::move(*name);
        } else if (key == "pull_request") {
          std::optional<std::string> merged_at;
          return PullRequestRef(val, &out->is_pull, &merged_at);
        }
        return true;
      }))
    return false;
  return true;
}

}  // namespace internal

void ReservePadding(std::string& body) { body.reserve(body.size() + kJsonPadding); }

std::optional<std::string> RepoFullNameFromUrl(std::string_view url) {
  constexpr std::string_view kRepos = "/repos/";
  auto pos = url.find(kRepos);
  if (pos == std::string_view::npos) return std::nullopt;
  std::string_view rest = url.substr(pos + kRepos.size());
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  auto end = rest.find('/', slash + 1);
  std::string_view name = rest.substr(0, end);
  if (name.size() <= slash + 1) return std::nullopt;
  return std::string(name);
}

std::optional<std::int64_t> TrailingNumber(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  std::size_t end = url.size(), start = end;
  while (start > 0 && url[start - 1] >= '0' && url[start - 1] <= '9') --start;
  if (start == end || end - start > 18) return std::nullopt;
  std::int64_t n = 0;
  for (std::size_t i = start; i < end; ++i) n = n * 10 + (url[i] - '0');
  return n;
}

}  // namespace ghharvest::github
