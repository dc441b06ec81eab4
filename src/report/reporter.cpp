#include "ghharvest/report/reporter.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "ghharvest/report/files.hpp"
#include "ghharvest/report/format.hpp"
#include "ghharvest/report/site.hpp"
#include "ghharvest/util/log.hpp"
#include "ghharvest/util/names.hpp"
#include "report/prune.hpp"

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

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// The writer's scores as the reports show them: refused projects are left out of every
// report, so no unsafe name is echoed anywhere.
score::WriterScore Shown(const score::WriterScore& ws) {
  score::WriterScore shown = ws;
  shown.projects.clear();
  for (const score::ProjectScore& ps : ws.projects) {
    if (IsValidRepoName(ps.project)) shown.projects.push_back(ps);
  }
  if (!ws.best_project.empty() && !IsValidRepoName(ws.best_project)) shown.best_project = "-";
  return shown;
}

// Adds the time of its scope to `total` (EmitStats::site_seconds, for the benchmark).
class SiteTimer {
 public:
  explicit SiteTimer(double& total) : total_(total), t0_(std::chrono::steady_clock::now()) {}
  ~SiteTimer() {
    total_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }
  SiteTimer(const SiteTimer&) = delete;
  SiteTimer& operator=(const SiteTimer&) = delete;

 private:
  double& total_;
  std::chrono::steady_clock::time_point t0_;
};

// The points of one writer within all writers' points (sorted by writer, then run).
struct PointRange {
  const model::InfluencePoint* begin = nullptr;
  const model::InfluencePoint* end = nullptr;
};

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

Result<EmitStats> Reporter::Emit(ReportState& state, const score::ScoreRun& run,
                                 const Clock& /*clock*/) {
  EmitStats stats;
  const std::string& dir = cfg_.dir;

  std::unordered_map<std::string, PriorState> prior;
  {
    auto emitted = state.Emitted(dir);
    if (!emitted.ok()) return emitted.status();
    for (model::EmittedWriter& w : *emitted) {
      prior[AsciiLower(w.writer)] = PriorState{std::move(w.numbers_hash), std::move(w.inputs_hash)};
    }
  }

  // The site's history: read once per run, and only when the site is on.
  std::vector<model::InfluencePoint> points;
  std::unordered_map<std::string, PointRange> points_of;
  if (cfg_.site) {
    const SiteTimer timer(stats.site_seconds);
    auto p = state.InfluencePoints();
    if (!p.ok()) return p.status();
    points = std::move(*p);
    for (std::size_t i = 0; i < points.size();) {
      std::size_t j = i;
      while (j < points.size() && points[j].writer == points[i].writer) ++j;
      points_of[points[i].writer] = PointRange{points.data() + i, points.data() + j};
      i = j;
    }
  }
  const std::string site_dir = dir + "/site";

  std::vector<model::EmittedWriter> new_states;
  std::vector<model::EmittedBlog> new_blogs;
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
  auto write_site = [&](const std::string& path, const std::string& content) -> Status {
    if (Status s = ensure_dir(path.substr(0, path.rfind('/'))); !s.ok()) return s;
    auto r = WriteFileIfChanged(path, content);
    if (!r.ok()) return r.status();
    ++(*r == WriteOutcome::kWritten ? stats.site_written : stats.site_unchanged);
    return Status::Ok();
  };
  // The writer's page, from the facts of its best project (`facts` when already read).
  auto write_page = [&](const score::WriterScore& shown, const model::BlogFacts* facts) -> Status {
    const SiteTimer timer(stats.site_seconds);
    WriterPageInputs in;
    in.score = shown;
    if (auto it = points_of.find(shown.writer); it != points_of.end()) {
      in.history.assign(it->second.begin, it->second.end);
    }
    if (IsValidRepoName(shown.best_project)) {
      if (facts != nullptr) {
        in.best = *facts;
      } else {
        auto f = state.BlogFactsFor(shown.writer, shown.best_project);
        if (!f.ok()) return f.status();
        in.best = std::move(*f);
      }
      auto h = state.LastHarvested(shown.best_project);
      if (!h.ok()) return h.status();
      in.last_harvested = h->value_or("");
    }
    return write_site(site_dir + "/" + SiteWriterPath(shown.writer), WriterPage(in));
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
      // Unchanged: its page too, unless the site is new (or was deleted).
      if (cfg_.site && !FileExists(site_dir + "/" + SiteWriterPath(ws.writer))) {
        if (Status s = write_page(Shown(ws), nullptr); !s.ok()) return s;
      }
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
    const score::WriterScore shown = Shown(ws);
    if (Status s = write(total_path, TotalFile(shown)); !s.ok()) return s;

    // The blog draft for the best project.
    const score::ProjectScore* best = nullptr;
    for (const score::ProjectScore& ps : ws.projects) {
      if (ps.project == ws.best_project) best = &ps;
    }
    std::optional<model::BlogFacts> best_facts;
    if (best != nullptr && IsValidRepoName(best->project)) {
      auto facts = state.BlogFactsFor(ws.writer, best->project);
      if (!facts.ok()) return facts.status();
      if (cfg_.site) best_facts = *facts;
      BlogInputs in;
      in.writer = ws.writer;
      in.project = best->project;
      in.score = *best;
      in.project_url = std::move(facts->project_url);
      in.date = std::move(facts->date);
      in.merged = std::move(facts->merged);
      in.top = std::move(facts->top);
      in.posts = std::move(facts->posts);
      const std::string path = fmt::format("{}/blogs/{}/{}/{}.md", dir, best->project, ws.writer,
                                           BlogSlug(best->project));
      const std::string md = BlogMarkdown(in);
      auto existing = ReadWholeFile(path);
      if (!existing.ok()) return existing.status();
      auto generated = state.GeneratedBlogHash(path);
      if (!generated.ok()) return generated.status();
      // Ours to replace only when it still holds exactly what we generated last time.
      const bool edited =
          *existing && **existing != md && (!*generated || HashHex(**existing) != **generated);
      if (edited) {
        ++stats.blogs_kept_edited;
        log::Notice("blog draft edited by its writer, kept path={}", path);
      } else {
        const int before = stats.files_written;
        if (Status s = write(path, md); !s.ok()) return s;
        if (stats.files_written != before) ++stats.blogs_written;
        new_blogs.push_back(model::EmittedBlog{path, HashHex(md)});
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
    if (cfg_.site) {
      if (Status s = write_page(shown, best_facts ? &*best_facts : nullptr); !s.ok()) return s;
    }
    new_states.push_back(model::EmittedWriter{ws.writer, numbers_hash, inputs_hash});
    if (progress_) progress_();
  }

  if (cfg_.site) {
    const SiteTimer timer(stats.site_seconds);
    // The index is rebuilt every run (one file, cheap) and written only when it differs.
    std::vector<IndexRow> rows;
    std::int64_t latest_run = 0;
    std::string latest_at;
    for (const score::WriterScore& ws : run.writers) {
      if (!IsValidLogin(ws.writer)) continue;
      const score::WriterScore shown = Shown(ws);
      IndexRow row;
      row.writer = ws.writer;
      row.o = shown.opportunity;
      row.total = shown.total_influence;
      row.best_project = shown.best_project.empty() ? "-" : shown.best_project;
      if (auto pit = points_of.find(ws.writer); pit != points_of.end()) {
        const PointRange& pr = pit->second;
        const model::InfluencePoint& last = *(pr.end - 1);
        row.changed_run = last.run;
        if (pr.end - pr.begin >= 2) row.change = last.o - (pr.end - 2)->o;
        if (last.run > latest_run) {
          latest_run = last.run;
          latest_at = last.scored_at;
        }
      }
      rows.push_back(std::move(row));
    }
    if (Status s = write_site(site_dir + "/index.html", IndexPage(rows, latest_run, latest_at));
        !s.ok()) {
      return s;
    }
  }

  if (Status s = state.Remember(dir, run.run, new_states, new_blogs); !s.ok()) return s;
  // Last, once every current file is in place and remembered: a run cut short by an error
  // removes nothing.
  stats.files_removed = RemoveStaleReports(dir, run, cfg_.site);
  return stats;
}

}  // namespace ghharvest::report
