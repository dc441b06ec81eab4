#include "ghharvest/report/reporter.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "ghharvest/report/files.hpp"
#include "ghharvest/report/format.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/util/log.hpp"
#include "ghharvest/util/names.hpp"

namespace ghharvest::report {

namespace {

constexpr const char* kJsonlName = "influence.jsonl";

// Everything a writer's files are made of, so an unchanged writer costs a hash and a map
// lookup, not a file read.
std::string InputsHash(const score::WriterScore& ws) {
  return fmt::format("{:016x}", score::WriterDigest(ws));
}

struct PriorState {
  std::string numbers_hash, inputs_hash;
};

struct NewState {
  std::string writer, numbers_hash, inputs_hash;
};

struct NewBlog {
  std::string path, hash;
};

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Result<BlogInputs> ReadBlogInputs(store::Database& db, const score::WriterScore& ws,
                                  const score::ProjectScore& ps) {
  BlogInputs in;
  in.writer = ws.writer;
  in.project = ps.project;
  in.score = ps;
  std::optional<std::int64_t> repo_id;
  {
    auto st = db.Prepare("SELECT id, html_url FROM repos WHERE full_name = ?1");
    if (!st.ok()) return st.status();
    store::StatementGuard g(**st);
    g->Bind(1, ps.project);
    if (g->Step()) {
      repo_id = g->Int(0);
      in.project_url = g->OptText(1).value_or("");
    }
    if (!g->status().ok()) return g->status();
  }
  if (!repo_id) return in;  // e.g. a project known only from blog posts
  {
    auto st = db.Prepare(
        "SELECT MAX(d) FROM ("
        " SELECT MAX(MAX(COALESCE(created_at, ''), COALESCE(merged_at, ''))) AS d FROM issues"
        "  WHERE repo_id = ?2 AND user_id IN"
        "   (SELECT id FROM users WHERE login = ?1 COLLATE NOCASE)"
        " UNION ALL SELECT MAX(COALESCE(authored_at, committed_at)) FROM commits"
        "  WHERE repo_id = ?2 AND author_id IN"
        "   (SELECT id FROM users WHERE login = ?1 COLLATE NOCASE)"
        " UNION ALL SELECT MAX(created_at) FROM issue_comments"
        "  WHERE repo_id = ?2 AND user_id IN"
        "   (SELECT id FROM users WHERE login = ?1 COLLATE NOCASE)"
        " UNION ALL SELECT MAX(submitted_at) FROM reviews"
        "  WHERE repo_id = ?2 AND user_id IN"
        "   (SELECT id FROM users WHERE login = ?1 COLLATE NOCASE))");
    if (!st.ok()) return st.status();
    store::StatementGuard g(**st);
    g->Bind(1, ws.writer).Bind(2, *repo_id);
    if (g->Step()) in.date = g->OptText(0).value_or("").substr(0, 10);
    if (!g->status().ok()) return g->status();
  }
  {
    auto st = db.Prepare(
        "SELECT number, title, html_url, merged_at FROM issues"
        " WHERE repo_id = ?2 AND is_pull AND merged_at IS NOT NULL AND user_id IN"
        "  (SELECT id FROM users WHERE login = ?1 COLLATE NOCASE)"
        " ORDER BY merged_at DESC, number DESC LIMIT 20");
    if (!st.ok()) return st.status();
    store::StatementGuard g(**st);
    g->Bind(1, ws.writer).Bind(2, *repo_id);
    while (g->Step()) {
      BlogItem it;
      it.number = g->Int(0);
      it.is_pull = true;
      it.title = g->OptText(1).value_or("");
      it.html_url = g->OptText(2).value_or("");
      it.merged_at = g->OptText(3).value_or("");
      in.merged.push_back(std::move(it));
    }
    if (!g->status().ok()) return g->status();
  }
  {
    // Feedback as writer_project_counts counts it: others' comments, bots excluded.
    auto st = db.Prepare(
        "SELECT number, is_pull, title, html_url, reactions, feedback FROM ("
        " SELECT i.number, i.is_pull, i.title, i.html_url, i.reactions_total AS reactions,"
        "  (SELECT COUNT(*) FROM issue_comments ic LEFT JOIN users cu ON cu.id = ic.user_id"
        "    WHERE ic.repo_id = i.repo_id AND ic.issue_number = i.number"
        "      AND ic.user_id IS NOT i.user_id AND COALESCE(cu.is_bot, 0) = 0)"
        "  + (SELECT COUNT(*) FROM review_comments rc LEFT JOIN users cu ON cu.id = rc.user_id"
        "    WHERE rc.repo_id = i.repo_id AND rc.pull_number = i.number"
        "      AND rc.user_id IS NOT i.user_id AND COALESCE(cu.is_bot, 0) = 0) AS feedback"
        " FROM issues i WHERE i.repo_id = ?2 AND i.user_id IN"
        "  (SELECT id FROM users WHERE login = ?1 COLLATE NOCASE))"
        " WHERE reactions + feedback > 0"
        " ORDER BY reactions + feedback DESC, number ASC LIMIT 5");
    if (!st.ok()) return st.status();
    store::StatementGuard g(**st);
    g->Bind(1, ws.writer).Bind(2, *repo_id);
    while (g->Step()) {
      BlogItem it;
      it.number = g->Int(0);
      it.is_pull = g->Int(1) != 0;
      it.title = g->OptText(2).value_or("");
      it.html_url = g->OptText(3).value_or("");
      it.reactions = g->Int(4);
      it.feedback = g->Int(5);
      in.top.push_back(std::move(it));
    }
    if (!g->status().ok()) return g->status();
  }
  return in;
}

}  // namespace

Result<std::unique_ptr<Reporter>> Reporter::Open(const config::ReportsConfig& cfg) {
  if (cfg.dir.empty()) return Status::InvalidArgument("[reports] dir is empty");
  std::string dir = cfg.dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (Status s = MakeDirs(dir); !s.ok()) return s;
  config::ReportsConfig c = cfg;
  c.dir = dir;
  std::unique_ptr<Reporter> r(new Reporter(std::move(c)));
  std::lock_guard<std::mutex> lock(r->jsonl_mu_);
  if (Status s = r->OpenJsonlLocked(); !s.ok()) return s;
  return r;
}

Reporter::~Reporter() {
  if (jsonl_fd_ >= 0) ::close(jsonl_fd_);
}

Status Reporter::OpenJsonlLocked() {
  if (jsonl_fd_ >= 0) ::close(jsonl_fd_);
  const std::string path = cfg_.dir + "/" + kJsonlName;
  jsonl_fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (jsonl_fd_ < 0) {
    return Status::IOError(fmt::format("open {}: {}", path, std::strerror(errno)));
  }
  struct stat st;
  jsonl_size_ = ::fstat(jsonl_fd_, &st) == 0 ? st.st_size : 0;
  return Status::Ok();
}

Status Reporter::Reopen() {
  std::lock_guard<std::mutex> lock(jsonl_mu_);
  return OpenJsonlLocked();
}

Status Reporter::AppendLine(const std::string& line) {
  std::lock_guard<std::mutex> lock(jsonl_mu_);
  const std::string base = cfg_.dir + "/" + kJsonlName;
  if (jsonl_size_ > 0 &&
      jsonl_size_ + static_cast<std::int64_t>(line.size()) > cfg_.jsonl_max_bytes) {
    // influence.jsonl -> .1 -> .2 ... -> .keep (dropped), as logrotate would.
    const int keep = std::max(0, cfg_.jsonl_keep);
    if (keep == 0) {
      ::unlink(base.c_str());
    } else {
      ::unlink(fmt::format("{}.{}", base, keep).c_str());
      for (int i = keep - 1; i >= 1; --i) {
        ::rename(fmt::format("{}.{}", base, i).c_str(), fmt::format("{}.{}", base, i + 1).c_str());
      }
      if (::rename(base.c_str(), (base + ".1").c_str()) != 0 && errno != ENOENT) {
        return Status::IOError(fmt::format("rotate {}: {}", base, std::strerror(errno)));
      }
    }
    if (Status s = OpenJsonlLocked(); !s.ok()) return s;
  }
  // One write() for the whole line: with O_APPEND, readers see whole lines only.
  ssize_t n;
  do {
    n = ::write(jsonl_fd_, line.data(), line.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Status::IOError(fmt::format("append {}: {}", base, std::strerror(errno)));
  if (static_cast<std::size_t>(n) != line.size()) {
    return Status::IOError(fmt::format("append {}: short write", base));
  }
  jsonl_size_ += n;
  return Status::Ok();
}

Result<EmitStats> Reporter::Emit(store::Database& db, const score::ScoreRun& run,
                                 const Clock& /*clock*/) {
  EmitStats stats;
  const std::string& dir = cfg_.dir;

  std::unordered_map<std::string, PriorState> prior;
  {
    auto st =
        db.Prepare("SELECT writer, numbers_hash, inputs_hash FROM report_state WHERE dir = ?1");
    if (!st.ok()) return st.status();
    store::StatementGuard g(**st);
    g->Bind(1, dir);
    while (g->Step()) prior[AsciiLower(g->Text(0))] = PriorState{g->Text(1), g->Text(2)};
    if (!g->status().ok()) return g->status();
  }

  std::vector<NewState> new_states;
  std::vector<NewBlog> new_blogs;
  std::unordered_set<std::string> made_dirs;
  auto ensure_dir = [&](const std::string& d) -> Status {
    if (made_dirs.count(d)) return Status::Ok();
    if (Status s = MakeDirs(d); !s.ok()) return s;
    made_dirs.insert(d);
    return Status::Ok();
  };
  auto write = [&](const std::string& path, const std::string& content) -> Status {
    if (Status s = ensure_dir(path.substr(0, path.rfind('/'))); !s.ok()) return s;
    auto r = WriteFileIfChanged(path, content);
    if (!r.ok()) return r.status();
    if (*r == WriteOutcome::kWritten) {
      ++stats.files_written;
    } else {
      ++stats.files_unchanged;
    }
    return Status::Ok();
  };

  for (const score::WriterScore& ws : run.writers) {
    if (!IsValidLogin(ws.writer)) {
      log::Error("report refused: unsafe writer name writer={}", JsonString(ws.writer));
      ++stats.refused;
      continue;
    }
    const std::string total_path = dir + "/total_influences/" + ws.writer + ".txt";
    const std::string inputs_hash = InputsHash(ws);
    auto it = prior.find(AsciiLower(ws.writer));
    if (it != prior.end() && it->second.inputs_hash == inputs_hash && FileExists(total_path)) {
      continue;
    }
    ++stats.writers_changed;

    for (const score::ProjectScore& ps : ws.projects) {
      if (!IsValidRepoName(ps.project)) {
        log::Error("report refused: unsafe project name writer={} project={}", ws.writer,
                   JsonString(ps.project));
        ++stats.refused;
        continue;
      }
      const std::string repo = ps.project.substr(ps.project.find('/') + 1);
      const std::string rel = ps.project + "/" + ws.writer + "_" + repo + ".txt";
      if (Status s = write(dir + "/contributions/" + rel, ContributionFile(ps)); !s.ok()) return s;
      if (Status s = write(dir + "/influences/" + rel, InfluenceFile(ps)); !s.ok()) return s;
    }
    // Refused projects are left out of every report, so no unsafe name is echoed anywhere.
    score::WriterScore shown = ws;
    shown.projects.clear();
    for (const score::ProjectScore& ps : ws.projects) {
      if (IsValidRepoName(ps.project)) shown.projects.push_back(ps);
    }
    if (!ws.best_project.empty() && !IsValidRepoName(ws.best_project)) shown.best_project = "-";
    if (Status s = write(total_path, TotalFile(shown)); !s.ok()) return s;

    // The blog draft for the best project.
    const score::ProjectScore* best = nullptr;
    for (const score::ProjectScore& ps : ws.projects) {
      if (ps.project == ws.best_project) best = &ps;
    }
    if (best != nullptr && IsValidRepoName(best->project)) {
      auto in = ReadBlogInputs(db, ws, *best);
      if (!in.ok()) return in.status();
      const std::string path = fmt::format("{}/blogs/{}/{}/{}.md", dir, best->project, ws.writer,
                                           BlogSlug(best->project));
      const std::string md = BlogMarkdown(*in);
      auto existing = ReadWholeFile(path);
      if (!existing.ok()) return existing.status();
      std::optional<std::string> generated;
      {
        auto st = db.Prepare("SELECT generated_hash FROM report_blogs WHERE path = ?1");
        if (!st.ok()) return st.status();
        store::StatementGuard g(**st);
        g->Bind(1, path);
        if (g->Step()) generated = g->Text(0);
        if (!g->status().ok()) return g->status();
      }
      // Ours to replace only when it still holds exactly what we generated last time.
      const bool edited =
          *existing && **existing != md && (!generated || HashHex(**existing) != *generated);
      if (edited) {
        ++stats.blogs_kept_edited;
        log::Notice("blog draft edited by its writer, kept path={}", path);
      } else {
        const int before = stats.files_written;
        if (Status s = write(path, md); !s.ok()) return s;
        if (stats.files_written != before) ++stats.blogs_written;
        new_blogs.push_back(NewBlog{path, HashHex(md)});
      }
    }

    const std::string body = JsonlBody(shown);
    const std::string numbers_hash = HashHex(body);
    if (it == prior.end() || it->second.numbers_hash != numbers_hash) {
      const std::string ts = run.finished_at.empty() ? run.started_at : run.finished_at;
      if (Status s = AppendLine(
              fmt::format("{{\"ts\":{},\"run\":{},{}}}\n", JsonString(ts), run.run, body));
          !s.ok()) {
        return s;
      }
      ++stats.jsonl_lines;
    }
    new_states.push_back(NewState{ws.writer, numbers_hash, inputs_hash});
    if (progress_) progress_();
  }

  if (!new_states.empty() || !new_blogs.empty()) {
    store::Transaction tx(db);
    if (!tx.status().ok()) return tx.status();
    auto st = db.Prepare(
        "INSERT INTO report_state (dir, writer, numbers_hash, inputs_hash, run)"
        " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (dir, writer) DO UPDATE SET"
        " writer = excluded.writer, numbers_hash = excluded.numbers_hash,"
        " inputs_hash = excluded.inputs_hash, run = excluded.run");
    if (!st.ok()) return st.status();
    {
      store::StatementGuard g(**st);
      for (const NewState& ns : new_states) {
        g->Reset();
        g->Bind(1, dir).Bind(2, ns.writer).Bind(3, ns.numbers_hash).Bind(4, ns.inputs_hash);
        g->Bind(5, run.run);
        if (Status s = g->Run(); !s.ok()) return s;
      }
    }
    auto bst = db.Prepare(
        "INSERT INTO report_blogs (path, generated_hash, run) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (path) DO UPDATE SET generated_hash = excluded.generated_hash,"
        " run = excluded.run");
    if (!bst.ok()) return bst.status();
    {
      store::StatementGuard g(**bst);
      for (const NewBlog& nb : new_blogs) {
        g->Reset();
        g->Bind(1, nb.path).Bind(2, nb.hash).Bind(3, run.run);
        if (Status s = g->Run(); !s.ok()) return s;
      }
    }
    if (Status s = tx.Commit(); !s.ok()) return s;
  }
  return stats;
}

}  // namespace ghharvest::report
