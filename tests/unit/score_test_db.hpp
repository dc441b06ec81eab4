// A tiny hand-built database for the score_* and report_* tests: rows go straight into the
// harvest tables, so the counts are known exactly.
#pragma once

#include <memory>
#include <string>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "ghharvest/config/config.hpp"
#include "ghharvest/store/database.hpp"
#include "manual_clock.hpp"

namespace ghharvest::testing {

// A SQL string literal.
inline std::string Q(const std::string& s) {
  std::string out = "'";
  for (char ch : s) {
    out.push_back(ch);
    if (ch == '\'') out.push_back('\'');
  }
  return out + "'";
}

class CountsDb {
 public:
  explicit CountsDb(const std::string& path = ":memory:") {
    auto db = store::Database::Open(path);
    REQUIRE_MESSAGE(db.ok(), db.status().ToString());
    db_ = std::move(db).value();
  }
  store::Database& db() { return *db_; }

  void Exec(const std::string& sql) {
    Status s = db_->Exec(sql);
    REQUIRE_MESSAGE(s.ok(), (s.ToString() + " in " + sql));
  }
  void User(int id, const std::string& login, const std::string& type = "User") {
    Exec(fmt::format("INSERT INTO users (id, login, type) VALUES ({}, '{}', '{}')", id, login,
                     type));
  }
  void Writer(const std::string& login) {
    Exec(fmt::format("INSERT INTO writers (login) VALUES ('{}')", login));
  }
  void Repo(int id, const std::string& full_name) {
    Exec(fmt::format("INSERT INTO repos (id, full_name, html_url) VALUES ({}, '{}', '{}')", id,
                     full_name, "https://example.test/" + full_name));
  }
  void Commit(int repo, const std::string& sha, int author, const std::string& at) {
    Exec(fmt::format(
        "INSERT INTO commits (repo_id, sha, author_id, authored_at) VALUES ({}, '{}', {}, '{}')",
        repo, sha, author, at));
  }
  // An issue or pull request; merged_at empty: not merged.
  void Issue(int id, int repo, int number, int user, bool pull, const std::string& title,
             const std::string& created, const std::string& merged = "", int reactions = 0) {
    Exec(fmt::format(
        "INSERT INTO issues (id, repo_id, number, user_id, is_pull, title, html_url, created_at,"
        " merged_at, reactions_total, reactions_plus1) VALUES ({}, {}, {}, {}, {}, {},"
        " 'https://example.test/{}/{}', '{}', {}, {}, {})",
        id, repo, number, user, pull ? 1 : 0, Q(title), repo, number, created,
        merged.empty() ? "NULL" : "'" + merged + "'", reactions, reactions));
  }
  void IssueComment(int id, int repo, int number, int user, const std::string& at,
                    int reactions = 0) {
    Exec(
        fmt::format("INSERT INTO issue_comments (id, repo_id, issue_number, user_id, created_at,"
                    " reactions_total) VALUES ({}, {}, {}, {}, '{}', {})",
                    id, repo, number, user, at, reactions));
  }
  void ReviewComment(int id, int repo, int number, int user, const std::string& at) {
    Exec(
        fmt::format("INSERT INTO review_comments (id, repo_id, pull_number, user_id, created_at)"
                    " VALUES ({}, {}, {}, {}, '{}')",
                    id, repo, number, user, at));
  }
  void Review(int id, int repo, int number, int user, const std::string& state,
              const std::string& at) {
    Exec(
        fmt::format("INSERT INTO reviews (id, repo_id, pull_number, user_id, state, submitted_at)"
                    " VALUES ({}, {}, {}, {}, '{}', '{}')",
                    id, repo, number, user, state, at));
  }
  void BlogPost(const std::string& url, const std::string& writer, const std::string& project,
                const std::string& at) {
    Exec(fmt::format(
        "INSERT INTO blog_posts (url, writer, project, published_at) VALUES ('{}', '{}', '{}',"
        " '{}')",
        url, writer, project, at));
  }

 private:
  std::unique_ptr<store::Database> db_;
};

}  // namespace ghharvest::testing
