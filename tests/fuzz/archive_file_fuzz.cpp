// Fuzz target: a GH Archive file as `import-archive` reads it (archive/import_archive.hpp):
// gzip or plain, decompressed in reads of a fuzzed size, cut into lines across those reads,
// over-long lines dropped as they stream. The first input byte picks gzip (bit 0) and the
// read size (the rest, 1-128 bytes); the remaining bytes are the file's text. Whatever the
// reads' size, the import must equal the one a line-by-line reading gives (ParseEvent on each
// line, over-long lines bad), and never hold more than max_line_bytes + a read of a line.
#include <zlib.h>

#include <unistd.h>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "ghharvest/archive/import_archive.hpp"
#include "ghharvest/github/events.hpp"
#include "ghharvest/store/database.hpp"

using namespace ghharvest;

namespace {

constexpr std::size_t kMaxLine = 256;

// As ParseEventLines trims a line.
std::string_view Trim(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  return line;
}

// One file for the whole run, rewritten for each input.
const std::string& ScratchPath() {
  static const std::string path = [] {
    char tmpl[] = "/tmp/ghh-archive-fuzz-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) std::abort();
    close(fd);
    return std::string(tmpl);
  }();
  return path;
}

void WriteScratch(std::string_view text, bool gzip) {
  if (gzip) {
    gzFile f = gzopen(ScratchPath().c_str(), "wb");
    if (!f) std::abort();
    if (!text.empty()) gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
    gzclose(f);
    return;
  }
  std::FILE* f = std::fopen(ScratchPath().c_str(), "wb");
  if (!f) std::abort();
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static std::unique_ptr<store::Database> db = [] {
    auto opened = store::Database::Open(":memory:");
    if (!opened.ok()) std::abort();
    return std::move(*opened);
  }();
  const bool gzip = data[0] & 1;
  const unsigned block = 1 + (data[0] >> 1);
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  // zlib reads a "plain" file that starts with gzip's magic as gzip: not a plain file then.
  if (!gzip && text.substr(0, 2) == "\x1f\x8b") return 0;
  WriteScratch(text, gzip);

  archive::ImportOptions opts;
  opts.max_line_bytes = kMaxLine;
  opts.read_block_bytes = block;
  opts.events_per_transaction = 3;
  archive::ImportStats stats;
  Status s = archive::ImportArchiveFile(*db, ScratchPath(), opts, &stats);
  FUZZ_CHECK(s.ok());

  std::int64_t lines = 0, events = 0, bad = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    ++lines;
    std::string_view line = text.substr(pos, end - pos);
    if (line.size() > kMaxLine) {
      ++bad;
    } else if (!Trim(line).empty()) {
      github::ParseEvent(Trim(line)).ok() ? ++events : ++bad;
    }
    pos = end + 1;
  }
  FUZZ_CHECK(stats.lines == lines);
  FUZZ_CHECK(stats.events == events);
  FUZZ_CHECK(stats.bad_lines == bad);
  FUZZ_CHECK(stats.max_buffered_bytes <= kMaxLine + block);
  return 0;
}
