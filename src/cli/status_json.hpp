// `ghharvest status --json`: the facts `status` prints, plus the database's size, the rows
// stored per kind and each repository's last sync (the same the daemon's metrics read from
// the database), as one JSON object for scripts. docs/operations.md describes the fields.
#pragma once

#include <string>
#include <vector>

#include "ghharvest/config/config.hpp"
#include "ghharvest/store/operator_facts.hpp"
#include "ghharvest/store/posts.hpp"
#include "ghharvest/store/status_snapshot.hpp"

namespace ghharvest::cli {

struct StatusFacts {
  std::string database;  // the path
  bool exists = false;   // false: not created yet (everything below empty)
  int schema_version = 0;
  int latest_schema_version = 0;
  store::StatusSnapshot snapshot;
  store::OperatorFacts facts;
  std::vector<model::FeedState> feeds;
};

std::string StatusJson(const config::Config& cfg, const StatusFacts& s);

}  // namespace ghharvest::cli
