#include "log_capture.hpp"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <utility>

namespace ghharvest::testing {

namespace {

// log::Sink is a plain function pointer, so what it writes to lives here.
std::mutex g_mu;
bool g_active = false;
std::vector<std::pair<log::Level, std::string>> g_lines;

void Capture(log::Level level, std::string_view line) {
  std::lock_guard lock(g_mu);
  g_lines.emplace_back(level, std::string(line));
}

}  // namespace

LogCapture::LogCapture() {
  {
    std::lock_guard lock(g_mu);
    if (g_active) {
      // Two would steal each other's lines; a test that nests them is wrong, not flaky.
      std::fputs("LogCapture: one at a time\n", stderr);
      std::abort();
    }
    g_active = true;
    g_lines.clear();
  }
  log::SetSink(&Capture);
}

LogCapture::~LogCapture() {
  log::SetSink(nullptr);
  std::lock_guard lock(g_mu);
  g_active = false;
}

std::vector<std::string> LogCapture::Lines() const {
  std::lock_guard lock(g_mu);
  std::vector<std::string> out;
  for (const auto& [level, line] : g_lines) out.push_back(line);
  return out;
}

std::vector<std::string> LogCapture::Lines(log::Level level) const {
  std::lock_guard lock(g_mu);
  std::vector<std::string> out;
  for (const auto& [l, line] : g_lines) {
    if (l == level) out.push_back(line);
  }
  return out;
}

bool LogCapture::Contains(std::string_view part) const {
  std::lock_guard lock(g_mu);
  for (const auto& [level, line] : g_lines) {
    if (line.find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace ghharvest::testing
