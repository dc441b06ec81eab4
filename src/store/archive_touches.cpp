// What imported GH Archive history says a writer touched (ingest.hpp), for discovery.
#include "ghharvest/store/ingest.hpp"

namespace ghharvest::store {
namespace {

// A writer's own work in a project: what discovery by search or events would find too.
bool IsArchiveTouch(const model::EventRecord& e) {
  const std::string& t = e.type;
  if (t == "PushEvent" || t == "IssueCommentEvent" || t == "PullRequestReviewEvent" ||
      t == "PullRequestReviewCommentEvent" || t == "CommitCommentEvent") {
    return true;
  }
  return (t == "IssuesEvent" || t == "PullRequestEvent") && e.action == "opened";
}

}  // namespace

Status Ingest::RecordArchiveTouch(const model::EventRecord& e) {
  if (!IsArchiveTouch(e) || e.actor.login.empty() || e.repo_name.empty()) return Status::Ok();
  // One row per (actor, project, time, kind): a re-imported file adds nothing.
  auto st = db_.Prepare(
      "INSERT INTO archive_touches(login, repo_name, repo_id, type, at) VALUES(?1, ?2, ?3, ?4, ?5)"
      " ON CONFLICT DO NOTHING");
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  g->Bind(1, e.actor.login).Bind(2, e.repo_name);
  if (e.repo_id != 0) {
    g->Bind(3, e.repo_id);
  } else {
    g->BindNull(3);
  }
  g->Bind(4, e.type).Bind(5, e.created_at);
  return g->Run();
}

Result<std::vector<std::string>> Ingest::ArchiveTouchedRepos(std::string_view login) {
  // Most-touched first, then the most recently touched, then by name: a stable order, so
  // the cap keeps the same projects every cycle. A repository renamed since is asked for by
  // its old name, which GitHub redirects (the harvester follows it).
  auto st = db_.Prepare(
      "SELECT repo_name, count(*) AS n, max(at) AS last FROM archive_touches WHERE login = ?1"
      " GROUP BY repo_name ORDER BY n DESC, last DESC, repo_name");
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  g->Bind(1, login);
  std::vector<std::string> out;
  while (g->Step()) out.push_back(g->Text(0));
  if (!g->status().ok()) return g->status();
  return out;
}

}  // namespace ghharvest::store
