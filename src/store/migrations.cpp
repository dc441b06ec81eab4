#include "ghharvest/store/migrations.hpp"

#include <fmt/format.h>

#include "ghharvest/store/database.hpp"

namespace ghharvest::store {

int LatestSchemaVersion() {
  const auto& all = EmbeddedMigrations();
  return all.empty() ? 0 : all.back().version;
}

Status ApplyMigrations(Database& db, const std::vector<Migration>& migrations) {
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  const int current = db.UserVersion();
  if (current > latest) {
    return Status::TooNew(
        fmt::format("schema version {} is newer than this ghharvest knows ({}); upgrade ghharvest",
                    current, latest));
  }
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    Transaction tx(db);
    if (!tx.status().ok()) return tx.status();
    if (Status s = db.Exec(m.sql); !s.ok()) {
      return Status::IOError(fmt::format("migration {} failed: {}", m.name, s.message()));
    }
    if (Status s = db.Exec(fmt::format("PRAGMA user_version = {}", m.version)); !s.ok()) return s;
    if (Status s = tx.Commit(); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace ghharvest::store
