// Logging: one line per event on stderr, a message and key=value fields. When stderr is the
// journal (systemd's $JOURNAL_STREAM names it), each line starts with its "<N>" syslog
// priority, which journald strips and keeps:  <4>rate limit reached resource=core wait_s=1800
// On a terminal or in a file there is no prefix.
// Secrets (tokens) never go through here. Thread-safe (one write() per line).
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace ghharvest::log {

enum class Level { kError = 3, kWarning = 4, kNotice = 5, kInfo = 6, kDebug = 7 };

void SetLevel(Level level);
Level GetLevel();
// Parses "error", "warning", "notice", "info", "debug"; false when unknown.
bool ParseLevel(std::string_view text, Level* out);
// Tests capture log lines through a sink; nullptr restores stderr.
using Sink = void (*)(Level, std::string_view line);
void SetSink(Sink sink);

void Write(Level level, std::string_view line);

// What Write puts on stderr: every line of `message` ends with '\n' and, when `journal`,
// starts with "<N>", so that journald files each line of a multi-line message (config
// errors, say) under its priority, not only the first.
std::string FormatLines(Level level, std::string_view message, bool journal);
// Whether `fd` is the stream $JOURNAL_STREAM ("device:inode") names (sd-daemon(3)).
bool StreamIsJournal(int fd, const char* journal_stream);

template <typename... Args>
void Error(fmt::format_string<Args...> f, Args&&... args) {
  if (GetLevel() >= Level::kError)
    Write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Warning(fmt::format_string<Args...> f, Args&&... args) {
  if (GetLevel() >= Level::kWarning) {
    Write(Level::kWarning, fmt::format(f, std::forward<Args>(args)...));
  }
}
template <typename... Args>
void Notice(fmt::format_string<Args...> f, Args&&... args) {
  if (GetLevel() >= Level::kNotice)
    Write(Level::kNotice, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Info(fmt::format_string<Args...> f, Args&&... args) {
  if (GetLevel() >= Level::kInfo) Write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Debug(fmt::format_string<Args...> f, Args&&... args) {
  if (GetLevel() >= Level::kDebug)
    Write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace ghharvest::log
