#include "ghharvest/store/database.hpp"
#include "ghharvest/util/log.hpp"

#include <sqlite3.h>

#include <filesystem>

#include <fmt/format.h>

#include "ghharvest/store/migrations.hpp"

namespace ghharvest::store {
namespace {

Status SqliteError(sqlite3* db, std::string_view what) {
  return Status::IOError(fmt::format("sqlite: {}: {}", what, db ? sqlite3_errmsg(db) : "?"));
}

}  // namespace

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Bind(int index, std::int64_t value) {
  if (int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK && status_.ok()) {
    status_ = SqliteError(db_, "bind");
  }
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  if (int rc = sqlite3_bind_double(stmt_, index, value); rc != SQLITE_OK && status_.ok()) {
    status_ = SqliteError(db_, "bind");
  }
  return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
  int rc = sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                             SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && status_.ok()) status_ = SqliteError(db_, "bind");
  return *this;
}

Statement& Statement::BindNull(int index) {
  if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK && status_.ok()) {
    status_ = SqliteError(db_, "bind");
  }
  return *this;
}

bool Statement::Step() {
  if (!status_.ok()) return false;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) {
    status_ = SqliteError(db_, sqlite3_sql(stmt_));
  }
  return false;
}

Status Statement::Run() {
  while (Step()) {
  }
  return status_;
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  status_ = Status::Ok();
}

int Statement::ColumnCount() const { return sqlite3_column_count(stmt_); }
bool Statement::IsInteger(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_INTEGER;
}
bool Statement::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
std::int64_t Statement::Int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::Double(int col) const { return sqlite3_column_double(stmt_, col); }

std::string Statement::Text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<std::string> Statement::OptText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}

std::optional<std::int64_t> Statement::OptInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& path, OpenOptions opts) {
  if (!opts.read_only && path != ":memory:" && path.rfind("file:", 0) != 0) {
    // A fresh install has no state folder yet; an error here shows up in sqlite3_open_v2.
    std::error_code ec;
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  }
  sqlite3* raw = nullptr;
  int flags = opts.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = Status::IOError(fmt::format("cannot open database {}: {}", path,
                                           raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    sqlite3_close(raw);
    return s;
  }
  std::unique_ptr<Database> db(new Database(raw, path));
  sqlite3_busy_timeout(raw, opts.busy_timeout_ms);
  sqlite3_extended_result_codes(raw, 1);
  // Refuse a newer database before the journal_mode pragma, which would rewrite its header.
  if (opts.apply_migrations && db->UserVersion() > LatestSchemaVersion()) {
    return Status::TooNew(fmt::format(
        "{}: schema version {} is newer than this ghharvest knows ({}); upgrade ghharvest", path,
        db->UserVersion(), LatestSchemaVersion()));
  }
  if (!opts.read_only) {
    if (Status s = db->Exec("PRAGMA journal_mode=WAL"); !s.ok()) {
      return Status::IOError(fmt::format("database {}: {}", path, s.message()));
    }
  }
  if (Status s = db->Exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON"); !s.ok()) {
    return Status::IOError(fmt::format("database {}: {}", path, s.message()));
  }
  if (opts.apply_migrations) {
    if (Status s = ApplyMigrations(*db, EmbeddedMigrations()); !s.ok()) {
      return Status(s.code() == Status::Code::kTooNew
                        ? Status::TooNew(fmt::format("{}: {}", path, s.message()))
                        : Status::IOError(fmt::format("{}: {}", path, s.message())));
    }
  }
  return db;
}

Database::~Database() {
  cache_.clear();  // finalize statements before closing
  sqlite3_close(db_);
}

Status Database::Exec(std::string_view sql) {
  char* err = nullptr;
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    Status s = Status::IOError(fmt::format("sqlite: {}", err ? err : sqlite3_errstr(rc)));
    sqlite3_free(err);
    return s;
  }
  return Status::Ok();
}

Result<Statement*> Database::Prepare(std::string_view sql) {
  std::string key(sql);
  if (auto it = cache_.find(key); it != cache_.end()) {
    it->second->Reset();
    return it->second.get();
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, "prepare: " + key);
  auto owned = std::make_unique<Statement>(db_, stmt);
  Statement* p = owned.get();
  cache_.emplace(std::move(key), std::move(owned));
  return p;
}

Result<std::optional<std::int64_t>> Database::QueryInt(std::string_view sql) {
  auto st = Prepare(sql);
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  std::optional<std::int64_t> v;
  if (g->Step()) v = g->OptInt(0);
  if (!g->status().ok()) return g->status();
  return v;
}

int Database::UserVersion() {
  auto v = QueryInt("PRAGMA user_version");
  return v.ok() && *v ? static_cast<int>(**v) : 0;
}

std::int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int Database::Changes() const { return sqlite3_changes(db_); }

Transaction::Transaction(Database& db) : db_(db) { begin_status_ = db_.Exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (done_ || !begin_status_.ok()) return;
  // SQLite already rolled back on some errors (SQLITE_FULL, SQLITE_IOERR...): nothing to undo.
  if (sqlite3_get_autocommit(db_.raw()) != 0) return;
  // A destructor cannot return the failure; say it, since the next BEGIN will then fail too.
  if (Status s = db_.Exec("ROLLBACK"); !s.ok()) {
    log::Error("rollback failed database={} error=\"{}\"", db_.path(), s.ToString());
  }
}

Status Transaction::Commit() {
  if (!begin_status_.ok()) return begin_status_;
  Status s = db_.Exec("COMMIT");
  if (s.ok()) done_ = true;
  return s;
}

ReadSnapshot::ReadSnapshot(Database& db) : db_(db) {
  if (sqlite3_get_autocommit(db_.raw()) == 0) return;  // inside a transaction already
  status_ = db_.Exec("BEGIN DEFERRED");
  began_ = status_.ok();
}

ReadSnapshot::~ReadSnapshot() {
  // COMMIT ends a read-only transaction; ROLLBACK if that fails (a statement left open).
  if (!began_ || db_.Exec("COMMIT").ok()) return;
  if (sqlite3_get_autocommit(db_.raw()) != 0) return;  // the failed COMMIT ended it anyway
  if (Status s = db_.Exec("ROLLBACK"); !s.ok()) {
    log::Error("ending a read snapshot failed database={} error=\"{}\"", db_.path(), s.ToString());
  }
}

}  // namespace ghharvest::store
