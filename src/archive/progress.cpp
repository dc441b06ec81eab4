#include "ghharvest/archive/progress.hpp"

#include <cmath>

#include <fmt/format.h>

namespace ghharvest::archive {
namespace {

std::string Rate(double per_second) {
  if (per_second >= 1e6) return fmt::format("{:.1f}M", per_second / 1e6);
  if (per_second >= 1e3) return fmt::format("{:.0f}k", per_second / 1e3);
  return fmt::format("{:.0f}", per_second);
}

std::string Duration(double seconds) {
  const auto s = static_cast<std::int64_t>(std::llround(seconds));
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

}  // namespace

bool ProgressWanted(bool stderr_is_tty, const char* invocation_id, bool stderr_is_journal) {
  if (!stderr_is_tty || stderr_is_journal) return false;
  return invocation_id == nullptr || *invocation_id == '\0';
}

std::string FormatProgress(const ProgressState& s) {
  constexpr double kMiB = 1024.0 * 1024.0;
  std::string out = fmt::format("import-archive: file {}/{}, {:.1f}/{:.1f} MiB", s.file, s.files,
                                static_cast<double>(s.bytes_done) / kMiB,
                                static_cast<double>(s.bytes_total) / kMiB);
  if (s.bytes_total > 0) {
    out += fmt::format(" ({}%)", s.bytes_done * 100 / s.bytes_total);
  }
  const bool timed = s.seconds >= 1.0;
  out += fmt::format(", {} events/s, {} matched",
                     timed ? Rate(static_cast<double>(s.events) / s.seconds) : std::string("?"),
                     s.matched);
  if (timed && s.bytes_done > 0 && s.bytes_total >= s.bytes_done) {
    const double rate = static_cast<double>(s.bytes_done) / s.seconds;
    out += ", ETA " + Duration(static_cast<double>(s.bytes_total - s.bytes_done) / rate);
  } else {
    out += ", ETA ?";
  }
  return out;
}

}  // namespace ghharvest::archive
