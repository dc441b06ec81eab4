#include "ghharvest/archive/import_archive.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>

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
  // Rows first stored from this file say so (docs/schema.md): its name, not the folder it
  // was read from, which says nothing about the data.
  const std::size_t slash = path.find_last_of('/');
  ingest.SetArchiveFile(slash == std::string::npos ? path : path.substr(slash + 1));
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
      // The watched writers' own events feed discovery (docs/archive.md).
      if (!opts.filter || opts.filter->actors.count(AsciiLower(ev.actor.login))) {
        if (Status s = ingest.RecordArchiveTouch(ev); !s.ok()) {
          return Status::IOError(fmt::format("{}: storing event {}: {}", path, ev.id, s.message()));
        }
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

  const std::string too_long =
      fmt::format("line longer than {} bytes: skipped", opts.max_line_bytes);

  // Normalizes the whole lines at the front of buf (all of it when `final`).
  auto drain = [&](bool final) -> Status {
    std::size_t end = final ? buf.size() : buf.rfind('\n');
    if (end == std::string::npos) return Status::Ok();
    if (!final) ++end;  // keep the newline with its line
    if (end == 0) return Status::Ok();
    const std::string_view chunk(buf.data(), end);
    // Lines longer than max_line_bytes are bad lines whichever read brought them, so the
    // result never depends on where the reads cut the file. The rest go to the parser in
    // runs between them.
    std::size_t run = 0;
    std::int64_t run_line = next_line, line = next_line;
    for (std::size_t pos = 0; pos < chunk.size(); ++line) {
      const std::size_t nl = chunk.find('\n', pos);
      const std::size_t line_end = nl == std::string_view::npos ? chunk.size() : nl;
      if (line_end - pos > opts.max_line_bytes) {
        github::ParseEventLines(chunk.substr(run, pos - run), run_line, &events, &errors);
        errors.push_back({line, too_long});
        run = std::min(line_end + 1, chunk.size());
        run_line = line + 1;
      }
      pos = line_end + 1;
    }
    if (run < chunk.size()) {
      github::ParseEventLines(chunk.substr(run), run_line, &events, &errors);
    }
    stats->lines += line - next_line;
    next_line = line;
    buf.erase(0, end);
    return store();
  };

  // A line longer than max_line_bytes: counted as one bad line, and its bytes are dropped as
  // they arrive until its newline.
  bool skipping = false;
  auto over_long = [&]() -> Status {
    errors.push_back({next_line, too_long});
    ++stats->lines;
    ++next_line;
    buf.clear();
    skipping = true;
    return store();
  };
  // Appends one decompressed block, dropping the rest of an over-long line.
  auto take = [&](std::string_view bytes) -> Status {
    if (skipping) {
      std::size_t nl = bytes.find('\n');
      if (nl == std::string_view::npos) return Status::Ok();
      bytes.remove_prefix(nl + 1);
      skipping = false;
    }
    buf.append(bytes.data(), bytes.size());
    stats->max_buffered_bytes = std::max(stats->max_buffered_bytes, buf.size());
    if (Status s = drain(false); !s.ok()) return s;
    // What is left in buf is the start of one line, its newline not read yet.
    if (buf.size() > opts.max_line_bytes) return over_long();
    return Status::Ok();
  };

  const unsigned block_size = std::max(1u, opts.read_block_bytes);
  std::vector<char> block(block_size);
  for (;;) {
    int n = gzread(file.get(), block.data(), block_size);
    if (n < 0) {
      int code = 0;
      const char* msg = gzerror(file.get(), &code);
      // A truncated or corrupt gzip stream: keep what was read, report where it broke.
      Status s = skipping ? Status::Ok() : drain(true);
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
        Status s = skipping ? Status::Ok() : drain(true);
        Status f = flush_tx();
        if (!s.ok()) return s;
        if (!f.ok()) return f;
        return Status::IOError(fmt::format("{}: truncated or corrupt after line {}: {}", path,
                                           next_line - 1, msg ? msg : "?"));
      }
      break;
    }
    if (Status s = take(std::string_view(block.data(), static_cast<std::size_t>(n))); !s.ok()) {
      return s;
    }
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
