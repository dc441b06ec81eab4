#include "ghharvest/archive/import_archive.hpp"

#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>

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

// What reading one stretch of a file gave: the events to store (those the filter keeps),
// the bad lines, and the counts the stats need. The unit between a file's reader and the
// one thread that writes the database.
struct Batch {
  std::vector<model::EventRecord> events;
  std::vector<github::EventLineError> errors;
  std::int64_t lines = 0;    // lines read in this stretch
  std::int64_t parsed = 0;   // events parsed (stored or skipped)
  std::int64_t skipped = 0;  // parsed, outside the filter
  std::size_t max_buffered = 0;
  std::int64_t compressed = 0;  // bytes of the file read so far
};

// Decompresses and parses one file, handing its batches to `sink` in order. Returns how the
// read ended: Ok at the end of the file, IOError when it cannot be opened or breaks off (the
// batches before the break were handed over), or Cancelled when `sink` returned false.
Status ReadArchive(const std::string& path, const ImportOptions& opts,
                   const std::function<bool(Batch&&)>& sink) {
  // gzopen reads plain files transparently, so an uncompressed .json works too.
  GzFile file(gzopen(path.c_str(), "rb"));
  if (!file) {
    return Status::IOError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  }
  gzbuffer(file.get(), 256 * 1024);

  Batch batch;
  std::vector<model::EventRecord> parsed;
  std::string buf;
  std::int64_t next_line = 1;  // the 1-based number of buf's first line
  const Status aborted = Status::Cancelled("stopped by the writer");

  // Hands over what was read since the last batch; false when the writer wants no more.
  auto emit = [&]() -> bool {
    for (auto& ev : parsed) {
      ++batch.parsed;
      if (opts.filter && !Wanted(*opts.filter, ev)) {
        ++batch.skipped;
        continue;
      }
      batch.events.push_back(std::move(ev));
    }
    parsed.clear();
    batch.compressed = static_cast<std::int64_t>(gzoffset(file.get()));
    bool more = sink(std::move(batch));
    batch = Batch{};
    return more;
  };

  const std::string too_long =
      fmt::format("line longer than {} bytes: skipped", opts.max_line_bytes);

  // Normalizes the whole lines at the front of buf (all of it when `final`).
  auto drain = [&](bool final) -> bool {
    std::size_t end = final ? buf.size() : buf.rfind('\n');
    if (end == std::string::npos) return true;
    if (!final) ++end;  // keep the newline with its line
    if (end == 0) return true;
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
        github::ParseEventLines(chunk.substr(run, pos - run), run_line, &parsed, &batch.errors);
        batch.errors.push_back({line, too_long});
        run = std::min(line_end + 1, chunk.size());
        run_line = line + 1;
      }
      pos = line_end + 1;
    }
    if (run < chunk.size()) {
      github::ParseEventLines(chunk.substr(run), run_line, &parsed, &batch.errors);
    }
    batch.lines += line - next_line;
    next_line = line;
    buf.erase(0, end);
    return emit();
  };

  // A line longer than max_line_bytes: counted as one bad line, and its bytes are dropped as
  // they arrive until its newline.
  bool skipping = false;
  auto over_long = [&]() -> bool {
    batch.errors.push_back({next_line, too_long});
    ++batch.lines;
    ++next_line;
    buf.clear();
    skipping = true;
    return emit();
  };
  // Appends one decompressed block, dropping the rest of an over-long line.
  auto take = [&](std::string_view bytes) -> bool {
    if (skipping) {
      std::size_t nl = bytes.find('\n');
      if (nl == std::string_view::npos) return true;
      bytes.remove_prefix(nl + 1);
      skipping = false;
    }
    buf.append(bytes.data(), bytes.size());
    batch.max_buffered = std::max(batch.max_buffered, buf.size());
    if (!drain(false)) return false;
    // What is left in buf is the start of one line, its newline not read yet.
    if (buf.size() > opts.max_line_bytes) return over_long();
    return true;
  };

  const unsigned block_size = std::max(1u, opts.read_block_bytes);
  std::vector<char> block(block_size);
  for (;;) {
    int n = gzread(file.get(), block.data(), block_size);
    if (n < 0) {
      int code = 0;
      const char* msg = gzerror(file.get(), &code);
      // A truncated or corrupt gzip stream: keep what was read, report where it broke.
      const std::string why = msg ? msg : "?";
      if (!skipping && !drain(true)) return aborted;
      return Status::IOError(
          fmt::format("{}: read error after line {}: {}", path, next_line - 1, why));
    }
    if (n == 0) {
      // zlib reports a cut-off stream as end of input with Z_BUF_ERROR set.
      int code = Z_OK;
      const char* msg = gzerror(file.get(), &code);
      if (code != Z_OK) {
        const std::string why = msg ? msg : "?";
        if (!skipping && !drain(true)) return aborted;
        return Status::IOError(
            fmt::format("{}: truncated or corrupt after line {}: {}", path, next_line - 1, why));
      }
      break;
    }
    if (!take(std::string_view(block.data(), static_cast<std::size_t>(n)))) return aborted;
  }
  if (!drain(true)) return aborted;
  return Status::Ok();
}

// The database side of one file: stores its batches, one transaction per
// events_per_transaction events, and keeps its stats.
class FileWriter {
 public:
  FileWriter(store::Database& db, const std::string& path, const ImportOptions& opts,
             ImportStats* stats)
      : db_(db), path_(path), opts_(opts), stats_(stats), ingest_(db) {
    // Rows first stored from this file say so (docs/schema.md): its name, not the folder it
    // was read from, which says nothing about the data.
    const std::size_t slash = path.find_last_of('/');
    ingest_.SetArchiveFile(slash == std::string::npos ? path : path.substr(slash + 1));
  }

  Status Take(Batch&& b) {
    stats_->lines += b.lines;
    stats_->events += b.parsed;
    stats_->skipped += b.skipped;
    stats_->max_buffered_bytes = std::max(stats_->max_buffered_bytes, b.max_buffered);
    for (const auto& err : b.errors) {
      ++stats_->bad_lines;
      if (static_cast<int>(stats_->errors.size()) < opts_.max_reported_errors) {
        stats_->errors.push_back(fmt::format("{}:{}: {}", path_, err.line, err.message));
      }
    }
    for (const auto& ev : b.events) {
      if (!tx_) {
        tx_ = std::make_unique<store::Transaction>(db_);
        if (!tx_->status().ok()) return tx_->status();
      }
      store::EventIngestCounts counts;
      if (Status s = ingest_.UpsertEvent(ev, &counts); !s.ok()) {
        return Status::IOError(fmt::format("{}: storing event {}: {}", path_, ev.id, s.message()));
      }
      // The watched writers' own events feed discovery (docs/archive.md).
      if (!opts_.filter || opts_.filter->actors.count(AsciiLower(ev.actor.login))) {
        if (Status s = ingest_.RecordArchiveTouch(ev); !s.ok()) {
          return Status::IOError(
              fmt::format("{}: storing event {}: {}", path_, ev.id, s.message()));
        }
      }
      stats_->issues += counts.issues;
      stats_->issue_comments += counts.issue_comments;
      stats_->review_comments += counts.review_comments;
      stats_->reviews += counts.reviews;
      if (++pending_ >= opts_.events_per_transaction) {
        if (Status s = Commit(); !s.ok()) return s;
      }
    }
    if (opts_.progress) opts_.progress(*stats_, b.compressed);
    return Status::Ok();
  }

  Status Commit() {
    if (!tx_) return Status::Ok();
    Status s = tx_->Commit();
    tx_.reset();
    pending_ = 0;
    return s;
  }

 private:
  store::Database& db_;
  const std::string& path_;
  const ImportOptions& opts_;
  ImportStats* stats_;
  store::Ingest ingest_;
  std::unique_ptr<store::Transaction> tx_;
  int pending_ = 0;  // events written in the open transaction
};

// How one file's store ended, given how its read ended: a store failure first (the open
// transaction is dropped), else what was read is committed, and then the read's failure, if
// any, is the file's (a cut-off file keeps its whole lines before the cut).
Status Finish(FileWriter& w, const Status& stored, const Status& read) {
  if (!stored.ok()) return stored;
  if (Status committed = w.Commit(); !committed.ok()) return committed;
  return read;
}

// One file's batches on their way from its reader thread to the writer: a short queue, so a
// reader ahead of the database waits instead of filling memory.
struct Channel {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Batch> queue;
  bool done = false;       // the reader returned: `read` holds how
  bool cancelled = false;  // the writer wants no more
  Status read;
};

constexpr std::size_t kQueuedBatches = 4;

}  // namespace

Status ImportArchiveFile(store::Database& db, const std::string& path, const ImportOptions& opts,
                         ImportStats* stats) {
  FileWriter w(db, path, opts, stats);
  Status stored;
  Status read = ReadArchive(path, opts, [&](Batch&& b) {
    stored = w.Take(std::move(b));
    return stored.ok();
  });
  return Finish(w, stored, read);
}

void ImportArchiveFiles(
    store::Database& db, const std::vector<std::string>& paths, const ImportOptions& opts, int jobs,
    const std::function<void(std::size_t, const ImportStats&, const Status&)>& file_done) {
  if (jobs <= 1 || paths.size() <= 1) {
    for (std::size_t i = 0; i < paths.size(); ++i) {
      ImportStats stats;
      Status s = ImportArchiveFile(db, paths[i], opts, &stats);
      file_done(i, stats, s);
    }
    return;
  }
  std::vector<std::unique_ptr<Channel>> channels;
  for (std::size_t i = 0; i < paths.size(); ++i) channels.push_back(std::make_unique<Channel>());
  std::atomic<std::size_t> next{0};
  // Readers take the files in order, one at a time each, so at most `jobs` files are open
  // and the writer below, which stores them in order, never waits on a file nobody reads.
  auto reader = [&] {
    for (std::size_t i = next++; i < paths.size(); i = next++) {
      Channel& c = *channels[i];
      Status read = ReadArchive(paths[i], opts, [&](Batch&& b) {
        std::unique_lock lock(c.mu);
        c.cv.wait(lock, [&] { return c.cancelled || c.queue.size() < kQueuedBatches; });
        if (c.cancelled) return false;
        c.queue.push_back(std::move(b));
        c.cv.notify_all();
        return true;
      });
      std::lock_guard lock(c.mu);
      c.read = read;
      c.done = true;
      c.cv.notify_all();
    }
  };
  std::vector<std::thread> threads;
  const int n = std::min<int>(jobs, static_cast<int>(paths.size()));
  for (int t = 0; t < n; ++t) threads.emplace_back(reader);
  // The one thread that writes SQLite: this one.
  for (std::size_t i = 0; i < paths.size(); ++i) {
    Channel& c = *channels[i];
    ImportStats stats;
    FileWriter w(db, paths[i], opts, &stats);
    Status stored;
    for (;;) {
      std::unique_lock lock(c.mu);
      c.cv.wait(lock, [&] { return c.done || !c.queue.empty(); });
      if (c.queue.empty()) break;  // done, and everything taken
      Batch b = std::move(c.queue.front());
      c.queue.pop_front();
      c.cv.notify_all();
      lock.unlock();
      if (!stored.ok()) continue;  // a failed file's remaining batches are dropped
      stored = w.Take(std::move(b));
      if (!stored.ok()) {
        std::lock_guard cancel(c.mu);
        c.cancelled = true;
        c.cv.notify_all();
      }
    }
    Status read = c.read.code() == Status::Code::kCancelled ? Status::Ok() : c.read;
    file_done(i, stats, Finish(w, stored, read));
  }
  for (auto& t : threads) t.join();
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
