// RAII over SQLite: a Database owns one connection, a Statement one prepared statement,
// a Transaction one BEGIN IMMEDIATE that rolls back unless committed.
// Not thread-safe: one Database per thread (the daemon has one, on its io_context thread).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ghharvest/util/status.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace ghharvest::store {

class Database;

// A prepared statement. Bind with 1-based indexes, Step() until it returns false.
// Reset() clears bindings and rewinds; Database::Prepare hands out cached statements
// already reset, so a statement is prepared once per connection.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, int value) { return Bind(index, static_cast<std::int64_t>(value)); }
  Statement& Bind(int index, double value);
  Statement& Bind(int index, std::string_view value);
  Statement& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Statement& Bind(int index, const std::string& value) {
    return Bind(index, std::string_view(value));
  }
  Statement& BindNull(int index);
  template <typename T>
  Statement& Bind(int index, const std::optional<T>& value) {
    return value ? Bind(index, *value) : BindNull(index);
  }

  // Runs one step: true when a row is ready, false when done. Errors go to status().
  bool Step();
  // Runs to completion (for INSERT/UPDATE/DELETE); returns the first error.
  Status Run();
  Status status() const { return status_; }
  void Reset();

  int ColumnCount() const;  // of the result rows
  bool IsNull(int col) const;
  bool IsInteger(int col) const;  // the value's storage class, not the column's type
  std::int64_t Int(int col) const;
  double Double(int col) const;
  std::string Text(int col) const;
  std::optional<std::string> OptText(int col) const;
  std::optional<std::int64_t> OptInt(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  Status status_;
};

// Resets a cached statement when it leaves scope, so the next user starts clean.
class StatementGuard {
 public:
  explicit StatementGuard(Statement& s) : s_(s) {}
  ~StatementGuard() { s_.Reset(); }
  StatementGuard(const StatementGuard&) = delete;
  StatementGuard& operator=(const StatementGuard&) = delete;
  Statement* operator->() { return &s_; }
  Statement& operator*() { return s_; }

 private:
  Statement& s_;
};

struct OpenOptions {
  bool read_only = false;
  int busy_timeout_ms = 5000;
  bool apply_migrations = true;  // false: open as is (status on a newer db, tests)
};

class Database {
 public:
  // Opens (creating it and its parent folder when needed) the file at `path` (":memory:"
  // works), sets WAL,
  // synchronous=NORMAL, foreign_keys=ON and the busy timeout, then applies pending
  // migrations. Refuses a database whose user_version is newer than this code knows.
  static Result<std::unique_ptr<Database>> Open(const std::string& path, OpenOptions opts = {});

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one or more statements without results.
  Status Exec(std::string_view sql);
  // A statement cached by its SQL text, reset and ready; use through a StatementGuard.
  Result<Statement*> Prepare(std::string_view sql);
  // Convenience: the first column of the first row as an integer (nullopt when no row).
  Result<std::optional<std::int64_t>> QueryInt(std::string_view sql);

  // The first column of the first row as text, with ?1 bound to `arg`; nullopt when there is
  // no row or the value is NULL.
  template <typename Arg>
  Result<std::optional<std::string>> QueryText(std::string_view sql, const Arg& arg);

  int UserVersion();
  std::int64_t LastInsertRowId() const;
  int Changes() const;
  sqlite3* raw() { return db_; }
  const std::string& path() const { return path_; }

 private:
  explicit Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

template <typename Arg>
Result<std::optional<std::string>> Database::QueryText(std::string_view sql, const Arg& arg) {
  auto st = Prepare(sql);
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  g->Bind(1, arg);
  std::optional<std::string> value;
  if (g->Step()) value = g->OptText(0);
  if (!g->status().ok()) return g->status();
  return value;
}

// BEGIN IMMEDIATE now; ROLLBACK in the destructor unless Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Database& db);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  const Status& status() const { return begin_status_; }
  Status Commit();

 private:
  Database& db_;
  Status begin_status_;
  bool done_ = false;
};

// A read transaction: every query until the destructor sees one snapshot of the database,
// even while another process commits. Does nothing inside an open transaction (that one
// already gives a snapshot).
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Database& db);
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  ~ReadSnapshot();
  const Status& status() const { return status_; }

 private:
  Database& db_;
  Status status_;
  bool began_ = false;
};

}  // namespace ghharvest::store
