// The daemon's service loop with scripted actions, real config files, real signals, a
// ScaledClock (one real second is a minute) and systemd's notify socket played by the test.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "files.hpp"
#include "ghharvest/daemon/service.hpp"
#include "ghharvest/util/log.hpp"
#include "log_capture.hpp"
#include "test_config.hpp"
#include "test_paths.hpp"

using namespace ghharvest;
using namespace ghharvest::daemon;
using namespace std::chrono_literals;
using ghharvest::testing::WriteFile;
namespace asio = boost::asio;

namespace {

// The writers become the service's scopes, the intervals its schedule; the rest is defaults
// (the scripted actions below open no database and write no reports).
std::string ConfigText(const std::vector<std::string>& writers, const std::string& poll = "60s",
                       const std::string& score = "10m") {
  testing::TestConfig config;
  config.Set("schedule", "poll_interval", poll).Set("schedule", "score_interval", score);
  for (const auto& w : writers) config.Writer(w);
  return config.Text();
}

// systemd's notify socket, played by the test: the environment points the service at it (and
// at a watchdog when asked) until Stop(), which returns every datagram received, in order.
class NotifyListener {
 public:
  NotifyListener(const std::string& path, const char* watchdog_usec = nullptr) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof(addr.sun_path));
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    timeval tv{0, 100000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    reader_ = std::thread([this] {
      char buf[4096];
      while (!stop_) {
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n > 0) {
          std::lock_guard<std::mutex> lock(mu_);
          messages_.emplace_back(buf, static_cast<size_t>(n));
        }
      }
    });
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    if (watchdog_usec != nullptr) {
      ::setenv("WATCHDOG_USEC", watchdog_usec, 1);
      ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    }
  }
  ~NotifyListener() { Stop(); }
  NotifyListener(const NotifyListener&) = delete;
  NotifyListener& operator=(const NotifyListener&) = delete;

  std::vector<std::string> Messages() {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }
  std::vector<std::string> Stop() {
    if (fd_ >= 0) {
      ::unsetenv("NOTIFY_SOCKET");
      ::unsetenv("WATCHDOG_USEC");
      ::unsetenv("WATCHDOG_PID");
      std::this_thread::sleep_for(200ms);  // what was sent last is read
      stop_ = true;
      reader_.join();
      ::close(fd_);
      fd_ = -1;
    }
    return Messages();
  }

 private:
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread reader_;
  std::mutex mu_;
  std::vector<std::string> messages_;
};

// Records what the service did and lets the test wait for it.
struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Event> events;
  std::map<std::string, std::vector<Clock::TimePoint>> starts;
  std::map<std::string, int> in_flight;
  int overlaps = 0;
  int scores = 0;
  int reopens = 0;
  int cancels = 0;
  int rescopes = 0;  // current_scopes asked
  std::vector<std::vector<std::string>> built_scopes;

  void Add(const Event& e) {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(e);
    cv.notify_all();
  }
  int Count(Event::Kind k) {
    int n = 0;
    for (const auto& e : events) n += e.kind == k ? 1 : 0;
    return n;
  }
  // Only inside WaitFor predicates (the lock is held there).
  int N(const std::string& scope) { return static_cast<int>(starts[scope].size()); }
  int Harvests(const std::string& scope) {
    std::lock_guard<std::mutex> lock(mu);
    return N(scope);
  }
  template <typename Pred>
  bool WaitFor(Pred pred, std::chrono::milliseconds limit = 10s) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, limit, [&] { return pred(); });
  }
};

// Scripted work: a harvest takes `harvest_time` of scaled time and reports `outcome`.
struct Script {
  std::chrono::nanoseconds harvest_time = 20s;
  HarvestOutcome outcome{Status::Ok(), true, false};
  Status score_status;
  bool honour_cancel = true;
  bool hang = false;  // harvests never finish by themselves
  Status build_status;
  // When set: the first harvest says the scopes changed, and these join the writers'.
  std::vector<std::string> discovered;
  // What the service handed to watch_counts (the feeds' "counts changed"), under `mu`.
  std::mutex mu;
  std::function<void()> counts_changed;
};

ActionsFactory MakeFactory(Recorder& rec, Script& script) {
  return [&rec, &script](const config::Config& cfg, asio::io_context& io,
                         const Clock& clock) -> Result<Actions> {
    if (!script.build_status.ok()) return script.build_status;
    Actions a;
    for (const auto& w : cfg.writers) a.scopes.push_back(w.login);
    {
      std::lock_guard<std::mutex> lock(rec.mu);
      rec.built_scopes.push_back(a.scopes);
    }
    struct Pending {
      std::vector<std::pair<std::shared_ptr<asio::steady_timer>, HarvestDone>> items;
    };
    auto pending = std::make_shared<Pending>();
    if (!script.discovered.empty()) {
      a.current_scopes = [&rec, &script, writers = a.scopes]() -> Result<std::vector<std::string>> {
        std::lock_guard<std::mutex> lock(rec.mu);
        ++rec.rescopes;
        auto all = writers;
        all.insert(all.end(), script.discovered.begin(), script.discovered.end());
        return all;
      };
    }
    auto first = std::make_shared<bool>(true);
    a.harvest = [&rec, &script, &io, &clock, pending, first](const std::string& scope,
                                                             HarvestDone done) {
      {
        std::lock_guard<std::mutex> lock(rec.mu);
        rec.starts[scope].push_back(clock.Now());
        if (rec.in_flight[scope]++ > 0) ++rec.overlaps;
        rec.cv.notify_all();
      }
      auto finish = [&rec, scope, done](HarvestOutcome o) {
        {
          std::lock_guard<std::mutex> lock(rec.mu);
          --rec.in_flight[scope];
        }
        done(std::move(o));
      };
      auto timer = std::make_shared<asio::steady_timer>(io);
      pending->items.emplace_back(timer, finish);
      if (script.hang) return;
      timer->expires_after(clock.RealDelay(script.harvest_time));
      timer->async_wait(
          [timer, finish, &script, pending, first](const boost::system::error_code& ec) {
            if (ec) return;
            for (auto it = pending->items.begin(); it != pending->items.end(); ++it) {
              if (it->first == timer) {
                pending->items.erase(it);
                break;
              }
            }
            HarvestOutcome o = script.outcome;
            o.scopes_changed = !script.discovered.empty() && *first;
            *first = false;
            finish(std::move(o));
          });
    };
    a.watch_counts = [&script](std::function<void()> changed) {
      std::lock_guard<std::mutex> lock(script.mu);
      script.counts_changed = std::move(changed);
    };
    a.score = [&rec, &script] {
      std::lock_guard<std::mutex> lock(rec.mu);
      ++rec.scores;
      return script.score_status;
    };
    a.cancel = [&rec, &script, pending] {
      {
        std::lock_guard<std::mutex> lock(rec.mu);
        ++rec.cancels;
      }
      if (!script.honour_cancel) return;
      auto items = std::move(pending->items);
      pending->items.clear();
      for (auto& [timer, finish] : items) {
        timer->cancel();
        finish(HarvestOutcome{Status::Cancelled("stopping"), false, false});
      }
    };
    a.reopen_logs = [&rec] {
      std::lock_guard<std::mutex> lock(rec.mu);
      ++rec.reopens;
      return Status::Ok();
    };
    a.budget = [] { return std::string("4990/5000"); };
    a.keep_alive = pending;
    return a;
  };
}

// Runs a Service on its own thread; the destructor stops it if the test did not.
struct Running {
  ScaledClock clock;
  std::unique_ptr<Service> service;
  std::thread thread;
  std::atomic<int> exit_code{-1};
  std::atomic<bool> done{false};

  Running(const std::string& config_path, Recorder& rec, Script& script,
          std::chrono::milliseconds grace = 3000ms, double speedup = 60.0)
      : clock(speedup) {
    ServiceOptions o;
    o.config_path = config_path;
    o.clock = &clock;
    o.make_actions = MakeFactory(rec, script);
    o.on_event = [&rec](const Event& e) { rec.Add(e); };
    o.stop_grace = grace;
    o.score_debounce = 2s;
    service = std::make_unique<Service>(std::move(o));
    thread = std::thread([this, &rec] {
      exit_code = service->Run();
      done = true;
      rec.cv.notify_all();
    });
  }
  int Join() {
    thread.join();
    return exit_code;
  }
  ~Running() {
    if (thread.joinable()) {
      service->Stop();
      thread.join();
    }
  }
};

bool WaitReady(Recorder& rec, Running& run) {
  return rec.WaitFor([&] { return run.done || rec.Count(Event::Kind::kReady) > 0; });
}

}  // namespace

TEST_CASE("writers are harvested in their own phases, never overlapping, with no drift") {
  testing::TempDir dir;
  WriteFile(dir.file("c.toml"), ConfigText({"alice", "bob", "carol"}));
  Recorder rec;
  Script script;
  script.outcome.changed = false;
  // 30x: a timer late by up to 400 ms real still fits the tolerance below.
  Running run(dir.file("c.toml"), rec, script, 3000ms, 30.0);
  REQUIRE(WaitReady(rec, run));
  // Four cycles of 60 s (scaled) each for every writer.
  REQUIRE(rec.WaitFor(
      [&] {
        for (const char* w : {"alice", "bob", "carol"})
          if (rec.starts[w].size() < 4) return false;
        return true;
      },
      20s));
  run.service->Stop();
  CHECK(run.Join() == 0);

  std::lock_guard<std::mutex> lock(rec.mu);
  CHECK(rec.overlaps == 0);
  // Splay: the three writers start at different moments within the first quarter interval.
  std::set<std::int64_t> first;
  for (const char* w : {"alice", "bob", "carol"}) {
    first.insert(
        std::chrono::duration_cast<std::chrono::seconds>(rec.starts[w][0] - rec.events.front().at)
            .count());
  }
  CHECK(first.size() >= 2);
  // Drift compensation: harvests take 20 s, yet the k-th start stays near first + k*60 s
  // (uncompensated it would be k*80 s). The tolerance only absorbs timer lateness.
  for (const char* w : {"alice", "bob", "carol"}) {
    const auto& s = rec.starts[w];
    for (size_t k = 1; k < s.size(); ++k) {
      auto off =
          std::chrono::duration_cast<std::chrono::seconds>(s[k] - s[0] - static_cast<int>(k) * 60s);
      CHECK(off.count() < 12);
      CHECK(off.count() > -12);  // the first start may itself have been late
    }
  }
}

TEST_CASE("a harvest that changed the scopes brings the new ones in, each splayed") {
  testing::TempDir dir;
  WriteFile(dir.file("c.toml"), ConfigText({"alice"}, "60s", "24h"));
  Recorder rec;
  Script script;
  script.outcome.changed = false;
  script.discovered = {"repo:octo/alpha", "repo:octo/beta"};
  Running run(dir.file("c.toml"), rec, script);
  REQUIRE(WaitReady(rec, run));
  // Discovered after the first harvest, each repository is then harvested on its own phase.
  REQUIRE(rec.WaitFor([&] {
    return rec.N("repo:octo/alpha") >= 2 && rec.N("repo:octo/beta") >= 2 && rec.N("alice") >= 2;
  }));
  run.service->Stop();
  CHECK(run.Join() == 0);
  std::lock_guard<std::mutex> lock(rec.mu);
  CHECK(rec.overlaps == 0);
  // Asked once: only the first harvest said the scopes changed.
  CHECK(rec.rescopes == 1);
  // Never before the harvest that found them.
  CHECK(rec.starts["repo:octo/alpha"][0] > rec.starts["alice"][0]);
  // Once per interval each (60 s apart), not again at every later harvest of the writer.
  for (const char* scope : {"repo:octo/alpha", "repo:octo/beta"}) {
    CAPTURE(scope);
    const auto& st = rec.starts[scope];
    const auto gap = std::chrono::duration_cast<std::chrono::seconds>(st[1] - st[0]).count();
    CHECK(gap > 48);
    CHECK(gap < 72);
  }
}

TEST_CASE("a harvest that changed counts is followed by a scoring run") {
  testing::TempDir dir;
  WriteFile(dir.file("c.toml"), ConfigText({"alice"}, "60s", "24h"));
  Recorder rec;
  Script script;
  Running run(dir.file("c.toml"), rec, script);
  REQUIRE(WaitReady(rec, run));
  REQUIRE(rec.WaitFor([&] { return rec.Count(Event::Kind::kHarvestFinished) >= 1; }));
  // One score at start, then one after the changed harvest (debounced), before the next day.
  REQUIRE(rec.WaitFor([&] { return rec.scores >= 2; }));
  run.service->Stop();
  CHECK(run.Join() == 0);
  std::lock_guard<std::mutex> lock(rec.mu);
  bool harvest_then_score = false;
  bool seen_harvest = false;
  for (const auto& e : rec.events) {
    if (e.kind == Event::Kind::kHarvestFinished) seen_harvest = true;
    if (e.kind == Event::Kind::kScored && seen_harvest) harvest_then_score = true;
  }
  CHECK(harvest_then_score);
}

TEST_CASE("a harvest that changed nothing does not trigger scoring") {
  testing::TempDir dir;
  WriteFile(dir.file("c.toml"), ConfigText({"alice"}, "60s", "24h"));
  Recorder rec;
  Script script;
  script.outcome.changed = false;
  Running run(dir.file("c.toml"), rec, script);
  REQUIRE(WaitReady(rec, run));
  REQUIRE(rec.WaitFor([&] { return rec.N("alice") >= 3; }, 20s));
  run.service->Stop();
  CHECK(run.Join() == 0);
  CHECK(rec.scores == 1);  // the one at start only
}

TEST_CASE("counts changed outside a harvest (a blog feed's poll) are followed by a scoring run") {
  testing::TempDir dir;
  WriteFile(dir.file("c.toml"), ConfigText({"alice"}, "60s", "24h"));
  Recorder rec;
  Script script;
  script.outcome.changed = false;
  Running run(dir.file("c.toml"), rec, script);
  REQUIRE(WaitReady(rec, run));
  REQUIRE(rec.WaitFor([&] { return rec.Count(Event::Kind::kHarvestFinished) >= 1; }));
  CHECK(rec.scores == 1);  // the one at start: the harvest changed nothing
  std::function<void()> changed;
  {
    std::lock_guard<std::mutex> lock(script.mu);
    changed = script.counts_changed;
  }
  REQUIRE(changed);
  changed();
  REQUIRE(rec.WaitFor([&] { return rec.scores >= 2; }));
  run.service->Stop();
  CHECK(run.Join() == 0);
}

TEST_CASE("SIGHUP with a broken config keeps the old one running, a good one is applied") {
  testing::TempDir dir;
  WriteFile(dir.file("c.toml"), ConfigText({"alice", "bob"}));
  Recorder rec;
  Script script;
  Running run(dir.file("c.toml"), rec, script);
  REQUIRE(WaitReady(rec, run));
  REQUIRE(rec.WaitFor([&] { return rec.N("alice") >= 1; }));

  WriteFile(dir.file("c.toml"), "[schedule\npoll_interval = \n");
  ::kill(::getpid(), SIGHUP);
  REQUIRE(rec.WaitFor([&] { return rec.Count(Event::Kind::kReloadFailed) == 1; }));
  CHECK(rec.reopens == 1);  // logrotate's SIGHUP still reopens the JSONL log
  // Still harvesting with the old config.
  int before = rec.Harvests("bob");
  REQUIRE(rec.WaitFor([&] { return rec.starts["bob"].size() > static_cast<size_t>(before); }));
  CHECK(rec.built_scopes.size() == 1);

  WriteFile(dir.file("c.toml"), ConfigText({"alice", "bob", "carol"}));
  ::kill(::getpid(), SIGHUP);
  REQUIRE(rec.WaitFor([&] { return rec.Count(Event::Kind::kReloaded) == 1; }));
  REQUIRE(rec.WaitFor([&] { return rec.starts["carol"].size() >= 1; }));
  ::kill(::getpid(), SIGTERM);
  CHECK(run.Join() == 0);
  std::lock_guard<std::mutex> lock(rec.mu);
  REQUIRE(rec.built_scopes.size() == 2);
  CHECK(rec.built_scopes[1] == std::vector<std::string>{"alice", "bob", "carol"});
  CHECK(rec.overlaps == 0);
}

TEST_CASE("a reload whose actions cannot be built keeps the old actions") {
  testing::TempDir dir;
  WriteFile(dir.file("c.toml"), ConfigText({"alice"}));
  Recorder rec;
  Script script;
  Running run(dir.file("c.toml"), rec, script);
  REQUIRE(WaitReady(rec, run));
  script.build_status = Status::InvalidArgument("token file unreadable");
  WriteFile(dir.file("c.toml"), ConfigText({"alice", "bob"}));
  run.service->Reload();
  REQUIRE(rec.WaitFor([&] { return rec.Count(Event::Kind::kReloadFailed) == 1; }));
  int before = rec.Harvests("alice");
  REQUIRE(rec.WaitFor([&] { return rec.starts["alice"].size() > static_cast<size_t>(before); }));
  CHECK(rec.Harvests("bob") == 0);
  run.service->Stop();
  CHECK(run.Join() == 0);
}

TEST_CASE("SIGTERM with a harvest in flight abandons it and exits 0 within 5 seconds") {
  testing::TempDir dir;
  WriteFile(dir.file("c.toml"), ConfigText({"alice"}, "1s"));
  Recorder rec;
  Script script;
  script.hang = true;
  Running run(dir.file("c.toml"), rec, script);
  REQUIRE(WaitReady(rec, run));
  REQUIRE(rec.WaitFor([&] { return rec.N("alice") >= 1; }));
  auto t0 = std::chrono::steady_clock::now();
  ::kill(::getpid(), SIGTERM);
  CHECK(run.Join() == 0);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  CHECK(rec.cancels == 1);
  CHECK(rec.Count(Event::Kind::kStopping) == 1);
}

TEST_CASE("a harvest that ignores cancellation cannot hold up shutdown past the grace period") {
  testing::TempDir dir;
  WriteFile(dir.file("c.toml"), ConfigText({"alice"}, "1s"));
  Recorder rec;
  Script script;
  script.hang = true;
  script.honour_cancel = false;
  Running run(dir.file("c.toml"), rec, script, 300ms);
  REQUIRE(WaitReady(rec, run));
  REQUIRE(rec.WaitFor([&] { return rec.N("alice") >= 1; }));
  auto t0 = std::chrono::steady_clock::now();
  ::kill(::getpid(), SIGINT);
  CHECK(run.Join() == 0);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
}

TEST_CASE("network errors never stop the daemon") {
  testing::TempDir dir;
  WriteFile(dir.file("c.toml"), ConfigText({"alice"}, "10s"));
  Recorder rec;
  Script script;
  script.harvest_time = 1s;
  script.outcome = HarvestOutcome{Status::Unavailable("connection refused"), false, false};
  Running run(dir.file("c.toml"), rec, script);
  REQUIRE(WaitReady(rec, run));
  REQUIRE(rec.WaitFor([&] { return rec.N("alice") >= 4; }, 20s));
  CHECK_FALSE(run.done);
  run.service->Stop();
  CHECK(run.Join() == 0);
}

TEST_CASE("a rejected token pauses harvesting until a reload") {
  testing::TempDir dir;
  WriteFile(dir.file("c.toml"), ConfigText({"alice"}, "5s"));
  Recorder rec;
  Script script;
  script.harvest_time = 1s;
  script.outcome = HarvestOutcome{Status::Unauthorized("401 Bad credentials"), false, false};
  Running run(dir.file("c.toml"), rec, script);
  REQUIRE(WaitReady(rec, run));
  REQUIRE(rec.WaitFor([&] { return rec.Count(Event::Kind::kHarvestFinished) >= 1; }));
  // Ten scaled poll intervals later, no second attempt.
  std::this_thread::sleep_for(1s);
  CHECK(rec.Harvests("alice") == 1);
  script.outcome = HarvestOutcome{Status::Ok(), false, false};
  run.service->Reload();
  REQUIRE(rec.WaitFor([&] { return rec.N("alice") >= 2; }));
  run.service->Stop();
  CHECK(run.Join() == 0);
}

TEST_CASE("a fatal storage error in a harvest exits non-zero for a restart") {
  testing::TempDir dir;
  WriteFile(dir.file("c.toml"), ConfigText({"alice"}, "5s"));
  Recorder rec;
  Script script;
  script.harvest_time = 1s;
  script.outcome = HarvestOutcome{Status::IOError("database or disk is full"), false, true};
  Running run(dir.file("c.toml"), rec, script);
  CHECK(run.Join() == kServiceIOErr);
}

TEST_CASE("a fatal storage error in scoring exits non-zero for a restart") {
  testing::TempDir dir;
  WriteFile(dir.file("c.toml"), ConfigText({"alice"}));
  Recorder rec;
  Script script;
  script.score_status = Status::Corruption("database disk image is malformed");
  Running run(dir.file("c.toml"), rec, script);
  CHECK(run.Join() == kServiceIOErr);
}

TEST_CASE("a scoring failure that is not about storage is logged and the daemon goes on") {
  testing::TempDir dir;
  WriteFile(dir.file("c.toml"), ConfigText({"alice"}, "30s"));
  Recorder rec;
  Script script;
  script.score_status = Status::InvalidArgument("unsafe project name skipped");
  Running run(dir.file("c.toml"), rec, script);
  REQUIRE(WaitReady(rec, run));
  REQUIRE(rec.WaitFor([&] { return rec.scores >= 2; }));
  CHECK_FALSE(run.done);
  run.service->Stop();
  CHECK(run.Join() == 0);
}

TEST_CASE("a config that cannot be loaded at start exits 78") {
  testing::TempDir dir;
  WriteFile(dir.file("c.toml"), "[schedule]\npoll_interval = \"never\"\n");
  Recorder rec;
  Script script;
  Running run(dir.file("c.toml"), rec, script);
  CHECK(run.Join() == kServiceConfig);
  CHECK(rec.Count(Event::Kind::kReady) == 0);
}

TEST_CASE("a database that cannot be opened at start exits 74") {
  testing::TempDir dir;
  WriteFile(dir.file("c.toml"), ConfigText({"alice"}));
  Recorder rec;
  Script script;
  script.build_status = Status::IOError("unable to open database file");
  Running run(dir.file("c.toml"), rec, script);
  CHECK(run.Join() == kServiceIOErr);
}

TEST_CASE("systemd hears READY=1, STATUS=, WATCHDOG=1 and STOPPING=1 on its notify socket") {
  testing::TempDir dir;
  WriteFile(dir.file("c.toml"), ConfigText({"alice", "bob"}));
  NotifyListener listener(dir.file("notify.sock"), "200000");

  Recorder rec;
  Script script;
  {
    Running run(dir.file("c.toml"), rec, script);
    REQUIRE(WaitReady(rec, run));
    std::this_thread::sleep_for(500ms);  // a few watchdog periods (100 ms each)
    ::kill(::getpid(), SIGTERM);
    CHECK(run.Join() == 0);
  }
  const std::vector<std::string> messages = listener.Stop();
  auto count = [&](const std::string& needle) {
    int n = 0;
    for (const auto& m : messages) n += m.find(needle) != std::string::npos ? 1 : 0;
    return n;
  };
  CHECK(count("READY=1") == 1);
  CHECK(count("STATUS=writers=2") >= 1);
  CHECK(count("budget=4990/5000") >= 1);
  CHECK(count("WATCHDOG=1") >= 2);
  CHECK(count("STOPPING=1") == 1);
  // READY comes after the first STATUS (the schedule is made) and STOPPING last of the three.
  size_t ready = 0, stopping = 0, first_status = messages.size();
  for (size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].find("READY=1") != std::string::npos) ready = i;
    if (messages[i].find("STOPPING=1") != std::string::npos) stopping = i;
    if (messages[i].find("STATUS=writers") != std::string::npos && first_status == messages.size())
      first_status = i;
  }
  CHECK(first_status < ready);
  CHECK(ready < stopping);
}

TEST_CASE("without a notify socket, notifications are quietly skipped") {
  ::unsetenv("NOTIFY_SOCKET");
  testing::TempDir dir;
  WriteFile(dir.file("c.toml"), ConfigText({"alice"}));
  Recorder rec;
  Script script;
  Running run(dir.file("c.toml"), rec, script);
  REQUIRE(WaitReady(rec, run));
  run.service->Stop();
  CHECK(run.Join() == 0);
}

TEST_CASE("a reload is framed by RELOADING=1 and READY=1 for systemd, refused or applied") {
  testing::TempDir dir;
  WriteFile(dir.file("c.toml"), ConfigText({"alice"}));
  NotifyListener listener(dir.file("notify.sock"));
  Recorder rec;
  Script script;
  Running run(dir.file("c.toml"), rec, script);
  REQUIRE(WaitReady(rec, run));

  WriteFile(dir.file("c.toml"), "[schedule\npoll_interval = \n");
  run.service->Reload();
  REQUIRE(rec.WaitFor([&] { return rec.Count(Event::Kind::kReloadFailed) == 1; }));
  WriteFile(dir.file("c.toml"), ConfigText({"alice", "bob"}));
  run.service->Reload();
  REQUIRE(rec.WaitFor([&] { return rec.Count(Event::Kind::kReloaded) == 1; }));
  run.service->Stop();
  CHECK(run.Join() == 0);

  const std::vector<std::string> messages = listener.Stop();
  std::vector<std::string> framing;  // the RELOADING/READY datagrams, in order
  for (const auto& m : messages) {
    if (m.find("RELOADING=1") != std::string::npos || m.find("READY=1") != std::string::npos) {
      framing.push_back(m);
    }
  }
  CAPTURE(framing.size());
  REQUIRE(framing.size() == 5);  // READY at start, then two reloads
  CHECK(framing[0].find("READY=1") == 0);
  for (int i : {1, 3}) {
    CAPTURE(framing[i]);
    // systemd 253's notify-reload requires the reload's monotonic start with RELOADING=1.
    CHECK(framing[i].find("RELOADING=1\nMONOTONIC_USEC=") == 0);
    CHECK(std::stoll(framing[i].substr(framing[i].find('=', 12) + 1)) > 0);
  }
  CHECK(framing[2].find("READY=1\nSTATUS=config reload refused: ") == 0);
  CHECK(framing[4] == "READY=1\nSTATUS=config reloaded");
}

TEST_CASE("a rejected token says restart when systemd's credential copy holds it, else reload") {
  struct Case {
    bool credential;
    std::string advice;
  };
  for (const Case& c :
       {Case{true, "systemctl restart ghharvest"}, Case{false, "systemctl reload ghharvest"}}) {
    CAPTURE(c.credential);
    testing::TempDir dir;
    std::filesystem::create_directories(dir.file("creds"));
    WriteFile(dir.file("creds/github-token"), "ghp_test_token\n");
    if (c.credential) ::setenv("CREDENTIALS_DIRECTORY", dir.file("creds").c_str(), 1);
    WriteFile(dir.file("c.toml"), ConfigText({"alice"}, "5s"));
    testing::LogCapture logs;
    Recorder rec;
    Script script;
    script.outcome = HarvestOutcome{Status::Unauthorized("401 Bad credentials"), false, false};
    {
      Running run(dir.file("c.toml"), rec, script);
      REQUIRE(WaitReady(rec, run));
      REQUIRE(rec.WaitFor([&] { return rec.Count(Event::Kind::kHarvestFinished) >= 1; }));
      run.service->Stop();
      CHECK(run.Join() == 0);
    }
    ::unsetenv("CREDENTIALS_DIRECTORY");
    bool found = false;
    for (const auto& line : logs.Lines(log::Level::kError)) {
      if (line.find("GitHub rejected the token (401)") == std::string::npos) continue;
      found = true;
      CAPTURE(line);
      CHECK(line.find(c.advice) != std::string::npos);
      CHECK(line.find("ghp_test_token") == std::string::npos);
    }
    CHECK(found);
  }
}
