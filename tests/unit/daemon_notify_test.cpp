// WatchdogKeepAlive: long work on the daemon's thread feeds systemd's watchdog itself, at
// most once per watchdog interval, and never when the watchdog is off.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ghharvest/daemon/notify.hpp"
#include "test_paths.hpp"

using namespace ghharvest;
using namespace std::chrono_literals;

namespace {

// Monotonic time that moves only when the test says so.
class SetClock {
 public:
  daemon::SteadyNow Now() const {
    return [this] { return now_; };
  }
  void Advance(std::chrono::milliseconds d) { now_ += d; }

 private:
  std::chrono::steady_clock::time_point now_ = std::chrono::steady_clock::now();
};

// A notify socket as systemd's, with the environment pointing at it for this test only.
class NotifySocket {
 public:
  NotifySocket(const std::string& path, const char* watchdog_usec) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof(addr.sun_path));
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    if (watchdog_usec != nullptr) {
      ::setenv("WATCHDOG_USEC", watchdog_usec, 1);
      ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    }
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
    ::close(fd_);
  }
  // The datagrams received so far (sd_notify's send has completed when it returns).
  std::vector<std::string> Drain() {
    std::vector<std::string> out;
    char buf[512];
    for (ssize_t n; (n = ::recv(fd_, buf, sizeof buf, 0)) > 0;) out.emplace_back(buf, n);
    return out;
  }

 private:
  int fd_ = -1;
};

}  // namespace

TEST_CASE("the watchdog keep-alive pings once per interval of the clock, not per call") {
  testing::TempDir dir;
  NotifySocket sock(dir.file("notify.sock"), "200000");  // WatchdogSec 0.2 s: ping every 0.1 s
  SetClock clock;
  auto keep_alive = daemon::WatchdogKeepAlive(clock.Now());
  for (int i = 0; i < 50; ++i) keep_alive();  // no time passed: nothing to say yet
  CHECK(sock.Drain().empty());
  clock.Advance(100ms);
  for (int i = 0; i < 50; ++i) keep_alive();
  CHECK(sock.Drain() == std::vector<std::string>{"WATCHDOG=1"});
  clock.Advance(60ms);
  keep_alive();
  CHECK(sock.Drain().empty());
  clock.Advance(60ms);
  keep_alive();
  CHECK(sock.Drain() == std::vector<std::string>{"WATCHDOG=1"});
}

TEST_CASE("without a watchdog the keep-alive never sends anything") {
  testing::TempDir dir;
  NotifySocket sock(dir.file("notify.sock"), nullptr);
  SetClock clock;
  auto keep_alive = daemon::WatchdogKeepAlive(clock.Now());
  clock.Advance(1h);
  keep_alive();
  CHECK(sock.Drain().empty());
}
