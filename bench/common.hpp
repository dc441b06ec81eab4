// Shared pieces of the bench programs: clocks (wall and CPU), memory (peak RSS), and the one
// line format bench/run.sh collects into its table.
//
// A result row compares a measurement with a limit or floor taken in the same run (machines
// are noisy; only ratios travel). Rows are printed as
//
//   @bench<TAB>name<TAB>measured<TAB>unit<TAB>limit<TAB>limit_label<TAB>ratio<TAB>target<TAB>verdict
//
// where ratio is "how many times worse than the limit" (>= 1 is worse, whichever direction the
// metric runs) and verdict is ok / MISS / "-" (no target). Everything else a bench prints is
// kept in its log by run.sh.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace ghharvest::bench {

using Clock = std::chrono::steady_clock;

inline double SecondsBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// User + system CPU seconds of this process (all threads) so far.
inline double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

// Wall and CPU time of a phase: construct at its start, read when it ends.
class Stopwatch {
 public:
  Stopwatch() { restart(); }
  void restart() {
    wall_start_ = Clock::now();
    cpu_start_ = CpuSeconds();
  }
  double wall() const { return SecondsBetween(wall_start_, Clock::now()); }
  double cpu() const { return CpuSeconds() - cpu_start_; }

 private:
  Clock::time_point wall_start_;
  double cpu_start_ = 0;
};

// Peak resident set size of the process's whole life, in bytes (getrusage: KiB on Linux).
inline std::int64_t PeakRssBytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<std::int64_t>(ru.ru_maxrss) * 1024;
}

namespace detail {
// A "VmXXX:   123 kB" line of /proc/self/status, in bytes; -1 when unavailable.
inline std::int64_t ProcStatusBytes(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      return std::strtoll(line.c_str() + key.size() + 1, nullptr, 10) * 1024;
    }
  }
  return -1;
}
}  // namespace detail

inline std::int64_t CurrentRssBytes() { return detail::ProcStatusBytes("VmRSS"); }

// Resets the peak ("high water mark") so that PeakRssSinceReset measures one phase rather
// than the whole process (setup such as generating a synthetic world would otherwise count).
// Returns false where the kernel does not allow it; the peak then covers the process life.
inline bool ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

// Peak RSS since the last ResetPeakRss (or process start), in bytes.
inline std::int64_t PeakRssSinceReset() {
  std::int64_t hwm = detail::ProcStatusBytes("VmHWM");
  return hwm >= 0 ? hwm : PeakRssBytes();
}

inline double MiB(std::int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

// Whether a bigger measurement is better (throughput) or worse (time, requests, memory).
enum class Better { kLower, kHigher };

// Prints one table row for run.sh. `limit` is the floor (kLower: the best possible) or the
// ceiling (kHigher: e.g. simdjson's parse rate). `target_ratio` <= 0 means no target.
inline void Row(const std::string& name, double measured, const std::string& unit, double limit,
                const std::string& limit_label, Better better = Better::kLower,
                double target_ratio = 0) {
  double ratio = 0;
  bool defined = false;
  if (better == Better::kLower && limit > 0) {
    ratio = measured / limit;
    defined = true;
  } else if (better == Better::kHigher && measured > 0) {
    ratio = limit / measured;
    defined = true;
  } else if (better == Better::kLower && limit == 0) {
    // A floor of zero (no-change sync: zero points): only zero meets it.
    ratio = measured == 0 ? 1 : 0;
    defined = measured == 0;
  }
  const char* verdict = "-";
  if (target_ratio > 0) {
    if (limit == 0 && better == Better::kLower) {
      verdict = measured == 0 ? "ok" : "MISS";
    } else {
      verdict = defined && ratio <= target_ratio ? "ok" : "MISS";
    }
  }
  std::string ratio_text = defined ? std::to_string(ratio) : std::string("-");
  std::string target_text = target_ratio > 0 ? std::to_string(target_ratio) : std::string("-");
  std::printf("@bench\t%s\t%.6g\t%s\t%.6g\t%s\t%s\t%s\t%s\n", name.c_str(), measured, unit.c_str(),
              limit, limit_label.c_str(), ratio_text.c_str(), target_text.c_str(), verdict);
  std::fflush(stdout);
}

// A row without a limit (a number worth showing, e.g. requests/s of a phase).
inline void Info(const std::string& name, double measured, const std::string& unit) {
  std::printf("@bench\t%s\t%.6g\t%s\t-\t-\t-\t-\t-\n", name.c_str(), measured, unit.c_str());
  std::fflush(stdout);
}

// argv[i] as a number, or `fallback` when absent ("bench [n] [m]" style arguments).
inline long ArgOr(int argc, char** argv, int i, long fallback) {
  return argc > i ? std::strtol(argv[i], nullptr, 10) : fallback;
}

// Keeps the optimizer from deleting a computation whose result is otherwise unused.
template <class T>
inline void DoNotOptimize(const T& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

// BENCH_QUICK=1 (set by `run.sh --quick`) asks for a smaller problem, for a smoke run.
inline bool Quick() {
  const char* q = std::getenv("BENCH_QUICK");
  return q != nullptr && q[0] != '\0' && q[0] != '0';
}

}  // namespace ghharvest::bench
