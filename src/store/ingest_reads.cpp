// The reads the harvester makes between its writes (ingest.hpp).
#include <fmt/format.h>

#include "ghharvest/model/scores.hpp"
#include "ghharvest/store/ingest.hpp"
#include "ghharvest/util/names.hpp"
#include "store/counting_rules.hpp"

namespace ghharvest::store {

Result<std::vector<WatchRow>> Ingest::DiscoveredWatches(std::string_view writer) {
  // The watches table holds a few rows per writer: filtering the whole list costs nothing.
  auto all = ListWatches();
  if (!all.ok()) return all.status();
  std::vector<WatchRow> out;
  for (WatchRow& w : *all) {
    // watches.writer is NOCASE, as logins are.
    if (AsciiLower(w.writer) == AsciiLower(writer) && w.source != "config") {
      out.push_back(std::move(w));
    }
  }
  return out;
}

Result<std::optional<std::string>> Ingest::KnownLogin(std::string_view config_login) {
  return db_.QueryText(
      "SELECT u.login FROM writers w JOIN users u ON u.id = w.user_id WHERE w.login = ?1",
      config_login);
}

Result<bool> Ingest::LoginSeen(std::string_view login) {
  auto n = db_.QueryText("SELECT 1 FROM users WHERE login = ?1 COLLATE NOCASE LIMIT 1", login);
  if (!n.ok()) return n.status();
  return n->has_value();
}

Result<std::optional<std::string>> Ingest::WriterGoneAt(std::string_view login) {
  return db_.QueryText(rules::kWriterGoneAt, login);
}

Result<std::optional<std::string>> Ingest::RepoFullName(std::int64_t id) {
  return db_.QueryText("SELECT full_name FROM repos WHERE id = ?1", id);
}

Result<std::optional<std::string>> Ingest::RepoDefaultBranch(std::int64_t id) {
  return db_.QueryText("SELECT default_branch FROM repos WHERE id = ?1 AND default_branch <> ''",
                       id);
}

Result<std::string> Ingest::CountsDigest() {
  // Every count column (model::kCounts), so a new count cannot be missed here.
  std::string row = "writer || '|' || project";
  for (const model::CountInfo& info : model::kCounts)
    row += fmt::format(" || '|' || {}", info.column);
  auto st = db_.Prepare(fmt::format("SELECT {} FROM writer_project_counts ORDER BY 1", row));
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  std::string out;
  while (g->Step()) {
    out += g->Text(0);
    out += '\n';
  }
  if (!g->status().ok()) return g->status();
  return out;
}

}  // namespace ghharvest::store
