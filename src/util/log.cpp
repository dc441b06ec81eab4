#include "ghharvest/util/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace ghharvest::log {
namespace {
std::atomic<Level> g_level{Level::kInfo};
std::atomic<Sink> g_sink{nullptr};
}  // namespace

void SetLevel(Level level) { g_level = level; }
Level GetLevel() { return g_level; }
void SetSink(Sink sink) { g_sink = sink; }

bool ParseLevel(std::string_view text, Level* out) {
  struct Name {
    std::string_view name;
    Level level;
  };
  static constexpr Name kNames[] = {{"error", Level::kError},
                                    {"warning", Level::kWarning},
                                    {"notice", Level::kNotice},
                                    {"info", Level::kInfo},
                                    {"debug", Level::kDebug}};
  for (const auto& n : kNames) {
    if (n.name == text) {
      *out = n.level;
      return true;
    }
  }
  return false;
}

bool StreamIsJournal(int fd, const char* journal_stream) {
  if (journal_stream == nullptr || *journal_stream == '\0') return false;
  unsigned long long dev = 0, ino = 0;
  char tail = 0;
  // sd-daemon(3): "device:inode", both decimal.
  if (std::sscanf(journal_stream, "%llu:%llu%c", &dev, &ino, &tail) != 2) return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

std::string FormatLines(Level level, std::string_view message, bool journal) {
  std::string out;
  out.reserve(message.size() + 8);
  const std::string prefix = "<" + std::to_string(static_cast<int>(level)) + ">";
  for (;;) {
    const std::size_t nl = message.find('\n');
    if (journal) out += prefix;
    out.append(message.substr(0, nl));
    out.push_back('\n');
    if (nl == std::string_view::npos) break;
    message.remove_prefix(nl + 1);
    if (message.empty()) break;
  }
  return out;
}

void Write(Level level, std::string_view line) {
  if (Sink sink = g_sink.load()) {
    sink(level, line);
    return;
  }
  // Decided once: stderr does not change from the journal to a terminal while we run.
  static const bool journal = StreamIsJournal(STDERR_FILENO, std::getenv("JOURNAL_STREAM"));
  const std::string out = FormatLines(level, line, journal);
  // One write() per line, so concurrent writers never interleave within a line.
  const char* p = out.data();
  std::size_t left = out.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace ghharvest::log
