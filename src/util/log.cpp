#include "ghharvest/util/log.hpp"

#include <unistd.h>

#include <atomic>
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

void Write(Level level, std::string_view line) {
  if (Sink sink = g_sink.load()) {
    sink(level, line);
    return;
  }
  std::string out = "<" + std::to_string(static_cast<int>(level)) + ">";
  out.append(line);
  out.push_back('\n');
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
