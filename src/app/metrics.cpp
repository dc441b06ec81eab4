#include "ghharvest/app/metrics.hpp"

#include <chrono>

#include "ghharvest/metrics/registry.hpp"
#include "ghharvest/store/operator_facts.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/log.hpp"

namespace ghharvest::app {

void CollectDatabaseMetrics(store::Database& db, metrics::Registry& m) {
  using metrics::Type;
  m.Declare("ghharvest_database_size_bytes", Type::kGauge, "The database file's pages, in bytes.");
  m.Declare("ghharvest_stored_items", Type::kGauge, "Rows in the database, by kind.");
  m.Declare("ghharvest_repository_last_sync_timestamp_seconds", Type::kGauge,
            "When every list of the repository had last been read (200 or 304), Unix time.");
  auto facts = store::ReadOperatorFacts(db);
  if (!facts.ok()) {
    log::Warning("metrics: reading the database failed error=\"{}\"", facts.status().ToString());
    return;
  }
  m.Set("ghharvest_database_size_bytes", {}, static_cast<double>(facts->database_bytes));
  m.Clear("ghharvest_stored_items");
  for (const auto& [kind, n] : facts->items) {
    m.Set("ghharvest_stored_items", {{"kind", kind}}, static_cast<double>(n));
  }
  m.Clear("ghharvest_repository_last_sync_timestamp_seconds");
  for (const auto& r : facts->repositories) {
    if (Clock::TimePoint t; ParseIso8601(r.last_sync, &t)) {
      m.Set("ghharvest_repository_last_sync_timestamp_seconds", {{"repository", r.repository}},
            static_cast<double>(
                std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count()));
    }
  }
}

}  // namespace ghharvest::app
