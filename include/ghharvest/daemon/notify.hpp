// systemd's notification protocol (sd_notify through libsystemd): READY=1, STATUS=...,
// WATCHDOG=1, STOPPING=1. Without $NOTIFY_SOCKET (not under systemd) every call is a no-op.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

namespace ghharvest::daemon {

// Sends one notification (e.g. "READY=1\nSTATUS=harvesting"). Returns true when it was
// delivered, false when there is no socket or sending failed (logged at debug).
bool Notify(std::string_view state);

// The interval at which WATCHDOG=1 must be sent: half of WatchdogSec when the service
// manager enabled the watchdog for this process, nullopt otherwise.
std::optional<std::chrono::microseconds> WatchdogInterval();

// For long work on the daemon's one thread (a first report emission can write thousands of
// fsynced files), which starves the watchdog timer: the callable sends WATCHDOG=1 when a
// watchdog interval has passed since the last one it sent (or since it was made). A no-op
// when the watchdog is off. Timed by a monotonic clock (`now`, steady_clock in the daemon),
// as systemd times the watchdog: a wall-clock step must not silence it.
using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;
std::function<void()> WatchdogKeepAlive(SteadyNow now = std::chrono::steady_clock::now);

}  // namespace ghharvest::daemon
