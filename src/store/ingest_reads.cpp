// The reads the harvester makes between its writes (ingest.hpp).
#include <fmt/format.h>

#include "ghharvest/model/scores.hpp"
#include "ghharvest/store/ingest.hpp"

namespace ghharvest::store {

Result<std::vector<WatchRow>> Ingest::DiscoveredWatches(std::string_view writer) {
  auto st = db_.Prepare(
      "SELECT writer, repo_name, repo_id, source, status, gone_at FROM watches"
      " WHERE writer = ?1 AND source <> 'config'");
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  g->Bind(1, writer);
  std::vector<WatchRow> out;
  while (g->Step()) {
    out.push_back(
        WatchRow{g->Text(0), g->Text(1), g->OptInt(2), g->Text(3), g->Text(4), g->OptText(5)});
  }
  if (!g->status().ok()) return g->status();
  return out;
}

Result<std::optional<std::string>> Ingest::KnownLogin(std::string_view config_login) {
  auto st = db_.Prepare(
      "SELECT u.login FROM writers w JOIN users u ON u.id = w.user_id WHERE w.login = ?1");
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  g->Bind(1, config_login);
  std::optional<std::string> login;
  if (g->Step()) login = g->Text(0);
  if (!g->status().ok()) return g->status();
  return login;
}

Result<std::optional<std::string>> Ingest::RepoFullName(std::int64_t id) {
  auto st = db_.Prepare("SELECT full_name FROM repos WHERE id = ?1");
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  g->Bind(1, id);
  std::optional<std::string> name;
  if (g->Step()) name = g->Text(0);
  if (!g->status().ok()) return g->status();
  return name;
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
