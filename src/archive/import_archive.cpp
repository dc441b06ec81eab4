#include "ghharvest/archive/import_archive.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "ghharvest/github/events.hpp"
#include "ghharvest/store/ingest.hpp"
#include "ghharvest/store/writers.hpp"
#include "ghharvest/util/names.hpp"

namespace ghharvest::archive {
namespace {

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

// Bytes read per gzread; the line buffer holds at most one partial line beyond this.
constexpr unsigned kReadSize = 1 << 20;

bool Wanted(const ImportOptions::Filter& f, const model::EventRecord& e) {
  return f.repo_ids.count(e.repo_id) || f.repo_names.count(AsciiLower(e.repo_name)) ||
         f.actors.count(AsciiLower(e.actor.login));
}

}  // namespace

Status ImportArchiveFile(store::Database& db, const std::string& path, const ImportOptions& opts,
                         ImportStats* stats) {
  // gzopen reads plain files transparently, so an uncompressed .json works too.
  GzFile file(gzopen(path.c_str(), "rb"));
  if (!file) {
    return Status::IOError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  }
  gzbuffer(file.get(), 256 * 1024);

  store::Ingest ingest(db);
  std::vector<model::EventRecord> events;
  std::vector<github::EventLineError> errors;
  std::string buf;
  std::int64_t next_line = 1;  // the 1-based number of buf's first line
  int pending = 0;             // events written in the open transaction
  std::unique_ptr<store::Transaction> tx;

  auto flush_tx = [&]() -> Status {
    if (!tx) return Status::Ok();
    Status s = tx->Commit();
    tx.reset();
    pending = 0;
    return s;
  };

  auto store = [&]() -> Status {
    for (const auto& err : errors) {
      ++stats->bad_lines;
      if (static_cast<int>(stats->errors.size()) < opts.max_reported_errors) {
        stats->errors.push_back(fmt::format("{}:{}: {}", path, err.line, err.message));
      }
    }
    errors.clear();
    for (const auto& ev : events) {
      ++stats->events;
      if (opts.filter && !Wanted(*opts.filter, ev)) {
        ++stats->skipped;
        continue;
      }
      if (!tx) {
        tx = std::make_unique<store::Transaction>(db);
        if (!tx->status().ok()) return tx->status();
      }
      store::EventIngestCounts counts;
      if (Status s = ingest.UpsertEvent(ev, &counts); !s.ok()) {
        return Status::IOError(fmt::format("{}: storing event {}: {}", path, ev.id, s.message()));
      }
      stats->issues += counts.issues;
      stats->issue_comments += counts.issue_comments;
      stats->review_comments += counts.review_comments;
      stats->reviews += counts.reviews;
      if (++pending >= opts.events_per_transaction) {
        if (Status s = flush_tx(); !s.ok()) return s;
      }
    }
    events.clear();
    return Status::Ok();
  };

  // Normalizes the whole lines at the front of buf (all of it when `final`).
  auto drain = [&](bool final) -> Status {
    std::size_t end = final ? buf.size() : buf.rfind('\n');
    if (end == std::string::npos || end == 0) return Status::Ok();
    if (!final) ++end;  // keep the newline with its line
    std::string_view chunk(buf.data(), end);
    std::int64_t lines = 0;
    for (char c : chunk) lines += c == '\n';
    if (final && !chunk.empty() && chunk.back() != '\n') ++lines;
    github::ParseEventLines(chunk, next_line, &events, &errors);
    stats->lines += lines;
    next_line += lines;
    buf.erase(0, end);
    return store();
  };

  std::vector<char> block(kReadSize);
  for (;;) {
    int n = gzread(file.get(), block.data(), kReadSize);
    if (n < 0) {
      int code = 0;
      const char* msg = gzerror(file.get(), &code);
      // A truncated or corrupt gzip stream: keep what was read, report where it broke.
      Status s = drain(true);
      Status f = flush_tx();
      if (!s.ok()) return s;
      if (!f.ok()) return f;
      return Status::IOError(
          fmt::format("{}: read error after line {}: {}", path, next_line - 1, msg));
    }
    if (n == 0) {
      // zlib reports a cut-off stream as end of input with Z_BUF_ERROR set.
      int code = Z_OK;
      const char* msg = gzerror(file.get(), &code);
      if (code != Z_OK) {
        Status s = drain(true);
        Status f = flush_tx();
        if (!s.ok()) return s;
        if (!f.ok()) return f;
        return Status::IOError(fmt::format("{}: truncated or corrupt after line {}: {}", path,
                                           next_line - 1, msg ? msg : "?"));
      }
      break;
    }
    buf.append(block.data(), static_cast<std::size_t>(n));
    if (Status s = drain(false); !s.ok()) return s;
  }
  if (Status s = drain(true); !s.ok()) return s;
  return flush_tx();
}

Result<ImportOptions::Filter> WatchedFilter(store::Database& db,
                                            const std::vector<model::WatchedWriter>& writers) {
  ImportOptions::Filter f;
  for (const auto& w : writers) {
    f.actors.insert(AsciiLower(w.login));
    for (const auto& r : w.repos) f.repo_names.insert(AsciiLower(r));
  }
  auto watched = store::ListWatchedRepos(db);
  if (!watched.ok()) return watched.status();
  for (const store::WatchedRepo& w : *watched) {
    f.repo_names.insert(AsciiLower(w.repo_name));
    if (w.repo_id) f.repo_ids.insert(*w.repo_id);
    if (w.full_name) f.repo_names.insert(AsciiLower(*w.full_name));
  }
  return f;
}

}  // namespace ghharvest::archive
