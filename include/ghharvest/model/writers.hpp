// A watched writer as the operator configured it: plain data the config produces and the
// store mirrors into its writers and watches tables.
#pragma once

#include <string>
#include <vector>

namespace ghharvest::model {

struct WatchedWriter {
  std::string login;               // as written; GitHub compares logins case-insensitively
  std::vector<std::string> repos;  // 'owner/repo'; empty: discovered
};

}  // namespace ghharvest::model
