// The built ghharvest binary run as an operator runs it, for the process tests: its exit code,
// stdout and stderr. Header-only, beside files.hpp, which it reads the output with.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "files.hpp"
#include "test_paths.hpp"

namespace ghharvest::testing {

struct Ran {
  int code = -1;  // the exit status; -1 when killed by a signal
  std::string out, err;
};

// `args` is shell text (quote paths yourself). The environment is the test's without systemd's
// variables, so a host's $CONFIGURATION_DIRECTORY, $STATE_DIRECTORY or $JOURNAL_STREAM never
// leaks in, plus `env` (env(1) operands: "NAME=value", "-u NAME"). stdin is /dev/null; after 60 s
// the run is killed, so a hang fails the test instead of stalling ctest.
inline Ran RunGhharvest(const std::string& args, const std::string& env = "") {
  TempDir dir;
  std::string cmd =
      "env -u CONFIGURATION_DIRECTORY -u STATE_DIRECTORY -u CREDENTIALS_DIRECTORY "
      "-u JOURNAL_STREAM " +
      env + " timeout -k 5 60 '" + GHH_BINARY + "' " + args + " >'" + dir.file("out") + "' 2>'" +
      dir.file("err") + "' </dev/null";
  int status = std::system(cmd.c_str());
  Ran r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadFile(dir.file("out"));
  r.err = ReadFile(dir.file("err"));
  return r;
}

}  // namespace ghharvest::testing
