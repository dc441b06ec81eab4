// The rows a query gives, each as one line of text ("a | b | NULL"), so a test can compare a
// table's content before and after with ==. Header-only, beside check_ok.hpp.
#pragma once

#include <string>
#include <vector>

#include "check_ok.hpp"
#include "ghharvest/store/database.hpp"

namespace ghharvest::testing {

inline std::vector<std::string> RowsAsText(store::Database& db, const std::string& sql) {
  auto st = db.Prepare(sql);
  REQUIRE_OK(st);
  store::StatementGuard g(**st);
  std::vector<std::string> out;
  while (g->Step()) {
    std::string row;
    for (int c = 0; c < g->ColumnCount(); ++c) {
      if (c) row += " | ";
      row += g->IsNull(c) ? "NULL" : g->Text(c);
    }
    out.push_back(row);
  }
  REQUIRE_OK(g->status());
  return out;
}

}  // namespace ghharvest::testing
