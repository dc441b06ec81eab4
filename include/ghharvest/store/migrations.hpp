// Ordered schema migrations, embedded at build time from schema/NNNN_name.sql.
// Each is applied in its own transaction together with `PRAGMA user_version = N`.
#pragma once

#include <string_view>
#include <vector>

#include "ghharvest/util/status.hpp"

namespace ghharvest::store {

class Database;

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// Generated from schema/*.sql (cmake/EmbedSchema.cmake).
const std::vector<Migration>& EmbeddedMigrations();

// The newest version this code knows.
int LatestSchemaVersion();

// Applies `migrations` newer than the database's user_version, in order. A database whose
// version is newer than the newest migration is refused (Status::TooNew) untouched.
Status ApplyMigrations(Database& db, const std::vector<Migration>& migrations);

}  // namespace ghharvest::store
