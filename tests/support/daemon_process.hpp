// `ghharvest run` as a child process for the process tests: its stderr in a file, the
// environment the test gives (a token variable), signals, its exit code, and what its log
// says. Header-only, beside run_ghharvest.hpp (which runs the short subcommands).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "files.hpp"
#include "test_paths.hpp"

namespace ghharvest::testing {

class DaemonProcess {
 public:
  DaemonProcess(std::string config, std::string log,
                std::vector<std::pair<std::string, std::string>> env = {})
      : config_(std::move(config)), log_(std::move(log)), env_(std::move(env)) {}
  ~DaemonProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  void Start() {
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) ::dup2(fd, 2);
      for (const auto& [name, value] : env_) ::setenv(name.c_str(), value.c_str(), 1);
      ::unsetenv("NOTIFY_SOCKET");
      ::unsetenv("CREDENTIALS_DIRECTORY");
      ::execl(GHH_BINARY, GHH_BINARY, "run", "-c", config_.c_str(), "--log-level", "info",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  bool Alive() {
    if (pid_ <= 0) return false;
    int status;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_status_ = status;
      pid_ = -1;
      return false;
    }
    return true;
  }
  void Signal(int sig) { ::kill(pid_, sig); }
  // Waits up to `limit` for the process to end; its exit code, or -1 (killed by a signal or
  // still running after the limit).
  int WaitExit(std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (!Alive()) {
        return WIFEXITED(exit_status_) ? WEXITSTATUS(exit_status_) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }
  int CountInLog(const std::string& needle) const {
    std::string text = ReadFile(log_);
    int n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
      ++n;
    return n;
  }
  const std::string& log() const { return log_; }

 private:
  std::string config_, log_;
  std::vector<std::pair<std::string, std::string>> env_;
  pid_t pid_ = -1;
  int exit_status_ = 0;
};

// Polls `pred` every 100 ms for up to `limit` of real time.
template <typename Pred>
bool WaitUntil(Pred pred, std::chrono::seconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return pred();
}

}  // namespace ghharvest::testing
