// The database's side of the daemon's metrics: its size, the rows stored per kind and each
// repository's last sync (store/operator_facts.hpp), as gauges. Here because the daemon may
// not read the store itself.
#pragma once

namespace ghharvest::store {
class Database;
}
namespace ghharvest::metrics {
class Registry;
}

namespace ghharvest::app {

// Declares the families and sets them afresh (a repository no longer listed disappears). A
// read that fails is logged and leaves the last values.
void CollectDatabaseMetrics(store::Database& db, metrics::Registry& m);

}  // namespace ghharvest::app
