#include "ghharvest/daemon/service.hpp"

#include <chrono>
#include <csignal>
#include <map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "ghharvest/config/token.hpp"
#include "ghharvest/daemon/notify.hpp"
#include "ghharvest/daemon/schedule.hpp"
#include "ghharvest/metrics/registry.hpp"
#include "ghharvest/metrics/server.hpp"
#include "ghharvest/util/log.hpp"

namespace ghharvest::daemon {

namespace asio = boost::asio;

bool IsFatalStorageError(const Status& status) {
  switch (status.code()) {
    case Status::Code::kIOError:
    case Status::Code::kCorruption:
    case Status::Code::kTooNew:
      return true;
    default:
      return false;
  }
}

namespace {

ScheduleOptions OptionsFrom(const config::Config& c, const ServiceOptions& o) {
  ScheduleOptions s;
  s.poll_interval = c.schedule.poll_interval;
  s.score_interval = c.schedule.score_interval;
  s.splay_fraction = o.splay_fraction;
  s.score_debounce = o.score_debounce;
  return s;
}

std::string Iso(std::optional<TimePoint> t) { return t ? FormatIso8601(*t) : std::string("-"); }

}  // namespace

class Service::Impl {
 public:
  explicit Impl(ServiceOptions options)
      : opts_(std::move(options)),
        clock_(opts_.clock ? *opts_.clock : system_clock_),
        timer_(io_),
        watchdog_(io_),
        grace_(io_),
        signals_(io_),
        alive_(std::make_shared<int>(0)) {
    if (!opts_.load_config) opts_.load_config = config::LoadConfig;
    metrics_ = opts_.metrics ? opts_.metrics : &own_metrics_;
  }

  ~Impl() {
    // Actions may hold sockets registered with io_; release them while io_ still exists.
    alive_.reset();
    actions_ = Actions{};
    metrics_server_.reset();
  }

  int Run();
  void Stop() {
    asio::post(io_, [this] { BeginStop("requested"); });
  }
  void Reload() {
    asio::post(io_, [this] { StartReload(); });
  }

 private:
  enum class State { kStarting, kRunning, kReloading, kStopping };

  void Emit(Event::Kind kind, std::string scope = {}, Status status = Status::Ok()) {
    if (opts_.on_event)
      opts_.on_event(Event{kind, std::move(scope), std::move(status), clock_.Now()});
  }
  void WaitSignal();
  void StartWatchdog(std::chrono::microseconds interval);
  void Arm();
  void Tick();
  void StartHarvest(const std::string& scope);
  void OnHarvestDone(const std::string& scope, const HarvestOutcome& outcome);
  void RunScore();
  void RefreshScopes(TimePoint now);
  void StartReload();
  void ApplyReload();
  void NotifyReloading();
  void WatchCounts();
  void NotifyReloadEnded(const Status& outcome);
  void ReopenLogs();
  void BeginStop(const char* reason);
  void Fatal(const Status& status);
  void AfterWorkEnded();
  void UpdateStatus();
  Status ServeMetrics(bool at_start);

  ServiceOptions opts_;
  SystemClock system_clock_;
  const Clock& clock_;
  asio::io_context io_;
  asio::steady_timer timer_;
  asio::steady_timer watchdog_;
  asio::steady_timer grace_;
  asio::signal_set signals_;
  config::Config config_;
  std::optional<config::Config> pending_config_;
  Actions actions_;
  std::unique_ptr<Schedule> schedule_;
  std::map<std::string, TimePoint> started_;
  State state_ = State::kStarting;
  int exit_code_ = kServiceOk;
  std::optional<TimePoint> last_score_;
  std::string last_status_;
  std::shared_ptr<int> alive_;  // callbacks that outlive the service see it expired
  metrics::Registry own_metrics_;
  metrics::Registry* metrics_ = nullptr;
  std::unique_ptr<metrics::Server> metrics_server_;
  std::optional<std::string> metrics_listen_;  // what metrics_server_ listens on
};

// Starts, moves or stops the metrics endpoint to match config_. At start a failure is the
// caller's to report (the daemon does not run without the endpoint it was asked for); on a
// reload the old endpoint, if any, stays.
Status Service::Impl::ServeMetrics(bool at_start) {
  if (config_.metrics.listen == metrics_listen_) return Status::Ok();
  if (!config_.metrics.listen) {
    metrics_server_.reset();
    metrics_listen_.reset();
    log::Notice("metrics endpoint closed");
    return Status::Ok();
  }
  // The old one closes first: a reload that only changes a host's spelling may keep the port.
  auto old_listen = metrics_listen_;
  metrics_server_.reset();
  auto started = metrics::Server::Start(io_, *metrics_, *config_.metrics.listen);
  if (!started.ok()) {
    metrics_listen_.reset();
    if (!at_start && old_listen) {
      if (auto again = metrics::Server::Start(io_, *metrics_, *old_listen); again.ok()) {
        metrics_server_ = std::move(again).value();
        metrics_listen_ = old_listen;
      }
    }
    return started.status();
  }
  metrics_server_ = std::move(started).value();
  metrics_listen_ = config_.metrics.listen;
  log::Notice("metrics endpoint listening address={} path=/metrics", metrics_server_->address());
  return Status::Ok();
}

int Service::Impl::Run() {
  auto loaded = opts_.load_config(opts_.config_path);
  if (!loaded.ok()) {
    log::Error("cannot start: config rejected path={} error=\"{}\"", opts_.config_path,
               loaded.status().ToString());
    return kServiceConfig;
  }
  config_ = std::move(loaded.value());
  auto built = opts_.make_actions(config_, io_, clock_);
  if (!built.ok()) {
    log::Error("cannot start: {} path={}", built.status().ToString(), opts_.config_path);
    return IsFatalStorageError(built.status()) ? kServiceIOErr : kServiceConfig;
  }
  actions_ = std::move(built.value());
  WatchCounts();
  metrics_->Declare("ghharvest_build_info", metrics::Type::kGauge,
                    "Always 1; the version is the label.");
  metrics_->Set("ghharvest_build_info", {{"version", GHHARVEST_VERSION}}, 1);
  metrics_->Declare("ghharvest_start_time_seconds", metrics::Type::kGauge,
                    "When the daemon started (Unix time).");
  metrics_->Set("ghharvest_start_time_seconds", {},
                static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count()));
  metrics_->Declare("ghharvest_config_reloads_total", metrics::Type::kCounter,
                    "Config reloads asked for (SIGHUP), by outcome (applied, refused).");
  if (Status s = ServeMetrics(true); !s.ok()) {
    log::Error("cannot start: {} path={}", s.ToString(), opts_.config_path);
    actions_ = Actions{};
    return s.code() == Status::Code::kInvalidArgument ? kServiceConfig : kExitUnavailable;
  }

  signals_.add(SIGTERM);
  signals_.add(SIGINT);
  signals_.add(SIGHUP);
  WaitSignal();

  schedule_ = std::make_unique<Schedule>(OptionsFrom(config_, opts_), clock_.Now());
  schedule_->SetScopes(actions_.scopes, clock_.Now());
  state_ = State::kRunning;
  if (auto wd = WatchdogInterval()) StartWatchdog(*wd);
  log::Notice("ghharvest started scopes={} poll_interval_s={} score_interval_s={} config={}",
              schedule_->ScopeCount(), config_.schedule.poll_interval.count(),
              config_.schedule.score_interval.count(), config_.path);
  UpdateStatus();
  Notify("READY=1");
  Emit(Event::Kind::kReady);
  asio::post(io_, [this] { Tick(); });

  io_.run();

  // The page in flight was abandoned or finished; committed pages are durable. Dropping the
  // actions closes the database (SQLite checkpoints the WAL) and the report log.
  actions_ = Actions{};
  log::Notice("ghharvest stopped exit_code={}", exit_code_);
  return exit_code_;
}

void Service::Impl::WaitSignal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    if (signo == SIGHUP) {
      StartReload();
    } else {
      BeginStop(signo == SIGTERM ? "SIGTERM" : "SIGINT");
    }
    WaitSignal();  // a second SIGTERM while stopping ends at once
  });
}

void Service::Impl::StartWatchdog(std::chrono::microseconds interval) {
  watchdog_.expires_after(interval);
  watchdog_.async_wait([this, interval](const boost::system::error_code& ec) {
    if (ec) return;
    Notify("WATCHDOG=1");
    StartWatchdog(interval);
  });
}

void Service::Impl::Arm() {
  if (state_ != State::kRunning) return;
  auto next = schedule_->NextWakeup();
  if (!next) {
    timer_.cancel();  // everything is running; their completions tick again
    return;
  }
  auto wait = *next - clock_.Now();
  std::chrono::nanoseconds real{0};
  if (wait.count() > 0)
    real = clock_.RealDelay(std::chrono::duration_cast<std::chrono::nanoseconds>(wait));
  // Re-check at least every minute: the wall clock may jump (NTP, suspend).
  real = std::min<std::chrono::nanoseconds>(real, std::chrono::minutes(1));
  timer_.expires_after(real);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) Tick();
  });
}

void Service::Impl::Tick() {
  if (state_ != State::kRunning) return;
  auto now = clock_.Now();
  for (const auto& scope : schedule_->TakeDueHarvests(now, opts_.max_concurrent_harvests)) {
    StartHarvest(scope);
    if (state_ != State::kRunning) return;
  }
  if (schedule_->ScoreDue(clock_.Now())) RunScore();
  if (state_ != State::kRunning) return;
  UpdateStatus();
  Arm();
}

void Service::Impl::WatchCounts() {
  if (!actions_.watch_counts) return;
  std::weak_ptr<int> alive = alive_;
  actions_.watch_counts([this, alive] {
    if (alive.expired()) return;
    asio::post(io_, [this, alive] {
      if (alive.expired() || !schedule_) return;
      schedule_->CountsChanged(clock_.Now());
      Tick();
    });
  });
}

void Service::Impl::StartHarvest(const std::string& scope) {
  started_[scope] = clock_.Now();
  log::Info("harvest started scope={}", scope);
  Emit(Event::Kind::kHarvestStarted, scope);
  std::weak_ptr<int> alive = alive_;
  actions_.harvest(scope, [this, alive, scope](HarvestOutcome outcome) {
    if (alive.expired()) return;
    // Never continue inside the harvester's own call stack: the continuation may destroy it.
    asio::post(io_, [this, alive, scope, outcome = std::move(outcome)] {
      if (!alive.expired()) OnHarvestDone(scope, outcome);
    });
  });
}

void Service::Impl::OnHarvestDone(const std::string& scope, const HarvestOutcome& outcome) {
  auto now = clock_.Now();
  TimePoint started = now;
  if (auto it = started_.find(scope); it != started_.end()) {
    started = it->second;
    started_.erase(it);
  }
  auto elapsed_s = std::chrono::duration_cast<std::chrono::duration<double>>(now - started).count();
  const Status& st = outcome.status;
  if (st.code() == Status::Code::kCancelled) {
    schedule_->HarvestAbandoned(scope);
    log::Info("harvest abandoned scope={} elapsed_s={:.1f}", scope, elapsed_s);
  } else {
    schedule_->HarvestFinished(scope, started, now, outcome.changed);
    if (outcome.scopes_changed && actions_.current_scopes) RefreshScopes(now);
    if (st.ok()) {
      log::Info("harvest finished scope={} changed={} elapsed_s={:.1f} next={}", scope,
                outcome.changed, elapsed_s, Iso(schedule_->Due(scope)));
    } else if (outcome.fatal) {
      // Reported by Fatal below.
    } else if (st.code() == Status::Code::kUnauthorized) {
      log::Error("GitHub rejected the token (401): harvesting paused; {} scope={} error=\"{}\"",
                 config::RejectedTokenAdvice(config_.github), scope, st.ToString());
      schedule_->SetHarvestPaused(true);
    } else {
      // Network and API trouble never stops the daemon: the next slot tries again.
      log::Warning("harvest failed scope={} elapsed_s={:.1f} next={} error=\"{}\"", scope,
                   elapsed_s, Iso(schedule_->Due(scope)), st.ToString());
    }
  }
  Emit(Event::Kind::kHarvestFinished, scope, st);
  if (outcome.fatal) {
    Fatal(st);
    return;
  }
  if (state_ == State::kRunning) {
    Tick();
  } else {
    AfterWorkEnded();
  }
}

// A writer's discovery found repositories (or one went away, or was renamed): the scopes
// follow, the known ones keeping their phase, so a repository found by a second writer is
// still crawled once per interval. A failure to list them keeps the old set until next time.
void Service::Impl::RefreshScopes(TimePoint now) {
  auto scopes = actions_.current_scopes();
  if (!scopes.ok()) {
    log::Warning("harvest scopes not updated error=\"{}\"", scopes.status().ToString());
    return;
  }
  const int before = schedule_->ScopeCount();
  schedule_->SetScopes(*scopes, now);
  log::Info("harvest scopes updated scopes={} before={}", schedule_->ScopeCount(), before);
}

void Service::Impl::RunScore() {
  auto t0 = clock_.Now();
  schedule_->ScoreStarted(t0);
  Status st = actions_.score ? actions_.score() : Status::Ok();
  auto now = clock_.Now();
  schedule_->ScoreFinished(now);
  last_score_ = now;
  Emit(Event::Kind::kScored, {}, st);
  if (st.ok()) {
    log::Info("scored elapsed_ms={}",
              std::chrono::duration_cast<std::chrono::milliseconds>(now - t0).count());
  } else if (IsFatalStorageError(st)) {
    Fatal(st);
  } else {
    log::Warning("scoring failed error=\"{}\"", st.ToString());
  }
}

void Service::Impl::StartReload() {
  if (state_ == State::kStopping || state_ == State::kStarting) return;
  log::Notice("reloading config path={}", opts_.config_path);
  // Type=notify-reload (systemd 253+) waits from RELOADING=1 to READY=1; older systemd
  // ignores both. MONOTONIC_USEC is required with RELOADING=1.
  if (state_ != State::kReloading) NotifyReloading();
  auto loaded = opts_.load_config(opts_.config_path);
  if (!loaded.ok()) {
    log::Error("config reload refused, the running config stays in force error=\"{}\"",
               loaded.status().ToString());
    metrics_->Add("ghharvest_config_reloads_total", {{"outcome", "refused"}});
    ReopenLogs();
    Emit(Event::Kind::kReloadFailed, {}, loaded.status());
    if (state_ != State::kReloading) NotifyReloadEnded(loaded.status());
    return;
  }
  pending_config_ = std::move(loaded.value());
  if (state_ == State::kReloading) return;  // the newest file wins when the drain ends
  state_ = State::kReloading;
  timer_.cancel();
  // In-flight harvests abandon their current page (it is fetched again after the reload).
  if (actions_.cancel) actions_.cancel();
  if (schedule_->RunningCount() == 0) asio::post(io_, [this] { AfterWorkEnded(); });
}

void Service::Impl::NotifyReloading() {
  const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now().time_since_epoch())
                        .count();
  Notify(fmt::format("RELOADING=1\nMONOTONIC_USEC={}\nSTATUS=reloading config", usec));
}

// READY=1 ends the reload for systemd either way; a refused config says so in STATUS (the
// running config stays in force, so the service is still ready).
void Service::Impl::NotifyReloadEnded(const Status& outcome) {
  last_status_.clear();  // the next status line is sent again after the reload's
  if (outcome.ok()) {
    Notify("READY=1\nSTATUS=config reloaded");
  } else {
    Notify("READY=1\nSTATUS=config reload refused: " + outcome.message());
  }
}

void Service::Impl::ApplyReload() {
  auto built = opts_.make_actions(*pending_config_, io_, clock_);
  if (!built.ok()) {
    log::Error("config reload refused, the running config stays in force error=\"{}\"",
               built.status().ToString());
    metrics_->Add("ghharvest_config_reloads_total", {{"outcome", "refused"}});
    pending_config_.reset();
    ReopenLogs();
    Emit(Event::Kind::kReloadFailed, {}, built.status());
    NotifyReloadEnded(built.status());
  } else {
    Actions old = std::move(actions_);
    actions_ = std::move(built.value());
    WatchCounts();
    config_ = std::move(*pending_config_);
    pending_config_.reset();
    auto now = clock_.Now();
    schedule_->SetOptions(OptionsFrom(config_, opts_), now);
    schedule_->SetScopes(actions_.scopes, now);
    schedule_->SetHarvestPaused(false);
    // Released from a fresh handler: nothing of the old actions is on the stack now.
    asio::post(io_, [old = std::move(old)]() mutable { old = Actions{}; });
    log::Notice("config reloaded scopes={} poll_interval_s={} score_interval_s={}",
                schedule_->ScopeCount(), config_.schedule.poll_interval.count(),
                config_.schedule.score_interval.count());
    metrics_->Add("ghharvest_config_reloads_total", {{"outcome", "applied"}});
    if (Status m = ServeMetrics(false); !m.ok()) {
      log::Error("metrics endpoint not moved, the old one (if any) stays error=\"{}\"",
                 m.ToString());
    }
    Emit(Event::Kind::kReloaded);
    Emit(Event::Kind::kLogsReopened);  // the new reporter opened the log afresh
    NotifyReloadEnded(Status::Ok());
  }
  state_ = State::kRunning;
  Tick();
}

void Service::Impl::ReopenLogs() {
  if (!actions_.reopen_logs) return;
  Status st = actions_.reopen_logs();
  if (st.ok()) {
    log::Info("report log reopened");
    Emit(Event::Kind::kLogsReopened);
  } else if (IsFatalStorageError(st)) {
    Fatal(st);
  } else {
    log::Warning("report log reopen failed error=\"{}\"", st.ToString());
  }
}

void Service::Impl::BeginStop(const char* reason) {
  if (state_ == State::kStopping) {
    log::Warning("second stop request: exiting without waiting reason={}", reason);
    io_.stop();
    return;
  }
  state_ = State::kStopping;
  pending_config_.reset();
  log::Notice("stopping reason={} harvests_in_flight={}", reason,
              schedule_ ? schedule_->RunningCount() : 0);
  Notify("STOPPING=1\nSTATUS=stopping");
  Emit(Event::Kind::kStopping);
  timer_.cancel();
  if (actions_.cancel) actions_.cancel();
  grace_.expires_after(opts_.stop_grace);
  grace_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    log::Warning("harvests did not end within the grace period; exiting anyway");
    io_.stop();
  });
  asio::post(io_, [this] { AfterWorkEnded(); });
}

void Service::Impl::Fatal(const Status& status) {
  // The database is named: an operator with several instances must know which disk is full.
  log::Error(
      "fatal storage error, exiting so the service manager restarts ghharvest database={} "
      "error=\"{}\"",
      config_.storage.database, status.ToString());
  exit_code_ = kServiceIOErr;
  BeginStop("fatal-storage-error");
}

void Service::Impl::AfterWorkEnded() {
  if (!schedule_ || schedule_->RunningCount() > 0) return;
  if (state_ == State::kStopping) {
    grace_.cancel();
    watchdog_.cancel();
    signals_.cancel();
    io_.stop();
  } else if (state_ == State::kReloading && pending_config_) {
    ApplyReload();
  }
}

void Service::Impl::UpdateStatus() {
  std::string status = fmt::format(
      "writers={} scopes={} harvesting={} next_poll={}", config_.writers.size(),
      schedule_->ScopeCount(), schedule_->RunningCount(),
      schedule_->harvest_paused() ? std::string("paused") : Iso(schedule_->NextHarvest()));
  if (actions_.budget) status += " budget=" + actions_.budget();
  if (last_score_) status += " last_score=" + FormatIso8601(*last_score_);
  if (schedule_->harvest_paused()) status += " token=rejected";
  if (status == last_status_) return;
  last_status_ = status;
  Notify("STATUS=" + status);
}

Service::Service(ServiceOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Service::~Service() = default;
int Service::Run() { return impl_->Run(); }
void Service::Stop() { impl_->Stop(); }
void Service::Reload() { impl_->Reload(); }

}  // namespace ghharvest::daemon
