// RemoveStaleReports (prune.hpp): one pass over the folders the reporter writes, against the
// set of paths the run would write.
#include "report/prune.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_set>
#include <utility>

#include "ghharvest/report/site.hpp"
#include "ghharvest/util/log.hpp"
#include "ghharvest/util/names.hpp"

namespace ghharvest::report {
namespace {

namespace fs = std::filesystem;

// A real folder, not a symbolic link to one: removal never follows a link out of `dir`.
bool IsRealDir(const fs::path& p) {
  std::error_code ec;
  return fs::symlink_status(p, ec).type() == fs::file_type::directory;
}

bool IsRegularFile(const fs::directory_entry& e) {
  std::error_code ec;
  return e.symlink_status(ec).type() == fs::file_type::regular;
}

bool EndsWith(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// "<writer>.<ext>" with a login GitHub could have: the name of a file the reporter writes.
bool IsWriterFile(std::string_view name, std::string_view ext) {
  return EndsWith(name, ext) && IsValidLogin(name.substr(0, name.size() - ext.size()));
}

// "<writer>_<repo>.txt" inside <owner>/<repo>/ (logins never hold '_').
bool IsPairFile(std::string_view name, std::string_view repo) {
  const auto cut = name.find('_');
  return cut != std::string_view::npos && IsValidLogin(name.substr(0, cut)) &&
         name.substr(cut + 1) == std::string(repo) + ".txt";
}

class Pruner {
 public:
  Pruner(fs::path dir, std::unordered_set<std::string> keep)
      : dir_(std::move(dir)), keep_(std::move(keep)) {}

  // Removes the files in `folder` (relative to dir_) that `ours` accepts and keep_ lacks;
  // true when it removed any.
  template <typename Ours>
  bool Sweep(const std::string& folder, Ours ours) {
    // Every part of the folder must be a real folder: a `site` linked to a web root is not ours.
    fs::path where = dir_;
    for (const auto& part : fs::path(folder)) {
      where /= part;
      if (!IsRealDir(where)) return false;
    }
    std::error_code ec;
    bool any = false;
    for (fs::directory_iterator it(where, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (!IsRegularFile(*it) || !ours(name) || keep_.count(folder + "/" + name)) continue;
      std::error_code rm;
      if (fs::remove(it->path(), rm)) {
        ++removed_;
        any = true;
        log::Info("report removed: the latest scores no longer have it path={}",
                  it->path().string());
      } else if (rm) {
        log::Warning("report left in place: could not remove it path={} error=\"{}\"",
                     it->path().string(), rm.message());
      }
    }
    if (ec) {
      log::Warning("reports folder not swept path={} error=\"{}\"", where.string(), ec.message());
    }
    return any;
  }

  // contributions|influences/<owner>/<repo>/<writer>_<repo>.txt
  void SweepPairs(const std::string& kind) {
    const fs::path root = dir_ / kind;
    if (!IsRealDir(root)) return;
    std::error_code ec;
    for (fs::directory_iterator owners(root, ec), end; !ec && owners != end; owners.increment(ec)) {
      const std::string owner = owners->path().filename().string();
      if (!IsRealDir(owners->path())) continue;
      std::error_code ec2;
      bool emptied = false;
      for (fs::directory_iterator repos(owners->path(), ec2); !ec2 && repos != end;
           repos.increment(ec2)) {
        const std::string repo = repos->path().filename().string();
        if (!IsRealDir(repos->path()) || !IsValidRepoName(owner + "/" + repo)) continue;
        if (Sweep(kind + "/" + owner + "/" + repo,
                  [&](const std::string& name) { return IsPairFile(name, repo); })) {
          RemoveIfEmpty(repos->path());
          emptied = true;
        }
      }
      if (emptied) RemoveIfEmpty(owners->path());
    }
  }

  int removed() const { return removed_; }

 private:
  // A folder this pass emptied goes too; one that still holds anything stays.
  static void RemoveIfEmpty(const fs::path& p) {
    std::error_code ec;
    if (fs::is_empty(p, ec) && !ec) fs::remove(p, ec);
  }

  const fs::path dir_;
  const std::unordered_set<std::string> keep_;
  int removed_ = 0;
};

}  // namespace

int RemoveStaleReports(const std::string& dir, const score::ScoreRun& run, bool site) {
  // A run that scores nobody is more likely an empty or new database than a world where
  // every writer left: keep what the folder holds rather than empty it.
  if (run.writers.empty()) {
    log::Warning("reports not pruned: the run scored no writer dir={}", dir);
    return 0;
  }
  std::unordered_set<std::string> keep;
  for (const score::WriterScore& ws : run.writers) {
    if (!IsValidLogin(ws.writer)) continue;
    keep.insert("total_influences/" + ws.writer + ".txt");
    keep.insert("site/" + SiteWriterPath(ws.writer));
    for (const score::ProjectScore& ps : ws.projects) {
      if (!IsValidRepoName(ps.project)) continue;
      const std::string rel =
          ps.project + "/" + ws.writer + "_" + ps.project.substr(ps.project.find('/') + 1) + ".txt";
      keep.insert("contributions/" + rel);
      keep.insert("influences/" + rel);
    }
  }
  Pruner pruner(dir, std::move(keep));
  pruner.SweepPairs("contributions");
  pruner.SweepPairs("influences");
  pruner.Sweep("total_influences", [](const std::string& n) { return IsWriterFile(n, ".txt"); });
  if (site) {
    pruner.Sweep("site/writers", [](const std::string& n) { return IsWriterFile(n, ".html"); });
  }
  return pruner.removed();
}

}  // namespace ghharvest::report
