// systemd/ghharvest.service passes `systemd-analyze verify` and its offline security
// exposure stays at or below 2.0. verify needs ExecStart's binary to exist, so it checks a
// copy of the unit whose ExecStart names the binary just built (nothing else changes).
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <string>

#include "files.hpp"
#include "test_paths.hpp"

using ghharvest::testing::ReadFile;

namespace {

struct Output {
  int exit_code = -1;
  std::string text;
};

Output Shell(const std::string& command) {
  Output out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.text.append(buf, n);
  int status = ::pclose(p);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

const std::string kUnit = std::string(GHH_SOURCE_DIR) + "/systemd/ghharvest.service";

// The unit with ExecStart pointing at the built binary, in a temporary folder.
std::string UnitForVerify(const ghharvest::testing::TempDir& dir) {
  std::string text = ReadFile(kUnit);
  const std::string from = "ExecStart=/usr/local/bin/ghharvest ";
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), std::string("ExecStart=") + GHH_BINARY + " ");
  const std::string reload = "ExecReload=/usr/local/bin/ghharvest ";
  if (auto r = text.find(reload); r != std::string::npos) {
    text.replace(r, reload.size(), std::string("ExecReload=") + GHH_BINARY + " ");
  }
  std::string path = dir.file("ghharvest.service");
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("the unit has the settings the operator documentation promises") {
  std::string text = ReadFile(kUnit);
  for (const char* line :
       {"Type=notify", "DynamicUser=yes", "StateDirectory=ghharvest",
        "ConfigurationDirectory=ghharvest",
        "LoadCredential=github-token:/etc/ghharvest/github-token", "ProtectSystem=strict",
        "ProtectHome=yes", "PrivateTmp=yes", "NoNewPrivileges=yes",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "SystemCallFilter=@system-service",
        "CapabilityBoundingSet=\n", "Restart=on-failure", "WatchdogSec=",
        "ExecStart=/usr/local/bin/ghharvest run -c ${CONFIGURATION_DIRECTORY}/ghharvest.toml",
        "ExecReload=/bin/kill -HUP $MAINPID", "RestartPreventExitStatus=78\n"}) {
    CAPTURE(line);
    CHECK(text.find(line) != std::string::npos);
  }
  // A reload checks the config before it signals the daemon, so a bad one fails the reload.
  const auto check = text.find(
      "ExecReload=/usr/local/bin/ghharvest check-config -c "
      "${CONFIGURATION_DIRECTORY}/ghharvest.toml\n");
  const auto signal = text.find("ExecReload=/bin/kill -HUP $MAINPID");
  REQUIRE(check != std::string::npos);
  CHECK(check < signal);
}

TEST_CASE("systemd-analyze verify accepts the unit") {
  ghharvest::testing::TempDir dir;
  std::string unit = UnitForVerify(dir);
  Output out = Shell("systemd-analyze verify '" + unit + "'");
  CAPTURE(out.text);
  CHECK(out.exit_code == 0);
  CHECK(out.text.find("ghharvest.service") == std::string::npos);  // no complaint names it
}

TEST_CASE("systemd-analyze verify rejects a unit whose binary does not exist") {
  // Guards the test above: verify must really look at ExecStart.
  ghharvest::testing::TempDir dir;
  std::string text = ReadFile(kUnit);
  std::string path = dir.file("ghharvest.service");
  std::ofstream(path) << std::regex_replace(text, std::regex("ExecStart=/usr/local/bin/ghharvest"),
                                            "ExecStart=" + dir.file("missing-binary"));
  Output out = Shell("systemd-analyze verify '" + path + "'");
  CHECK(out.exit_code != 0);
}

TEST_CASE("the unit's offline security exposure is at most 2.0") {
  ghharvest::testing::TempDir dir;
  std::string unit = UnitForVerify(dir);
  Output out = Shell("systemd-analyze security --offline=true --no-pager '" + unit + "'");
  CAPTURE(out.text);
  std::smatch m;
  REQUIRE(
      std::regex_search(out.text, m, std::regex("Overall exposure level for [^:]+: ([0-9.]+)")));
  double exposure = std::stod(m[1].str());
  MESSAGE("exposure " << exposure);
  CHECK(exposure <= 2.0);
}

TEST_CASE("the exposure check can fail: an unhardened unit scores far above 2.0") {
  ghharvest::testing::TempDir dir;
  std::string path = dir.file("plain.service");
  std::ofstream(path) << "[Unit]\nDescription=plain\n[Service]\nExecStart=" << GHH_BINARY
                      << " run\n";
  Output out = Shell("systemd-analyze security --offline=true --no-pager '" + path + "'");
  std::smatch m;
  REQUIRE(
      std::regex_search(out.text, m, std::regex("Overall exposure level for [^:]+: ([0-9.]+)")));
  CHECK(std::stod(m[1].str()) > 2.0);
}
