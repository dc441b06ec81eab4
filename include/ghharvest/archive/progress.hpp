// The terminal progress line of `ghharvest import-archive`: files, bytes, events/s, matches
// and an ETA over all the given files. Pure pieces (whether to show it, what it says) so
// tests need no terminal; the command draws it.
#pragma once

#include <cstdint>
#include <string>

namespace ghharvest::archive {

// Shown only to a person: stderr is a terminal, and the process is not run by systemd
// (INVOCATION_ID set, or stderr connected to the journal per JOURNAL_STREAM), where a line
// redrawn with '\r' would fill the journal with partial lines.
bool ProgressWanted(bool stderr_is_tty, const char* invocation_id, bool stderr_is_journal);

struct ProgressState {
  int file = 0;   // 1-based, the file being read
  int files = 0;  // how many were given
  // Compressed bytes: read so far over all files, and the files' total size.
  std::int64_t bytes_done = 0, bytes_total = 0;
  std::int64_t events = 0;   // parsed so far
  std::int64_t matched = 0;  // stored (the watched writers' and projects')
  double seconds = 0;        // since the import started
};

// "import-archive: file 3/24, 120.5/800.0 MiB (15%), 412k events/s, 1234 matched, ETA 1m20s":
// the ETA from the bytes rate so far; "ETA ?" until a second has passed or when nothing is
// known. No newline: the caller redraws it in place.
std::string FormatProgress(const ProgressState& s);

}  // namespace ghharvest::archive
