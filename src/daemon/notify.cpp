#include "ghharvest/daemon/notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>
#include <string>

#include "ghharvest/util/log.hpp"

namespace ghharvest::daemon {

bool Notify(std::string_view state) {
  std::string text(state);
  int r = sd_notify(0, text.c_str());
  if (r < 0) log::Debug("sd_notify failed errno={}", -r);
  return r > 0;
}

std::optional<std::chrono::microseconds> WatchdogInterval() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(static_cast<std::int64_t>(usec / 2));
}

std::function<void()> WatchdogKeepAlive(SteadyNow now) {
  const auto interval = WatchdogInterval();
  if (!interval) return [] {};
  const auto start = now();
  return [now = std::move(now), every = *interval, last = start]() mutable {
    const auto t = now();
    if (t - last < every) return;
    Notify("WATCHDOG=1");
    last = t;
  };
}

}  // namespace ghharvest::daemon
