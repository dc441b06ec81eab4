#include <doctest/doctest.h>

#include "ghharvest/store/database.hpp"
#include "ghharvest/store/migrations.hpp"

using namespace ghharvest;

TEST_CASE("a new database is migrated to the latest schema version") {
  auto db = store::Database::Open(":memory:");
  REQUIRE(db.ok());
  CHECK((*db)->UserVersion() == store::LatestSchemaVersion());
  CHECK(store::LatestSchemaVersion() >= 1);
}
